package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/api"
	marsadapp "github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/config"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/ops"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/related"
	"github.com/marsad/marsad/internal/web"
)

func (a *cli) serveCmd() *cobra.Command {
	var addr, zone, digits, baseURL, apiToken, adminToken, role string
	var noPoll, secureCookies bool
	var pollWorkers int
	var catchUp time.Duration
	var net netFlags
	var stageLease, settle, settleMax, feedLease time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web interface and follow the feeds",
		Long: `Serve the web interface and poll the followed feeds on their schedules.
On first start, when no feed is followed, the built-in list of Arabic outlets
(feeds export shows it) is followed.

--role splits the work among processes sharing one store (PostgreSQL):
  all     pages, API and feeds in one process (the default)
  web     pages and API only: no polling, no stage runs; articles POSTed to
          the API are saved and left owed to the workers' stages
  worker  polls the feeds and saves what they bring; runs each pipeline
          stage (dedup, story, tags) only while it holds the stage's lease
          in the store, on the work every process saved; answers only
          /healthz, /readyz and /metrics on --addr

Workers share the stages through leases (--stage-lease): one holder per
stage at a time, renewed while it lives; a worker killed while holding one
holds the stage up for the lease's length at most. The story stage waits
until its work has settled (--settle without a new article, or --settle-max
at most) and clusters it in published order, so that the same articles make
the same stories however many workers saved them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkAddr(addr); err != nil {
				return err
			}
			if !slices.Contains([]string{roleAll, roleWeb, roleWorker}, role) {
				return marsad.Errorf(marsad.EINVALID, "--role %q: want all, web or worker", role)
			}
			if pollWorkers < 1 || catchUp <= 0 || stageLease <= 0 || settle <= 0 || settleMax <= 0 || feedLease <= 0 {
				return marsad.Errorf(marsad.EINVALID, "--poll-workers %d, --catch-up-every %s, --stage-lease %s, --settle %s, --settle-max %s, --feed-lease %s: want at least 1 and positive durations",
					pollWorkers, catchUp, stageLease, settle, settleMax, feedLease)
			}
			pages, polls := role != roleWorker, role != roleWeb && !noPoll
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			an := analyzer.New()
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return fmt.Errorf("--tz %s: %w", zone, err)
			}
			// One pipeline and one batcher for every door of this process
			// (the poller, the API's POST): their small batches are
			// committed together. A web process runs no stage: it saves,
			// and the articles stay owed to the workers' stages.
			var p *pipeline.Pipeline
			switch role {
			case roleWeb:
				p = pipeline.New(db, an, pipeline.WithLogger(a.log))
			case roleWorker:
				holder, err := leaseHolder()
				if err != nil {
					return err
				}
				p = a.useCases(db).Pipeline(pipeline.WithLeases(db, pipeline.LeaseOptions{Holder: holder,
					TTL: stageLease, Quiet: settle, Bound: settleMax}))
			default:
				p = a.useCases(db).Pipeline(pipeline.WithCatchUpEvery(catchUp))
			}
			b, wait := a.startBatcher(ctx, p)
			metrics := ops.New(db, a.log, marsadapp.AnalyzerVersionKey, fmt.Sprint(analyzer.Version))
			handler := metrics.Handler(http.NotFoundHandler()) // a worker: only /healthz, /readyz, /metrics
			if pages {
				// Half the cores for searches at most: page views keep the rest.
				pg := marsadapp.NewPages(db, an, max(1, runtime.NumCPU()/2))
				// Related lists: computed on a page's first view (at most 50 ms
				// waited for), kept 10 minutes for the 4,096 latest pages.
				pg.Related = related.NewSource(db, related.NewCache(related.New(db, an.Terms, related.DefaultParams()), 4096, 10*time.Minute))
				pg.Tags = tagSource{store: db, an: an}
				feedCases := a.feedUseCases(db, net)
				srv, err := web.New(pg, db, a.log, web.Options{Zone: loc, Digits: web.Digits(digits), BaseURL: baseURL,
					Admin: web.AdminOptions{Token: adminToken, Feeds: feedCases, SecureCookies: secureCookies, Polling: polls}})
				if err != nil {
					return err
				}
				apiSrv := api.New(pg, db, metrics.Door("api", b), api.Options{Token: apiToken, AdminToken: adminToken,
					Feeds: feedCases, BaseURL: baseURL, Log: a.log})
				for _, pattern := range api.Routes() {
					srv.Mount(pattern, apiSrv)
				}
				handler = metrics.Handler(srv)
			}
			stagesDone := make(chan struct{})
			if role == roleWorker {
				// The stages run apart from the saves, in whichever worker
				// holds each one's lease, on the work every process saved
				// (a web process's, a dead worker's).
				go func() {
					defer close(stagesDone)
					p.RunStages(ctx)
				}()
			} else {
				close(stagesDone)
			}
			pollDone := make(chan error, 1)
			if !polls {
				go func() { pollDone <- wait() }()
			} else {
				_, total, err := db.FindFeeds(ctx, marsad.FeedFilter{Limit: 1})
				if err != nil {
					return err
				}
				if total == 0 {
					list, err := feeds.DefaultFeeds()
					if err != nil {
						return err
					}
					res, err := marsadapp.NewFeeds(db, nil).Import(ctx, list)
					if err != nil {
						return err
					}
					a.log.Info("first start: following the built-in outlets", "feeds", res.Added)
				}
				poller := feeds.NewPoller(db, metrics.Door("feed", b), a.newFetchClient(net), feeds.Options{Logger: a.log, OnPoll: metrics.Polled,
					Workers: pollWorkers, Lease: feedLease})
				go func() {
					err := poller.Run(ctx)
					if berr := wait(); err == nil || errors.Is(err, context.Canceled) {
						err = berr
					}
					pollDone <- err
				}()
			}
			a.log.Info("serving", "addr", "http://"+displayAddr(addr), "store", a.cfg.Store(), "role", role, "polling", polls, "admin", pages && adminToken != "")
			go func() {
				<-ctx.Done()
				metrics.Drain()
			}()
			err = web.Serve(ctx, addr, handler)
			cancel()
			<-stagesDone // the stages' leases released
			if perr := <-pollDone; perr != nil && !errors.Is(perr, context.Canceled) && err == nil {
				err = perr
			}
			return err
		},
	}
	a.cfg.String(cmd.Flags(), &addr, "addr", "MARSAD_ADDR", config.DefaultAddr, "listen address HOST:PORT")
	a.cfg.String(cmd.Flags(), &zone, "tz", "MARSAD_TZ", "Asia/Riyadh", "readers' time zone for dates on the pages")
	a.cfg.String(cmd.Flags(), &digits, "digits", "MARSAD_DIGITS", "latn", "digits on the pages: latn (123) or arab (١٢٣); readers can switch")
	a.cfg.String(cmd.Flags(), &baseURL, "base-url", "MARSAD_BASE_URL", "", "public address of the site for canonical links, e.g. https://marsad.example")
	a.cfg.String(cmd.Flags(), &apiToken, "api-token", "MARSAD_API_TOKEN", "", "token that allows POST /api/v1/articles (Authorization: Bearer TOKEN); empty: ingest by API is off")
	a.cfg.String(cmd.Flags(), &adminToken, "admin-token", "MARSAD_ADMIN_TOKEN", "", "secret (12+ characters) that turns on the feed admin at /admin (login) and /api/v1/admin (Authorization: Bearer TOKEN); empty: admin off")
	a.cfg.Bool(cmd.Flags(), &secureCookies, "secure-cookies", "MARSAD_SECURE_COOKIES", false, "mark the admin's cookies Secure (set when TLS ends at a proxy; an https --base-url does it too)")
	a.cfg.Bool(cmd.Flags(), &noPoll, "no-poll", "MARSAD_NO_POLL", false, "serve only; do not poll feeds")
	a.cfg.String(cmd.Flags(), &role, "role", "MARSAD_ROLE", roleAll, "what this process does: all, web (pages and API) or worker (feeds and stages); see --help")
	a.cfg.Int(cmd.Flags(), &pollWorkers, "poll-workers", "MARSAD_POLL_WORKERS", feeds.DefaultWorkers, "feeds this process polls at once")
	a.cfg.Duration(cmd.Flags(), &catchUp, "catch-up-every", "MARSAD_CATCH_UP_EVERY", pipeline.DefaultCatchUpEvery,
		"--role all: how often the stages look for owed work a dead process left (workers look every second, under the stages' leases)")
	a.cfg.Duration(cmd.Flags(), &stageLease, "stage-lease", "MARSAD_STAGE_LEASE", 30*time.Second, "worker: how long a stage's lease lasts unless renewed (a killed worker's stage waits this long at most)")
	a.cfg.Duration(cmd.Flags(), &settle, "settle", "MARSAD_SETTLE", 5*time.Second, "worker: the story stage clusters its work once no article was saved for this long …")
	a.cfg.Duration(cmd.Flags(), &settleMax, "settle-max", "MARSAD_SETTLE_MAX", time.Minute, "worker: … or once its oldest owed article has waited this long")
	a.cfg.Duration(cmd.Flags(), &feedLease, "feed-lease", "MARSAD_FEED_LEASE", 15*time.Minute, "how long a claimed feed is this process's alone (a killed poller's feeds come back after it)")
	net.register(&a.cfg, cmd)
	return cmd
}

// leaseHolder names this process in the stages' leases: host, pid and a
// random part, so that a restarted process with the same pid never holds a
// dead one's lease.
func leaseHolder() (string, error) {
	host, err := os.Hostname()
	if err != nil {
		host = "host"
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lease holder: %w", err)
	}
	return fmt.Sprintf("%s:%d:%x", host, os.Getpid(), b), nil
}

// The roles of a serve process.
const (
	roleAll    = "all"
	roleWeb    = "web"
	roleWorker = "worker"
)

// checkAddr refuses a listen address that is not HOST:PORT before anything
// starts (a bare port would otherwise be taken as a host name and fail
// only when listening), naming the forms that work.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 0 || n > 65535 {
			err = fmt.Errorf("port %q is not a number from 0 to 65535", port)
		}
	}
	if err == nil {
		return nil
	}
	example := "8080"
	if n, perr := strconv.Atoi(addr); perr == nil && n > 0 && n <= 65535 {
		example = addr // a bare port: show it in the forms that work
	}
	return marsad.Errorf(marsad.EINVALID, "--addr %q: want HOST:PORT, e.g. 127.0.0.1:%s (this machine) or :%s (all interfaces)", addr, example, example)
}

// displayAddr is addr as a browser reaches it (":8080" is localhost:8080).
func displayAddr(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		return "localhost:" + port
	}
	return addr
}
