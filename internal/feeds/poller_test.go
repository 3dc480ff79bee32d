package feeds

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/fetch"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

// antRow is the part of ant_multisource/articles.jsonl a feed carries.
type antRow struct {
	ID, URL, Title, Summary, Body, Source string
	PublishedRaw                          string `json:"published_raw"`
	SourceName                            string `json:"source_name"`
}

func loadAnt(t testing.TB, n int) []antRow {
	t.Helper()
	f, err := os.Open(testdata.Path(t, "ant_multisource/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var rows []antRow
	for sc.Scan() && len(rows) < n {
		var r antRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

// renderRSS renders rows as an RSS 2.0 feed whose links point at base.
func renderRSS(rows []antRow, base string, withContent bool) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>ANT</title><link>` + base + `</link><ttl>5</ttl>`)
	for _, r := range rows {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s/a/%s</link><guid>%s/a/%s</guid><pubDate>%s</pubDate><description>%s</description>",
			html.EscapeString(r.Title), base, r.ID, base, r.ID, r.PublishedRaw, html.EscapeString(r.Summary))
		if withContent {
			fmt.Fprintf(&b, "<content:encoded>%s</content:encoded>", html.EscapeString(paragraphsHTML(r.Body)))
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func renderAtom(rows []antRow, base string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>ANT</title><id>` + base + `</id><updated>2018-04-02T00:00:00Z</updated>`)
	for _, r := range rows {
		ts, _ := time.Parse(time.RFC1123Z, r.PublishedRaw)
		if ts.IsZero() {
			ts, _ = time.Parse(time.RFC1123, r.PublishedRaw)
		}
		fmt.Fprintf(&b, `<entry><title>%s</title><link href="%s/a/%s"/><id>%s/a/%s</id><updated>%s</updated><summary>%s</summary></entry>`,
			html.EscapeString(r.Title), base, r.ID, base, r.ID, ts.UTC().Format(time.RFC3339), html.EscapeString(r.Summary))
	}
	b.WriteString("</feed>")
	return b.String()
}

func paragraphsHTML(body string) string {
	var b strings.Builder
	for _, p := range strings.Split(body, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + html.EscapeString(p) + "</p>")
		}
	}
	return b.String()
}

// memIngester records what the pipeline would receive, by URL.
type memIngester struct {
	mu    sync.Mutex
	byURL map[string]*marsad.RawArticle
	calls int
	fail  error // returned once, then cleared (a killed ingest)
}

func (m *memIngester) Ingest(ctx context.Context, raws []*marsad.RawArticle) (pipeline.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail != nil {
		err := m.fail
		m.fail = nil
		return pipeline.Result{}, err
	}
	if m.byURL == nil {
		m.byURL = map[string]*marsad.RawArticle{}
	}
	res := pipeline.Result{Read: len(raws)}
	for _, r := range raws {
		if _, ok := m.byURL[r.URL]; ok {
			res.Unchanged++
			continue
		}
		m.byURL[r.URL] = r
		res.Imported++
	}
	return res, nil
}

// fixture is a store, a client for loopback and a clock the test moves.
type fixture struct {
	db     *sqlite.DB
	ing    *memIngester
	poller *Poller
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fx := &fixture{db: db, ing: &memIngester{}, now: time.Now()}
	client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 2 * time.Second, MaxBody: 1 << 20})
	fx.poller = NewPoller(db, fx.ing, client, Options{Now: func() time.Time { return fx.now }})
	return fx
}

