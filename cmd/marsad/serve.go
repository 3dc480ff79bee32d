package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
  worker  polls the feeds and does the stages' owed work (every minute, and
          what web processes saved); answers only /healthz, /readyz and
          /metrics on --addr`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkAddr(addr); err != nil {
				return err
			}
			if !slices.Contains([]string{roleAll, roleWeb, roleWorker}, role) {
				return marsad.Errorf(marsad.EINVALID, "--role %q: want all, web or worker", role)
			}
			if pollWorkers < 1 || catchUp <= 0 {
				return marsad.Errorf(marsad.EINVALID, "--poll-workers %d, --catch-up-every %s: want at least 1 and a positive duration", pollWorkers, catchUp)
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
			p := a.useCases(db).Pipeline()
			if role == roleWeb {
				p = pipeline.New(db, an, pipeline.WithLogger(a.log))
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
			if role == roleWorker {
				// Work owed by other processes (a web process's saves, a
				// process that died) is done even when no feed brings
				// anything to commit.
				go catchUpEvery(ctx, p, catchUp, a.log)
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
				poller := feeds.NewPoller(db, metrics.Door("feed", b), a.newFetchClient(net), feeds.Options{Logger: a.log, OnPoll: metrics.Polled, Workers: pollWorkers})
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
		"how often a worker looks for the stages' owed work (what web processes saved, what a dead process left)")
	net.register(&a.cfg, cmd)
	return cmd
}

// The roles of a serve process.
const (
	roleAll    = "all"
	roleWeb    = "web"
	roleWorker = "worker"
)

// catchUpEvery hands the stages their owed work now and then every, until
// ctx ends. A failure is logged and tried again at the next tick: the
// work stays owed.
func catchUpEvery(ctx context.Context, p *pipeline.Pipeline, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := p.CatchUp(ctx); err != nil && ctx.Err() == nil {
			log.Warn("catching up owed work", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

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
