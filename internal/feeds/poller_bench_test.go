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
	"github.com/marsad/marsad/internal/fetch"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/sqlite"
)

// BenchmarkPollPass1000Feeds is one polling pass over 1,000 feeds of 20
// items each (ant_multisource rows with their full text as content), served
// by 20 loopback hosts, with the per-host concurrency limit on (2) and the
// politeness delay off. It reports seconds per pass and the peak heap.
func BenchmarkPollPass1000Feeds(b *testing.B) {
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
		ing := &countIngester{}
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
		if err != nil || st.OK != nFeeds || int(ing.n.Load()) != nFeeds*perFeed {
			b.Fatalf("pass %+v err %v, ingested %d", st, err, ing.n.Load())
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
