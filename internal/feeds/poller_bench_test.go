package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/fetch"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/sqlite"
)

// BenchmarkPollPass1000Feeds is one polling pass over 1,000 feeds of 20
// items each (ant_multisource rows with their full text as content), served
// by 20 loopback hosts, with the per-host concurrency limit on (2) and the
// politeness delay off. It reports seconds per pass and the peak heap.
func BenchmarkPollPass1000Feeds(b *testing.B) {
	benchmarkPollPass(b, func(*sqlite.DB) countingIngester { return &countIngester{} })
}

// BenchmarkPollPass1000FeedsPipeline is the same pass with every item going
// through the real pipeline: analysis, saving, search index, dedup, stories.
func BenchmarkPollPass1000FeedsPipeline(b *testing.B) {
	benchmarkPollPass(b, func(db *sqlite.DB) countingIngester {
		an := analyzer.New()
		// The same wiring as `marsad poll`: a Batcher gathers the workers' feeds.
		bt := pipeline.NewBatcher(ingest.New(db, an), 500, 250*time.Millisecond)
		go bt.Run(b.Context())
		return &pipelineCounter{p: bt}
	})
}

// countingIngester is an Ingester that counts what it took.
type countingIngester interface {
	Ingester
	count() int64
}

type pipelineCounter struct {
	p Ingester
	n atomic.Int64
}

func (c *pipelineCounter) Ingest(ctx context.Context, raws []*marsad.RawArticle) (pipeline.Result, error) {
	res, err := c.p.Ingest(ctx, raws)
	c.n.Add(int64(res.Imported + res.Unchanged))
	return res, err
}

func (c *pipelineCounter) count() int64 { return c.n.Load() }

func benchmarkPollPass(b *testing.B, newIngester func(*sqlite.DB) countingIngester) {
	const nFeeds, nHosts, perFeed = 1000, 20, 20
	rows := loadAnt(b, 2000)
	var srvs []*httptest.Server
	for h := range nHosts {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var feed int
			fmt.Sscanf(r.URL.Path, "/feed/%d", &feed)
			start := (feed * perFeed) % (len(rows) - perFeed)
			items := make([]antRow, perFeed)
			copy(items, rows[start:start+perFeed])
			for i := range items {
				items[i].ID = fmt.Sprintf("h%d-f%d-%d", h, feed, i) // unique URLs per feed
			}
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprint(w, renderRSS(items, srv.URL, true))
		}))
		srvs = append(srvs, srv)
	}
	defer func() {
		for _, s := range srvs {
			s.Close()
		}
	}()
	for b.Loop() {
		b.StopTimer()
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		for i := range nFeeds {
			f := &marsad.Feed{URL: fmt.Sprintf("%s/feed/%d", srvs[i%nHosts].URL, i), Source: fmt.Sprintf("h%d", i%nHosts)}
			if err := db.CreateFeed(context.Background(), f); err != nil {
				b.Fatal(err)
			}
		}
		ing := newIngester(db)
		client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, PerHost: 2})
		p := NewPoller(db, ing, client, Options{})
		runtime.GC()
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		t0 := time.Now()
		st, err := p.PollOnce(context.Background())
		el := time.Since(t0)
		b.StopTimer()
		close(done)
		if err != nil || st.OK != nFeeds || int(ing.count()) != nFeeds*perFeed {
			b.Fatalf("pass %+v err %v, ingested %d", st, err, ing.count())
		}
		b.ReportMetric(el.Seconds(), "s/pass")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(nFeeds*perFeed)/el.Seconds(), "items/s")
		db.Close()
		b.StartTimer()
	}
}

// countIngester stands for the pipeline: the benchmark measures polling.
type countIngester struct{ n atomic.Int64 }

func (c *countIngester) count() int64 { return c.n.Load() }

func (c *countIngester) Ingest(ctx context.Context, raws []*marsad.RawArticle) (r0 pipeline.Result, err error) {
	for _, r := range raws {
		if strings.TrimSpace(r.Body) == "" && r.HTML == "" {
			return r0, fmt.Errorf("item %s without body", r.URL)
		}
	}
	c.n.Add(int64(len(raws)))
	r0.Imported = len(raws)
	return r0, nil
}