func (fx *fixture) addFeed(t *testing.T, u string) *marsad.Feed {
	t.Helper()
	f := &marsad.Feed{URL: u, Source: "test", SourceName: "Test"}
	if err := fx.db.CreateFeed(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func (fx *fixture) feed(t *testing.T, id int64) *marsad.Feed {
	t.Helper()
	f, err := fx.db.FindFeedByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pass moves the clock past every next poll and runs one pass.
func (fx *fixture) pass(t *testing.T) PassStats {
	t.Helper()
	st, err := fx.poller.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fx.now = fx.now.Add(48 * time.Hour)
	return st
}

func TestPollerFeedsEndInTheRightState(t *testing.T) {
	rows := loadAnt(t, 20)
	win1256 := "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title><item><title>\xCE\xC8\xD1 \xDA\xC7\xCC\xE1</title><link>%s/a/w1</link><description>\xCE\xC8\xD1</description></item></channel></rss>"
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("/rss", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"rss1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"rss1"`)
		fmt.Fprint(w, renderRSS(rows, srv.URL, false))
	})
	mux.HandleFunc("/full", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, renderRSS(rows, srv.URL, true)) })
	mux.HandleFunc("/atom", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, renderAtom(rows, srv.URL)) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</tit`)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><body><p>مرحبا</p></body></html>`)
	})
	mux.HandleFunc("/win1256", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml") // no charset
		fmt.Fprintf(w, win1256, srv.URL)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>`)
		for r.Context().Err() == nil {
			if _, err := w.Write([]byte(strings.Repeat("x", 32<<10))); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/a/")
		for _, row := range rows {
			if row.ID == id {
				fmt.Fprintf(w, `<html lang="ar"><head><title>%s</title></head><body><article><h1>%s</h1>%s</article></body></html>`,
					html.EscapeString(row.Title), html.EscapeString(row.Title), paragraphsHTML(row.Body))
				return
			}
		}
		http.NotFound(w, r)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name  string
		path  string
		check func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats)
	}{
		{"RSS with summaries: every item once, pages fetched for the body", "/rss", func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
			if len(fx.ing.byURL) != len(rows) || f.ItemsSeen != len(rows) || f.ErrorCount != 0 || f.LastError != "" || f.ETag != `"rss1"` {
				t.Fatalf("ingested %d, feed %+v", len(fx.ing.byURL), f)
			}
			if st.Pages != len(rows) || st.PageErrors != 0 {
				t.Errorf("pages %d errors %d", st.Pages, st.PageErrors)
			}
			for _, r := range fx.ing.byURL {
				if r.HTML == "" || r.Summary == "" || r.Published.IsZero() || r.Source != "test" {
					t.Fatalf("raw article incomplete: %+v", r)
				}
			}
			// The second pass is answered 304 and adds nothing.
			st2 := fx.pass(t)
			if st2.NotModified != 1 || len(fx.ing.byURL) != len(rows) || fx.ing.calls != 1 {
				t.Errorf("second pass: %+v, %d articles, %d ingest calls", st2, len(fx.ing.byURL), fx.ing.calls)
			}
			if f2 := fx.feed(t, f.ID); f2.ItemsSeen != len(rows) || f2.LastSuccess.IsZero() {
				t.Errorf("after 304: %+v", f2)
			}
		}},
		{"RSS with full content: body from content:encoded, no page fetched", "/full", func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
			if st.Pages != 0 || len(fx.ing.byURL) != len(rows) {
				t.Fatalf("pages %d, ingested %d", st.Pages, len(fx.ing.byURL))
			}
			for _, r := range fx.ing.byURL {
				if r.Body == "" && r.HTML == "" {
					t.Fatalf("no body: %+v", r)
				}
			}
			// The same document again: nothing duplicated.
			fx.pass(t)
			if len(fx.ing.byURL) != len(rows) || fx.ing.calls != 1 || fx.feed(t, f.ID).ItemsSeen != len(rows) {
				t.Errorf("second pass duplicated: calls=%d", fx.ing.calls)
			}
		}},
		{"Atom: every entry once", "/atom", func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
			if len(fx.ing.byURL) != len(rows) || f.ItemsSeen != len(rows) {
				t.Fatalf("ingested %d, feed %+v", len(fx.ing.byURL), f)
			}
		}},
		{"503 with Retry-After: backoff at least that long, counted", "/busy", func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
			if f.ErrorCount != 1 || !strings.Contains(f.LastError, "503") || f.NextPoll.Before(f.LastPolled.Add(time.Hour-time.Second)) {
				t.Fatalf("feed %+v", f)
			}
		}},
		{"500 repeatedly: backoff grows, the feed stays enabled", "/broken", func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
			for range 12 {
				fx.pass(t)
			}
			f = fx.feed(t, f.ID)
			if f.ErrorCount != 13 || f.NextPoll.Sub(f.LastPolled) > 24*time.Hour || f.NextPoll.Sub(f.LastPolled) < 12*time.Hour {
				t.Fatalf("after 13 failures: count=%d wait=%v", f.ErrorCount, f.NextPoll.Sub(f.LastPolled))
			}
		}},
		{"malformed XML is the feed's error", "/malformed", wantFeedError("")},
		{"HTML instead of XML is not a feed", "/html", wantFeedError("not a feed")},
		{"windows-1256 without charset is decoded", "/win1256", func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
			if len(fx.ing.byURL) != 1 {
				t.Fatalf("ingested %d", len(fx.ing.byURL))
			}
			for _, r := range fx.ing.byURL {
				if r.Title != "خبر عاجل" {
					t.Errorf("title %q", r.Title)
				}
			}
		}},
		{"a redirect loop is the feed's error", "/loop", wantFeedError("redirect")},
		{"an endless body is the feed's error", "/endless", wantFeedError("too large")},
		{"a slow server times out", "/slow", wantFeedError("")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			f := fx.addFeed(t, srv.URL+tc.path)
			st := fx.pass(t)
			if st.Feeds != 1 {
				t.Fatalf("pass polled %d feeds", st.Feeds)
			}
			tc.check(t, fx, fx.feed(t, f.ID), st)
		})
	}
}

func wantFeedError(substr string) func(*testing.T, *fixture, *marsad.Feed, PassStats) {
	return func(t *testing.T, fx *fixture, f *marsad.Feed, st PassStats) {
		if st.Failed != 1 || f.ErrorCount != 1 || f.LastError == "" || !strings.Contains(f.LastError, substr) || len(fx.ing.byURL) != 0 {
			t.Fatalf("want a recorded error containing %q; feed %+v", substr, f)
		}
		if !f.NextPoll.After(f.LastPolled) {
			t.Errorf("next poll %v not after last poll %v", f.NextPoll, f.LastPolled)
		}
	}
}

func TestPollerDoesNotCountANetworkOutageAgainstFeeds(t *testing.T) {
	fx := newFixture(t)
	var ids []int64
	for range 4 {
		s := httptest.NewServer(http.NotFoundHandler())
		u := s.URL
		s.Close() // connection refused on every host
		ids = append(ids, fx.addFeed(t, u+"/rss").ID)
	}
	st := fx.pass(t)
	if !st.Outage || st.Failed != 4 {
		t.Fatalf("pass %+v, want an outage", st)
	}
	for _, id := range ids {
		if f := fx.feed(t, id); f.ErrorCount != 0 || f.LastError == "" {
			t.Errorf("feed %d: errors=%d last=%q, want the error shown but not counted", id, f.ErrorCount, f.LastError)
		}
	}
}

func TestPollerResumesAfterAKilledIngest(t *testing.T) {
	rows := loadAnt(t, 10)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, renderRSS(rows, srv.URL, true))
	}))
	defer srv.Close()
	fx := newFixture(t)
	f := fx.addFeed(t, srv.URL+"/rss")
	fx.ing.fail = errors.New("killed")
	// The pipeline failing is not the feed's fault: the pass stops and
	// says so, and the feed's health does not move.
	if st, err := fx.poller.PollOnce(context.Background()); !errors.Is(err, ErrStore) || st.Stopped != 1 {
		t.Fatalf("killed pass: %+v, %v; want a store error and the feed stopped", st, err)
	}
	if got := fx.feed(t, f.ID); got.ItemsSeen != 0 || got.ErrorCount != 0 || got.LastError != "" {
		t.Fatalf("after the killed pass: %+v", got)
	}
	fx.now = fx.now.Add(time.Hour) // past the lease
	fx.pass(t)
	if got := fx.feed(t, f.ID); got.ItemsSeen != len(rows) || got.ErrorCount != 0 || len(fx.ing.byURL) != len(rows) {
		t.Fatalf("after resuming: seen=%d errors=%d ingested=%d", got.ItemsSeen, got.ErrorCount, len(fx.ing.byURL))
	}
}

func TestAdaptiveIntervalFollowsPublishingRate(t *testing.T) {
	p := NewPoller(nil, nil, nil, Options{})
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	items := func(gap time.Duration, n int) []Item {
		var out []Item
		for i := range n {
			out = append(out, Item{Published: now.Add(-time.Duration(i) * gap)})
		}
		return out
	}
	tests := []struct {
		name  string
		items []Item
		want  time.Duration
	}{
		{"busy feed: the 2 min floor", items(time.Minute, 20), 2 * time.Minute},
		{"every 20 min: polled every 10", items(20*time.Minute, 20), 10 * time.Minute},
		{"daily feed: the 2 h ceiling", items(24*time.Hour, 5), 2 * time.Hour},
		{"no dates: the current interval", []Item{{}, {}}, 30 * time.Minute},
	}
	for _, tc := range tests {
		if got := p.adaptiveInterval(tc.items, 30*time.Minute, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	p := NewPoller(nil, nil, nil, Options{})
	for n := 1; n < 40; n++ {
		d := p.Backoff(n, 0)
		if d > 24*time.Hour || d < time.Minute {
			t.Fatalf("Backoff(%d) = %v", n, d)
		}
	}
	if d := p.Backoff(1, 3*time.Hour); d != 3*time.Hour {
		t.Errorf("Retry-After not honoured: %v", d)
	}
}
