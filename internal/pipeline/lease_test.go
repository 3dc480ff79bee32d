package pipeline_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/sqlite"
)

// seen records, across processes, which process handed which articles to
// a stage, in order.
type seen struct {
	mu   sync.Mutex
	urls []string
	by   map[string][]string // holder → urls
}

func (s *seen) add(holder string, urls ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urls = append(s.urls, urls...)
	if s.by == nil {
		s.by = map[string][]string{}
	}
	s.by[holder] = append(s.by[holder], urls...)
}

// leasedStage completes its work and records it; ordered makes it a
// pipeline.Ordered stage.
type leasedStage struct {
	name    string
	holder  string
	db      *sqlite.DB
	ordered bool
	log     *seen
}

func (l *leasedStage) Name() string  { return l.name }
func (l *leasedStage) Ordered() bool { return l.ordered }
func (l *leasedStage) Process(ctx context.Context, items []*pipeline.Item) error {
	ids := make([]int64, len(items))
	urls := make([]string, len(items))
	for i, it := range items {
		ids[i], urls[i] = it.Article.ID, it.Article.URL
	}
	l.log.add(l.holder, urls...)
	return l.db.CompleteWork(ctx, l.name, ids)
}

// TestStagesUnderLeases runs two processes' pipelines (two handles on one
// store) saving batches in a shuffled order at once while both run their
// stages under leases. The ordered stage's lease is first held by a
// process that died (it expires while the saves go on). Every article reaches each
// stage once, in one process; the ordered stage gets them all only after
// the first stage, in published-then-URL order, whatever order they were
// saved in.
func TestStagesUnderLeases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() *sqlite.DB {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	first, second := &seen{}, &seen{}
	var pipes []*pipeline.Pipeline
	var dbs []*sqlite.DB
	for _, holder := range []string{"p1", "p2"} {
		db := open()
		dbs = append(dbs, db)
		pipes = append(pipes, pipeline.New(db, analyzer.New(),
			pipeline.WithStages(&leasedStage{name: "first", holder: holder, db: db, log: first},
				&leasedStage{name: "ordered", holder: holder, db: db, ordered: true, log: second}),
			pipeline.WithLeases(db, pipeline.LeaseOptions{Holder: holder, TTL: 2 * time.Second, Tick: 20 * time.Millisecond,
				Quiet: 300 * time.Millisecond, Bound: time.Minute})))
	}
	if ok, err := dbs[0].TakeLease(ctx, pipeline.LeaseName("ordered"), "dead", time.Now(), 200*time.Millisecond); err != nil || !ok {
		t.Fatalf("the dead process's lease: %v %v", ok, err)
	}
	var wg sync.WaitGroup
	for _, p := range pipes {
		wg.Go(func() { p.RunStages(ctx) })
	}
	// 60 articles, published a minute apart in pairs (two per minute: the
	// URL orders them), saved in a shuffled order in batches of 6,
	// alternating between the processes, 60 ms apart.
	day := time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC)
	var raws []*marsad.RawArticle
	for i := range 60 {
		raws = append(raws, &marsad.RawArticle{URL: fmt.Sprintf("https://%c.example/%d", 'a'+rune(i%2), i/2),
			Title: fmt.Sprintf("خبر %d", i), Body: "نص الخبر", Published: day.Add(time.Duration(i/2) * time.Minute)})
	}
	want := make([]string, len(raws))
	for i, r := range raws {
		want[i] = r.URL
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(raws), func(i, j int) { raws[i], raws[j] = raws[j], raws[i] })
	for b := 0; b < len(raws); b += 6 {
		if _, err := pipes[b/6%2].Ingest(ctx, raws[b:b+6]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(60 * time.Millisecond) // articles keep coming after the dead lease expired
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := dbs[1].Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.PendingTotal() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("work still owed after 30 s: %v", st.Pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if got := slices.Sorted(slices.Values(first.urls)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("the first stage saw %d articles (%d distinct), want each of %d once", len(got), len(slices.Compact(got)), len(want))
	}
	if len(first.by) != 1 || len(second.by) != 1 {
		t.Errorf("stages ran in more than one process at once: first %d, ordered %d", len(first.by), len(second.by))
	}
	if !slices.Equal(second.urls, want) {
		t.Errorf("the ordered stage saw\n%s\nwant (published, then URL)\n%s", strings.Join(second.urls, " "), strings.Join(want, " "))
	}
	if _, ok := second.by["dead"]; ok {
		t.Error("the dead process ran the stage")
	}
	// Both leases were released at the end.
	if l, err := dbs[0].Leases(context.Background(), time.Now()); err != nil || len(l) != 0 {
		t.Errorf("leases left after both processes stopped: %v %v", l, err)
	}
}

// blockingStage holds its batch until its context ends, as a long batch
// would, and says so on stopped.
type blockingStage struct {
	started chan struct{}
	stopped chan error
}

func (b *blockingStage) Name() string { return "slow" }
func (b *blockingStage) Process(ctx context.Context, items []*pipeline.Item) error {
	close(b.started)
	<-ctx.Done()
	b.stopped <- ctx.Err()
	return ctx.Err()
}

// TestLostLeaseStopsTheStage: while a holder's batch runs, its lease
// passes to another process (as when the holder was paused past its
// expiry); the holder's next renewal finds it gone and stops the batch,
// rather than finishing work another process now does.
func TestLostLeaseStopsTheStage(t *testing.T) {
	db := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &blockingStage{started: make(chan struct{}), stopped: make(chan error, 1)}
	const ttl = 300 * time.Millisecond
	p := pipeline.New(db, analyzer.New(), pipeline.WithStages(st),
		pipeline.WithLeases(db, pipeline.LeaseOptions{Holder: "p1", TTL: ttl, Tick: 20 * time.Millisecond}))
	if _, err := p.Ingest(ctx, []*marsad.RawArticle{{URL: "https://a.example/1", Title: "خبر", Body: "نص"}}); err != nil {
		t.Fatal(err)
	}
	go p.RunStages(ctx)
	select {
	case <-st.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the stage never started")
	}
	// Another process takes the lease over.
	if err := db.ReleaseLease(ctx, pipeline.LeaseName("slow"), "p1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.TakeLease(ctx, pipeline.LeaseName("slow"), "p2", time.Now(), time.Minute); err != nil || !ok {
		t.Fatalf("p2 takes the lease: %v %v", ok, err)
	}
	select {
	case err := <-st.stopped:
		if err == nil {
			t.Error("the batch ended without its context ending")
		}
	case <-time.After(5 * ttl):
		t.Fatal("the holder that lost its lease went on with its batch")
	}
}
