package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/fetch"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/sqlite"
)

// refusingStore is a store that refuses every write while refuse is set,
// as a full disk or a locked database would; it starts refusing right after
// a claim when refuseAfterClaim is set (the outage begins during the poll).
type refusingStore struct {
	*sqlite.DB
	refuse, refuseAfterClaim atomic.Bool
	refused                  atomic.Int64
}

var errRefused = errors.New("disk I/O error (refused by the test)")

func (s *refusingStore) check() error {
	if s.refuse.Load() {
		s.refused.Add(1)
		return errRefused
	}
	return nil
}

func (s *refusingStore) ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*marsad.Feed, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	feeds, err := s.DB.ClaimDueFeeds(ctx, now, lease, limit)
	if s.refuseAfterClaim.Load() {
		s.refuse.Store(true)
	}
	return feeds, err
}

func (s *refusingStore) UpdateFeed(ctx context.Context, id int64, upd marsad.FeedUpdate) (*marsad.Feed, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.DB.UpdateFeed(ctx, id, upd)
}

func (s *refusingStore) AddFeedItems(ctx context.Context, id int64, keys []string) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	return s.DB.AddFeedItems(ctx, id, keys)
}

func (s *refusingStore) SaveArticles(ctx context.Context, batch []*marsad.ArticleInput) ([]marsad.SaveResult, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.DB.SaveArticles(ctx, batch)
}

// outageFixture serves 15 real rows on each of hosts loopback hosts (and a
// 500 at /broken) and follows one feed per host, in a store behind a
// refusingStore.
func outageFixture(t *testing.T, hosts int) (db *sqlite.DB, store *refusingStore, srvs []*httptest.Server, ids []int64) {
	t.Helper()
	rows := loadAnt(t, 15*hosts)
	for h := range hosts {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/broken" {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, renderRSS(rows[h*15:(h+1)*15], srv.URL, true))
		}))
		t.Cleanup(srv.Close)
		srvs = append(srvs, srv)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i, srv := range srvs {
		f := &marsad.Feed{URL: srv.URL + "/rss", Source: fmt.Sprintf("s%d", i)}
		if err := db.CreateFeed(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	return db, &refusingStore{DB: db}, srvs, ids
}

func TestPollerKeepsFeedHealthWhenTheStoreRefusesWrites(t *testing.T) {
	ctx := context.Background()
	db, store, srvs, good := outageFixture(t, 4)
	broken := &marsad.Feed{URL: srvs[0].URL + "/broken", Source: "s0"}
	if err := db.CreateFeed(ctx, broken); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 5 * time.Second})
	p := NewPoller(store, pipeline.New(store, analyzer.New(), pipeline.WithRetry(1, 10*time.Millisecond)), client, Options{Now: func() time.Time { return now }, Lease: 10 * time.Minute})

	// The store starts refusing writes once the pass has claimed its feeds.
	store.refuseAfterClaim.Store(true)
	st, err := p.PollOnce(ctx)
	if !errors.Is(err, ErrStore) || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "no feed was blamed") {
		t.Fatalf("pass during the outage: err %v, want the store's error", err)
	}
	if st.Feeds != 5 || st.Failed != 0 || st.Stopped == 0 || store.refused.Load() == 0 {
		t.Errorf("pass during the outage: %+v, %d writes refused", st, store.refused.Load())
	}
	for _, id := range append(good, broken.ID) {
		f, err := db.FindFeedByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.ErrorCount != 0 || f.LastError != "" || f.ItemsSeen != 0 || !f.NextPoll.Equal(now.Add(10*time.Minute).Truncate(time.Second)) {
			t.Errorf("feed %s after the outage: errors=%d last=%q seen=%d next=%v; want its health untouched and its lease",
				f.URL, f.ErrorCount, f.LastError, f.ItemsSeen, f.NextPoll)
		}
	}
	if n, _ := db.CountArticles(ctx); n != 0 {
		t.Errorf("%d articles stored while the store refused", n)
	}

	// Writes come back; after the lease every feed is polled as if nothing
	// had happened, and only the broken feed counts one failure.
	store.refuseAfterClaim.Store(false)
	store.refuse.Store(false)
	now = now.Add(11 * time.Minute)
	st, err = p.PollOnce(ctx)
	if err != nil || st.Feeds != 5 || st.OK != 4 || st.Failed != 1 {
		t.Fatalf("pass after the outage: %+v, %v", st, err)
	}
	for _, id := range good {
		if f, _ := db.FindFeedByID(ctx, id); f.ErrorCount != 0 || f.ItemsSeen != 15 {
			t.Errorf("feed %s: errors=%d seen=%d, want 0 and 15", f.URL, f.ErrorCount, f.ItemsSeen)
		}
	}
	if f, _ := db.FindFeedByID(ctx, broken.ID); f.ErrorCount != 1 {
		t.Errorf("broken feed counts %d failures, want 1", f.ErrorCount)
	}
	if n, _ := db.CountArticles(ctx); n != 60 {
		t.Errorf("%d articles stored, want 60", n)
	}
}

