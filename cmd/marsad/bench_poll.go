package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
)

func (a *cli) benchPollCmd() *cobra.Command {
	var nFeeds, nHosts, limit, pollWorkers int
	var workers, prefix, profiles string
	var timeout, catchUp time.Duration
	var keep bool
	cmd := &cobra.Command{
		Use:   "poll FILE...",
		Short: "Serve real articles as loopback feeds and time worker processes polling them into one store",
		Long: `Serves the articles of the JSONL files as --feeds RSS feeds on --hosts
loopback servers started by this command (each article in one feed, its full
text as content; articles shorter than 400 characters are fetched from their
page, as the poller does), then, for each count K of --workers, makes a new
store (a SQLite file, or a schema of its own in the database of
--database-url), follows the feeds there and starts K processes of this
binary as ` + "`marsad serve --role worker`" + ` over it. It reports the time until every
article is stored and until the stages (dedup, stories, tags) owe nothing,
the workers' CPU time and the articles the pipeline's catch-up handed each
stage (summed over the workers: more than the articles means owed work was
done twice). The last line compares the last K with the first.

The workers reach the loopback feeds because this command passes them
--allow-private-networks, and --host-delay 0 (no politeness pause on
loopback: the polling is then bound by the workers, not by waiting).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			counts, err := parseWorkerCounts(workers, 1)
			if err != nil {
				return err
			}
			if nFeeds < 1 || nHosts < 1 {
				return marsad.Errorf(marsad.EINVALID, "--feeds %d, --hosts %d: want at least 1", nFeeds, nHosts)
			}
			arts, err := readBenchArticles(args, limit)
			if err != nil {
				return err
			}
			if len(arts) < nFeeds {
				return marsad.Errorf(marsad.EINVALID, "%d articles for %d feeds: every feed needs one", len(arts), nFeeds)
			}
			site, err := serveBenchFeeds(arts, nFeeds, nHosts)
			if err != nil {
				return err
			}
			defer site.close()
			fmt.Fprintf(a.stdout, "feeds: %d on %d loopback hosts, %d articles (%d fetched from their page)\n",
				len(site.feeds), nHosts, len(arts), site.pageItems)
			extra := []string{"--allow-private-networks", "--host-delay", "0",
				"--poll-workers", strconv.Itoa(pollWorkers), "--catch-up-every", catchUp.String()}
			var results []pollRun
			for _, k := range counts {
				r, err := a.benchPollRun(ctx, site, k, prefix, keep, timeout, extra, profiles)
				if err != nil {
					return err
				}
				results = append(results, r)
				fmt.Fprintf(a.stdout, "run workers=%d: %s\n", k, r)
			}
			var stored, done []string
			for _, r := range results {
				stored = append(stored, fmt.Sprintf("%.1f", r.stored.Seconds()))
				done = append(done, fmt.Sprintf("%.1f", r.done.Seconds()))
			}
			lo, hi := slices.Min(counts), slices.Max(counts)
			fmt.Fprintf(a.stdout, "bench poll: store=%s feeds=%d items=%d workers=%s stored_s=%s done_s=%s ratio=%.2f\n",
				storeKind(a.cfg.DatabaseURL), len(site.feeds), len(arts), workers, strings.Join(stored, ","), strings.Join(done, ","),
				meanDone(results, counts, lo)/meanDone(results, counts, hi))
			return nil
		},
	}
	cmd.Flags().IntVar(&nFeeds, "feeds", 2000, "feeds to serve")
	cmd.Flags().IntVar(&nHosts, "hosts", 100, "loopback servers the feeds are spread over (each port is a host to the poller)")
	cmd.Flags().IntVar(&limit, "articles", 0, "use only the first N articles of the files (0: all)")
	cmd.Flags().StringVar(&workers, "workers", "1,2", "worker process counts to run, one new store each, e.g. 1,2")
	cmd.Flags().IntVar(&pollWorkers, "poll-workers", feeds.DefaultWorkers, "feeds each worker process polls at once")
	cmd.Flags().DurationVar(&catchUp, "catch-up-every", pipeline.DefaultCatchUpEvery, "the workers' --catch-up-every")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "give up a run after this long")
	cmd.Flags().StringVar(&prefix, "schema-prefix", "marsad_bench", "PostgreSQL: the runs' schemas are named PREFIX_LABEL_RANDOM")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep each run's store (and say where)")
	cmd.Flags().StringVar(&profiles, "worker-cpuprofile", "", "write each worker's CPU profile into this folder")
	return cmd
}

// meanDone is the mean time until done of the runs with k workers.
func meanDone(results []pollRun, counts []int, k int) float64 {
	var sum float64
	n := 0
	for i, r := range results {
		if counts[i] == k {
			sum += r.done.Seconds()
			n++
		}
	}
	return sum / float64(n)
}

// storeKind names the store the configuration selects, for reports.
func storeKind(databaseURL string) string {
	if databaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// pollRun is what one run of bench poll measured.
type pollRun struct {
	stored, done time.Duration
	st           *marsad.Stats
	items        int
	failed       int
	cpu          []time.Duration
	caughtUp     map[string]int
	warnings     int
	feedHits     int64
	pageHits     int64
}

func (r pollRun) String() string {
	var cpu []string
	for _, d := range r.cpu {
		cpu = append(cpu, fmt.Sprintf("%.1f", d.Seconds()))
	}
	return fmt.Sprintf("articles=%d copies=%d stories=%d failed_feeds=%d feed_requests=%d page_requests=%d stored_s=%.1f done_s=%.1f items_per_s=%.0f worker_cpu_s=%s (%.1f) caught_up=%s warnings=%d",
		r.st.Articles, r.st.Copies, r.st.Stories, r.failed, r.feedHits, r.pageHits, r.stored.Seconds(), r.done.Seconds(),
		float64(r.items)/r.done.Seconds(), strings.Join(cpu, "+"), sumDurations(r.cpu).Seconds(), formatCounts(r.caughtUp), r.warnings)
}

// benchPollRun follows the site's feeds in a new store, runs k workers
// until every feed was polled and nothing is owed, and stops them.
func (a *cli) benchPollRun(ctx context.Context, site *benchSite, k int, prefix string, keep bool, timeout time.Duration, extra []string, profiles string) (r pollRun, err error) {
	bs, err := a.newBenchStore(ctx, prefix, "poll"+strconv.Itoa(k), keep)
	if err != nil {
		return r, err
	}
	defer func() {
		if cerr := bs.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
		if keep {
			fmt.Fprintf(a.stdout, "kept: %s\n", bs.name)
		}
	}()
	for _, f := range site.feeds {
		if err := bs.db.CreateFeed(ctx, &marsad.Feed{URL: f.url, Source: f.source, SourceName: f.sourceName}); err != nil {
			return r, err
		}
	}
	site.feedHits.Store(0)
	site.pageHits.Store(0)
	w := &progressWatch{start: time.Now()}
	fl, err := startFleet(ctx, k, bs.flags, extra, profiles, fmt.Sprintf("poll-%s-k%d", storeKind(a.cfg.DatabaseURL), k))
	if err != nil {
		return r, err
	}
	defer fl.remove()
	stopped := false
	defer func() {
		if !stopped {
			fl.stop()
		}
	}()
	deadline := w.start.Add(timeout)
	for polled := false; ; {
		if err := fl.failed(); err != nil {
			return r, err
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("bench poll: %d workers not done after %s (%d of %d feeds polled)", k, timeout, r.items, len(site.feeds))
		}
		if err := sleepCtx(ctx, sampleEvery); err != nil {
			return r, err
		}
		s, err := w.sample(ctx, bs.db)
		if err != nil {
			return r, err
		}
		if !polled && len(w.samples)%5 == 0 {
			// The feeds' state, once a second: every feed polled (its
			// items went through the pipeline before its poll was
			// recorded), or failed.
			list, _, err := bs.db.FindFeeds(ctx, marsad.FeedFilter{})
			if err != nil {
				return r, err
			}
			r.failed, r.items = 0, 0
			n := 0
			for _, f := range list {
				switch {
				case !f.LastSuccess.IsZero():
					n++
					r.items += f.ItemsSeen
				case f.LastError != "":
					n++
					r.failed++
				}
			}
			polled = n == len(list)
		}
		if polled && s.owed == 0 {
			break
		}
	}
	r.done = w.samples[len(w.samples)-1].at
	r.stored = w.storedAt()
	r.cpu = fl.stop()
	stopped = true
	if r.caughtUp, r.warnings, err = fl.logCounts(); err != nil {
		return r, err
	}
	if r.st, err = bs.db.Stats(ctx); err != nil {
		return r, err
	}
	r.feedHits, r.pageHits = site.feedHits.Load(), site.pageHits.Load()
	if r.failed > 0 {
		list, _, _ := bs.db.FindFeeds(ctx, marsad.FeedFilter{})
		for _, f := range list {
			if f.LastError != "" {
				return r, fmt.Errorf("bench poll: %d feeds failed, e.g. %s: %s", r.failed, f.URL, f.LastError)
			}
		}
	}
	return r, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readBenchArticles reads the articles of the JSONL files (the first
// limit when limit > 0), skipping lines the importer refuses.
func readBenchArticles(files []string, limit int) ([]*marsad.RawArticle, error) {
	var out []*marsad.RawArticle
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		rd := importer.NewReader(f, name)
		for limit <= 0 || len(out) < limit {
			raw, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *importer.LineError
			if errors.As(err, &le) {
				continue
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			out = append(out, raw)
		}
		f.Close()
	}
	return out, nil
}

// benchSite is the loopback "internet" of bench poll: hosts serving the
// feeds and the pages of their short items.
type benchSite struct {
	servers   []*http.Server
	feeds     []benchFeed
	pageItems int // items whose page the poller fetches
	feedHits  atomic.Int64
	pageHits  atomic.Int64
}

type benchFeed struct {
	url, source, sourceName string
}

// serveBenchFeeds spreads the articles over nFeeds feeds and starts nHosts
// loopback servers for them. Each outlet gets feeds in proportion to its
// articles (at least one), each feed a run of its outlet's articles in
// published order, as a section feed carries; the feed documents and
// pages are rendered once, before any timing.
func serveBenchFeeds(arts []*marsad.RawArticle, nFeeds, nHosts int) (*benchSite, error) {
	site := &benchSite{}
	var bases []string
	pages := map[string][]byte{} // path → page, per host (paths are unique over hosts)
	mux := http.NewServeMux()
	docs := map[string][]byte{}
	// serve answers one kind of path from its rendered documents, counting
	// the hits.
	serve := func(docs map[string][]byte, hits *atomic.Int64, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			doc, ok := docs[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			hits.Add(1)
			w.Header().Set("Content-Type", contentType)
			w.Write(doc)
		}
	}
	mux.HandleFunc("/feed/", serve(docs, &site.feedHits, "application/rss+xml; charset=utf-8"))
	mux.HandleFunc("/a/", serve(pages, &site.pageHits, "text/html; charset=utf-8"))
	var listeners []net.Listener
	for range nHosts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return nil, fmt.Errorf("bench poll: listen on loopback: %w", err)
		}
		listeners = append(listeners, ln)
		bases = append(bases, "http://"+ln.Addr().String())
	}
	// Outlets and their articles, in published order.
	bySource := map[string][]int{}
	for i, a := range arts {
		bySource[a.Source] = append(bySource[a.Source], i)
	}
	sources := slices.Sorted(func(yield func(string) bool) {
		for s := range bySource {
			if !yield(s) {
				return
			}
		}
	})
	share := feedShares(sources, bySource, len(arts), nFeeds)
	n := 0
	for _, src := range sources {
		idx := bySource[src]
		slices.SortStableFunc(idx, func(x, y int) int { return arts[x].Published.Compare(arts[y].Published) })
		for j := range share[src] {
			lo, hi := j*len(idx)/share[src], (j+1)*len(idx)/share[src]
			base := bases[n%nHosts]
			path := fmt.Sprintf("/feed/%d", n)
			items := idx[lo:hi]
			var b strings.Builder
			b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>`)
			fmt.Fprintf(&b, "<title>%s %d</title><link>%s/</link>", xmlText(arts[items[0]].SourceName), n, base)
			for k := len(items) - 1; k >= 0; k-- { // newest first, as feeds are
				i := items[k]
				a := arts[i]
				link := fmt.Sprintf("%s/a/%d", base, i)
				fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid>", xmlText(a.Title), link, link)
				if !a.Published.IsZero() {
					fmt.Fprintf(&b, "<pubDate>%s</pubDate>", a.Published.UTC().Format(time.RFC1123Z))
				}
				if a.Author != "" {
					fmt.Fprintf(&b, "<dc:creator>%s</dc:creator>", xmlText(a.Author))
				}
				fmt.Fprintf(&b, "<description>%s</description>", xmlText(a.Summary))
				paras := paragraphs(a.Body)
				fmt.Fprintf(&b, "<content:encoded>%s</content:encoded>", xmlText(paras))
				b.WriteString("</item>")
				if utf8.RuneCountInString(a.Body) < 400 {
					// The poller fetches the page of an item with little
					// content: it is served here.
					site.pageItems++
					pages[fmt.Sprintf("/a/%d", i)] = []byte(`<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>` +
						html.EscapeString(a.Title) + `</title></head><body><article><h1>` + html.EscapeString(a.Title) + `</h1>` +
						cmp.Or(paras, "<p>"+html.EscapeString(a.Summary)+"</p>") + `</article></body></html>`)
				}
			}
			b.WriteString("</channel></rss>")
			docs[path] = []byte(b.String())
			site.feeds = append(site.feeds, benchFeed{url: base + path, source: src, sourceName: arts[items[0]].SourceName})
			n++
		}
	}
	// Served only now that the documents are made (the handlers read the
	// maps without a lock).
	for _, ln := range listeners {
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		site.servers = append(site.servers, srv)
	}
	return site, nil
}