// TestPollerStreamsABigFeedWithoutHoldingBackOthers follows a feed of 1,500
// summary-only items whose pages are slow, next to a small feed, and adds a
// third feed while the big one is being taken.
func TestPollerStreamsABigFeedWithoutHoldingBackOthers(t *testing.T) {
	const bigItems, chunk = 1500, 100
	rows := loadAnt(t, 200)
	var slow atomic.Bool
	slow.Store(true)
	big := make([]antRow, bigItems)
	for i := range big {
		big[i] = rows[i%len(rows)]
		big[i].ID = fmt.Sprintf("big%d", i)
	}
	var bigSrv *httptest.Server
	bigSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rss" {
			fmt.Fprint(w, renderRSS(big, bigSrv.URL, false))
			return
		}
		if slow.Load() {
			time.Sleep(20 * time.Millisecond)
		}
		var i int
		fmt.Sscanf(r.URL.Path, "/a/big%d", &i)
		row := big[i%bigItems]
		fmt.Fprintf(w, `<html lang="ar"><head><title>%s</title></head><body><article><h1>%s</h1>%s</article></body></html>`,
			html.EscapeString(row.Title), html.EscapeString(row.Title), paragraphsHTML(row.Body))
	}))
	defer bigSrv.Close()
	small := func(from int) *httptest.Server {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, renderRSS(rows[from:from+20], srv.URL, true))
		}))
		return srv
	}
	smallSrv, lateSrv := small(0), small(20)
	defer smallSrv.Close()
	defer lateSrv.Close()

	fx := newFixture(t)
	client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 5 * time.Second, MaxBody: 8 << 20})
	fx.poller = NewPoller(fx.db, fx.ing, client, Options{Now: func() time.Time { return fx.now },
		ChunkItems: chunk, Tick: 20 * time.Millisecond, Workers: 4})
	bigFeed := fx.addFeed(t, bigSrv.URL+"/rss")
	smallFeed := fx.addFeed(t, smallSrv.URL+"/rss")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan error, 1)
	go func() { runDone <- fx.poller.Run(ctx) }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second) // against a hang only: the machine may be loaded
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting: %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	seen := func(id int64) int { return fx.feed(t, id).ItemsSeen }
	waitFor("the small feed is taken", func() bool { return seen(smallFeed.ID) == 20 })
	late := fx.addFeed(t, lateSrv.URL+"/rss")
	waitFor("the feed added meanwhile is taken", func() bool { return seen(late.ID) == 20 })
	waitFor("two chunks of the big feed are stored", func() bool { return seen(bigFeed.ID) >= 2*chunk })
	if n := seen(bigFeed.ID); n >= bigItems {
		t.Fatalf("the big feed was done (%d items) before the others were checked: the test proves nothing", n)
	}
	cancel()
	if err := <-runDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run ended with %v", err)
	}
	kept := seen(bigFeed.ID)
	ingested := 0
	fx.ing.mu.Lock()
	for u := range fx.ing.byURL {
		if strings.HasPrefix(u, bigSrv.URL) {
			ingested++
		}
	}
	fx.ing.mu.Unlock()
	// Every recorded item was stored; at most the chunk in flight was
	// stored without being recorded (it is taken again, unchanged).
	if kept%chunk != 0 || ingested < kept || ingested > kept+chunk {
		t.Errorf("after the interrupt: %d items recorded, %d stored", kept, ingested)
	}

	// The next pass, after the lease, takes the rest and nothing twice.
	slow.Store(false)
	fx.now = fx.now.Add(time.Hour)
	st, err := fx.poller.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := seen(bigFeed.ID); n != bigItems || st.NewItems != bigItems-kept {
		t.Errorf("after resuming: %d items recorded, %d new in the pass; want %d and %d", n, st.NewItems, bigItems, bigItems-kept)
	}
	fx.ing.mu.Lock()
	total := len(fx.ing.byURL)
	fx.ing.mu.Unlock()
	if total != bigItems+40 {
		t.Errorf("%d articles ingested, want %d", total, bigItems+40)
	}
}

// TestTwoPollersOnOneStoreNeverPollAFeedTwice runs two pollers, each with
// its own connection to one store file, at once.
func TestTwoPollersOnOneStoreNeverPollAFeedTwice(t *testing.T) {
	rows := loadAnt(t, 10)
	var mu sync.Mutex
	hits := map[string]int{}
	var srvs []*httptest.Server
	for range 4 {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[srv.URL+r.URL.Path]++
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			fmt.Fprint(w, renderRSS(rows, srv.URL+r.URL.Path, true))
		}))
		defer srv.Close()
		srvs = append(srvs, srv)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	var dbs []*sqlite.DB
	for range 2 {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	const nFeeds = 40
	for i := range nFeeds {
		if err := dbs[0].CreateFeed(ctx, &marsad.Feed{URL: fmt.Sprintf("%s/f%d", srvs[i%4].URL, i), Source: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	stats := make([]PassStats, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 5 * time.Second})
			p := NewPoller(db, &memIngester{}, client, Options{Now: func() time.Time { return now }, Workers: 4})
			stats[i], errs[i] = p.PollOnce(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if stats[0].Feeds+stats[1].Feeds != nFeeds || stats[0].OK+stats[1].OK != nFeeds {
		t.Errorf("pollers polled %+v and %+v, want %d feeds in all", stats[0], stats[1], nFeeds)
	}
	if len(hits) != nFeeds {
		t.Errorf("%d feeds fetched, want %d", len(hits), nFeeds)
	}
	for u, n := range hits {
		if n != 1 {
			t.Errorf("%s fetched %d times", u, n)
		}
	}
}

// TestRunResumesAfterTheStoreFails is the same outage under Run: the
// session stops, says why in the log, and polling resumes by itself once
// the store takes writes again and the leases end.
func TestRunResumesAfterTheStoreFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, store, _, ids := outageFixture(t, 3)
	var logBuf syncBuffer
	client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 5 * time.Second})
	p := NewPoller(store, pipeline.New(store, analyzer.New(), pipeline.WithRetry(1, 10*time.Millisecond)), client, Options{Lease: time.Second,
		Tick: 20 * time.Millisecond, StoreRetry: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	store.refuseAfterClaim.Store(true)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second) // against a hang only: the machine may be loaded
	for store.refused.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the store was never asked to write")
		}
		time.Sleep(10 * time.Millisecond)
	}
	store.refuseAfterClaim.Store(false)
	store.refuse.Store(false)
	for _, id := range ids {
		for {
			f, err := db.FindFeedByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if f.ItemsSeen == 15 {
				if f.ErrorCount != 0 || f.LastError != "" {
					t.Errorf("feed %s blamed for the store: errors=%d last=%q", f.URL, f.ErrorCount, f.LastError)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("feed %s not polled after the store came back: %+v", f.URL, f)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run ended with %v", err)
	}
	if log := logBuf.String(); !strings.Contains(log, "polling stopped") || !strings.Contains(log, "no feed was blamed") {
		t.Errorf("the log does not say the store stopped polling:\n%s", log)
	}
}

// syncBuffer is a bytes.Buffer safe for the poller's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// leaseRecorder notes the lease renewals (updates of NextPoll alone).
type leaseRecorder struct {
	*sqlite.DB
	mu      sync.Mutex
	renewed []time.Time
}

func (s *leaseRecorder) UpdateFeed(ctx context.Context, id int64, upd marsad.FeedUpdate) (*marsad.Feed, error) {
	if upd.NextPoll != nil && upd.LastPolled == nil {
		s.mu.Lock()
		s.renewed = append(s.renewed, *upd.NextPoll)
		s.mu.Unlock()
	}
	return s.DB.UpdateFeed(ctx, id, upd)
}

func TestALongFeedRenewsItsLease(t *testing.T) {
	rows := loadAnt(t, 50)
	items := make([]antRow, 250)
	for i := range items {
		items[i] = rows[i%len(rows)]
		items[i].ID = fmt.Sprintf("long%d", i)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, renderRSS(items, srv.URL, true))
	}))
	defer srv.Close()
	fx := newFixture(t)
	store := &leaseRecorder{DB: fx.db}
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { // every look at the clock is two minutes later
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(2 * time.Minute)
		return clock
	}
	client := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 5 * time.Second, MaxBody: 8 << 20})
	p := NewPoller(store, fx.ing, client, Options{Now: now, ChunkItems: 50, Lease: 5 * time.Minute})
	f := fx.addFeed(t, srv.URL+"/rss")
	st, err := p.PollOnce(context.Background())
	if err != nil || st.OK != 1 || st.NewItems != 250 {
		t.Fatalf("pass %+v, %v", st, err)
	}
	// Five chunks: the lease is renewed after each of the first four, each
	// time further ahead.
	if len(store.renewed) != 4 {
		t.Fatalf("%d renewals, want 4", len(store.renewed))
	}
	for i := 1; i < len(store.renewed); i++ {
		if !store.renewed[i].After(store.renewed[i-1]) {
			t.Errorf("renewal %d (%v) not after renewal %d (%v)", i, store.renewed[i], i-1, store.renewed[i-1])
		}
	}
	if got := fx.feed(t, f.ID); got.ItemsSeen != 250 || got.NextPoll.Before(clock.Add(-10*time.Minute)) {
		t.Errorf("feed after the pass: seen %d, next poll %v (clock %v)", got.ItemsSeen, got.NextPoll, clock)
	}
}