// feedShares gives each outlet feeds in proportion to its articles, at
// least one each while there are feeds enough, never more than its
// articles, nFeeds in all (largest remainders first).
func feedShares(sources []string, bySource map[string][]int, total, nFeeds int) map[string]int {
	share := map[string]int{}
	given := 0
	for _, s := range sources {
		share[s] = max(1, nFeeds*len(bySource[s])/total)
		given += share[s]
	}
	// Adjust to nFeeds: add to the outlets with the most articles per feed,
	// take from those with the fewest.
	perFeed := func(s string) float64 { return float64(len(bySource[s])) / float64(share[s]) }
	for given != nFeeds {
		if given < nFeeds {
			s := slices.MaxFunc(sources, func(x, y string) int {
				if share[x] >= len(bySource[x]) {
					return -1
				}
				return cmp.Compare(perFeed(x), perFeed(y))
			})
			if share[s] >= len(bySource[s]) {
				break
			}
			share[s]++
			given++
		} else {
			s := slices.MinFunc(sources, func(x, y string) int {
				if share[x] <= 1 {
					return 1
				}
				return cmp.Compare(perFeed(x), perFeed(y))
			})
			if share[s] <= 1 {
				break
			}
			share[s]--
			given--
		}
	}
	return share
}

// paragraphs renders a body's lines as HTML paragraphs.
func paragraphs(body string) string {
	var b strings.Builder
	for p := range strings.SplitSeq(body, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + html.EscapeString(p) + "</p>")
		}
	}
	return b.String()
}

// xmlText escapes s for XML character data, leaving out the characters
// XML 1.0 cannot carry (a stray control character in an archive's text
// would make the whole feed unreadable, as it would from a real outlet).
func xmlText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
			return r
		}
		return -1
	}, s)
	return html.EscapeString(s)
}

// close stops the loopback servers.
func (s *benchSite) close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}
