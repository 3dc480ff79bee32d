package related

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// fakeIndex is a Store over a few articles: every article holding any of
// the query's terms is a search hit, one per copy group (the lowest id),
// scored by the number of query terms it holds; document frequencies are
// counted over the articles' words; the candidate query scores the stored
// vectors' keys as the contract says.
type fakeIndex struct {
	arts []*marsad.Article
	vecs map[int64]marsad.TermVector
}

// index stores the vectors of every article of x, as the related stage
// would (words split at spaces).
func index(t *testing.T, f *Finder, x *fakeIndex) {
	t.Helper()
	var docs []Analyzed
	for _, a := range x.arts {
		docs = append(docs, Analyzed{Article: a, Title: strings.Fields(a.Title), Body: strings.Fields(a.Body)})
	}
	vs, err := f.Vectors(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.SaveTermVectors(context.Background(), "related", vs); err != nil {
		t.Fatal(err)
	}
}

func (x *fakeIndex) SaveTermVectors(_ context.Context, _ string, batch []marsad.TermVector) ([]int64, error) {
	if x.vecs == nil {
		x.vecs = map[int64]marsad.TermVector{}
	}
	var ids []int64
	for _, v := range batch {
		x.vecs[v.ArticleID] = v
		ids = append(ids, v.ArticleID)
	}
	return ids, nil
}

func (x *fakeIndex) TermVectors(_ context.Context, ids []int64) ([]marsad.TermVector, error) {
	var out []marsad.TermVector
	for _, id := range ids {
		if v, ok := x.vecs[id]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

func (x *fakeIndex) RelatedCandidates(_ context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	w := map[string]float64{}
	for _, t := range q.Terms {
		w[t.Term] = t.Weight
	}
	best := map[int64]int{}
	var hits []marsad.SearchHit
	for _, a := range x.arts {
		v, ok := x.vecs[a.ID]
		if !ok || groupOf(a) == q.Exclude || (!q.From.IsZero() && a.Published.Before(q.From)) || (!q.To.IsZero() && !a.Published.Before(q.To)) {
			continue
		}
		var score float64
		for _, k := range v.Keys {
			score += k.Weight * w[k.Term]
		}
		if score == 0 {
			continue
		}
		g := groupOf(a)
		if i, ok := best[g]; ok {
			hits[i].Copies++
			if score > hits[i].Score {
				hits[i].Article, hits[i].Score = a, score
			}
			continue
		}
		best[g] = len(hits)
		hits = append(hits, marsad.SearchHit{Article: a, Score: score})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	return hits[:min(len(hits), q.Limit)], nil
}

func (x *fakeIndex) ResetTermVectors(context.Context, string) error {
	x.vecs = nil
	return nil
}

// withFiller adds to arts five articles of other words, a month earlier,
// from other outlets: without them a word every test article holds weighs
// nothing (its document frequency is the whole archive's), which no real
// archive has.
func withFiller(arts []*marsad.Article) []*marsad.Article {
	out := slices.Clone(arts)
	for i := range int64(5) {
		out = append(out, art(900+i, 900+i, 900+i, 0, -24*30, "طقس امطار رياح "+string(rune('ا'+i))))
	}
	return out
}

// paths are the two ways a Finder finds candidates.
var paths = []struct {
	name       string
	fromSearch bool
}{{"vectors", false}, {"search", true}}

// finder returns a Finder over x with the default parameters, taking
// candidates from the search or from x's vectors (stored here).
func finder(t *testing.T, x *fakeIndex, fromSearch bool) *Finder {
	p := DefaultParams()
	p.FromSearch = fromSearch
	f := New(x, strings.Fields, p)
	index(t, f, x)
	return f
}

func words(a *marsad.Article) []string { return strings.Fields(a.Title + " " + a.Body) }

func (x *fakeIndex) Search(_ context.Context, req marsad.SearchRequest) ([]marsad.SearchHit, int, error) {
	q := map[string]bool{}
	for _, c := range req.Expr.Children {
		q[c.Terms[0]] = true
	}
	best := map[int64]int{}
	var hits []marsad.SearchHit
	for _, a := range x.arts {
		n := 0
		for _, w := range words(a) {
			if q[w] {
				n++
			}
		}
		if n == 0 {
			continue
		}
		g := groupOf(a)
		if i, ok := best[g]; ok {
			hits[i].Copies++
			continue
		}
		best[g] = len(hits)
		hits = append(hits, marsad.SearchHit{Article: a, Score: float64(n)})
	}
	return hits[:min(len(hits), req.Limit)], len(hits), nil
}

func (x *fakeIndex) DocFrequencies(_ context.Context, terms []string) ([]int, int, error) {
	df := make([]int, len(terms))
	for i, t := range terms {
		for _, a := range x.arts {
			for _, w := range words(a) {
				if w == t {
					df[i]++
					break
				}
			}
		}
	}
	return df, len(x.arts), nil
}

var t0 = time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC)

func art(id, src, story, canon int64, hours int, text string) *marsad.Article {
	return &marsad.Article{ID: id, SourceID: src, StoryID: story, CanonicalID: canon, Title: text, Body: text,
		Published: t0.Add(time.Duration(hours) * time.Hour)}
}

func ids(es []Entry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestFindNeverListsSelfOrCopies(t *testing.T) {
	arts := []*marsad.Article{
		art(1, 1, 10, 0, 0, "قمة الرياض العرب القدس"),
		art(2, 2, 10, 1, 0, "قمة الرياض العرب القدس"),      // a linked copy of 1
		art(3, 3, 10, 0, 1, "قمة الرياض العرب القدس"),      // the same text, not linked
		art(4, 4, 10, 0, 2, "قمة الرياض العرب بيان ختامي"), // the same story
		art(5, 5, 11, 0, 3, "القدس مستوطنات قرار"),         // another story
	}
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			f := finder(t, &fakeIndex{arts: withFiller(arts)}, path.fromSearch)
			for _, self := range arts[:3] {
				l, err := f.Find(context.Background(), self)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range append(l.Similar, l.ReadAlso...) {
					if e.ID <= 3 {
						t.Errorf("lists of %d hold %d, a copy of it: similar %v read-also %v", self.ID, e.ID, ids(l.Similar), ids(l.ReadAlso))
					}
				}
				if got := ids(l.Similar); len(got) == 0 || got[0] != 4 {
					t.Errorf("similar of %d = %v, want 4 first", self.ID, got)
				}
			}
		})
	}
}

func TestFindCollapsesCopiesAndCapsOutlets(t *testing.T) {
	arts := []*marsad.Article{art(1, 1, 10, 0, 0, "زلزال تركيا ضحايا انقاذ")}
	// One wire text in ten papers, none of them linked by dedup.
	for i := int64(0); i < 10; i++ {
		arts = append(arts, art(10+i, 10+i, 10, 0, 1, "زلزال تركيا ضحايا فرق"))
	}
	// Three distinct texts from outlet 2.
	for i := int64(0); i < 3; i++ {
		arts = append(arts, art(30+i, 2, 10, 0, 2, "زلزال تركيا ضحايا رواية"+strings.Repeat(" كلمة", int(i+1))+string(rune('ا'+i))))
	}
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			checkCollapsed(t, arts, finder(t, &fakeIndex{arts: withFiller(arts)}, path.fromSearch))
		})
	}
}

func checkCollapsed(t *testing.T, arts []*marsad.Article, f *Finder) {
	l, err := f.Find(context.Background(), arts[0])
	if err != nil {
		t.Fatal(err)
	}
	wire, outlet2 := 0, 0
	for _, e := range append(l.Similar, l.ReadAlso...) {
		if e.ID >= 10 && e.ID < 20 {
			wire++
		}
		if e.ID >= 30 {
			outlet2++
		}
	}
	if wire != 1 {
		t.Errorf("the wire text is listed %d times, want once: similar %v read-also %v", wire, ids(l.Similar), ids(l.ReadAlso))
	}
	perOutlet := map[int64]int{}
	for _, e := range l.Similar {
		for _, a := range arts {
			if a.ID == e.ID {
				perOutlet[a.SourceID]++
			}
		}
	}
	if perOutlet[2] > 2 {
		t.Errorf("similar holds %d articles of one outlet, want at most 2: %v", perOutlet[2], ids(l.Similar))
	}
}

func TestReadAlsoComesFromOtherStories(t *testing.T) {
	arts := []*marsad.Article{
		art(1, 1, 10, 0, 0, "انتخابات العراق نتائج العبادي"),
		art(2, 2, 10, 0, 1, "انتخابات العراق نتائج الصدر"),
		art(3, 3, 11, 0, -48, "انتخابات العراق العبادي حملة"),
		art(4, 4, 11, 0, -47, "انتخابات العراق حملة دعاية"),
		art(5, 5, 12, 0, -24, "انتخابات العراق العبادي مراقبون"),
	}
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			checkReadAlso(t, finder(t, &fakeIndex{arts: withFiller(arts)}, path.fromSearch), arts[0])
		})
	}
}

func checkReadAlso(t *testing.T, f *Finder, a *marsad.Article) {
	l, err := f.Find(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	stories := map[int64]bool{}
	for _, e := range l.ReadAlso {
		if e.StoryID == 10 {
			t.Errorf("read-also holds %d of the article's own story", e.ID)
		}
		if stories[e.StoryID] {
			t.Errorf("read-also holds story %d twice: %v", e.StoryID, ids(l.ReadAlso))
		}
		stories[e.StoryID] = true
		for _, s := range l.Similar {
			if s.ID == e.ID {
				t.Errorf("%d is in both lists", e.ID)
			}
		}
	}
	if len(l.ReadAlso) == 0 {
		t.Errorf("no read-also pick; similar %v", ids(l.Similar))
	}
}

// countingIndex counts the candidate queries run through it.
type countingIndex struct {
	fakeIndex
	searches int
}

func (x *countingIndex) RelatedCandidates(ctx context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	x.searches++
	return x.fakeIndex.RelatedCandidates(ctx, q)
}

func TestCacheKeepsListsForTTLAndEvictsLeastRecent(t *testing.T) {
	arts := []*marsad.Article{
		art(1, 1, 10, 0, 0, "قمة الرياض العرب"),
		art(2, 2, 10, 0, 1, "قمة الرياض بيان"),
		art(3, 3, 11, 0, 2, "قمة الرياض القدس"),
	}
	x := &countingIndex{fakeIndex: fakeIndex{arts: withFiller(arts)}}
	f := New(x, strings.Fields, DefaultParams())
	index(t, f, &x.fakeIndex)
	c := NewCache(f, 2, time.Minute)
	clock := t0
	c.now = func() time.Time { return clock }
	ctx := context.Background()
	get := func(a *marsad.Article) {
		t.Helper()
		if _, err := c.Lists(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		a        *marsad.Article
		advance  time.Duration
		searches int
	}{
		{arts[0], 0, 1},                // computed
		{arts[0], 30 * time.Second, 1}, // within the TTL: cached
		{arts[0], 31 * time.Second, 2}, // past the TTL: computed again
		{arts[1], 0, 3},
		{arts[2], 0, 4}, // evicts arts[0], the least recently used
		{arts[1], 0, 4},
		{arts[0], 0, 5},
	} {
		clock = clock.Add(step.advance)
		get(step.a)
		if x.searches != step.searches {
			t.Fatalf("after article %d at %s: %d searches, want %d", step.a.ID, clock.Sub(t0), x.searches, step.searches)
		}
	}
}

// slowIndex holds every candidate query until release is closed.
type slowIndex struct {
	fakeIndex
	release chan struct{}
}

func (x *slowIndex) RelatedCandidates(ctx context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	<-x.release
	return x.fakeIndex.RelatedCandidates(ctx, q)
}

func (x *slowIndex) FindArticleByID(_ context.Context, id int64) (*marsad.Article, error) {
	for _, a := range x.arts {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, marsad.Errorf(marsad.ENOTFOUND, "article %d not found", id)
}

func TestSourceDoesNotHoldThePageForASlowComputation(t *testing.T) {
	x := &slowIndex{fakeIndex{arts: withFiller([]*marsad.Article{
		art(1, 1, 10, 0, 0, "قمة الرياض العرب"),
		art(2, 2, 10, 0, 1, "قمة الرياض بيان"),
	})}, make(chan struct{})}
	f := New(x, strings.Fields, DefaultParams())
	index(t, f, &x.fakeIndex)
	s := NewSource(x, NewCache(f, 10, time.Minute))
	s.Wait = 10 * time.Millisecond
	ctx := context.Background()
	sim, err := s.Similar(ctx, 1)
	if err != nil || len(sim) != 0 {
		t.Fatalf("while computing: Similar = %v, %v; want none at once", sim, err)
	}
	close(x.release)
	s.Wait = 5 * time.Second // joins the computation under way
	if sim, err = s.Similar(ctx, 1); err != nil || len(sim) != 1 || sim[0].ID != 2 {
		t.Fatalf("after the computation: Similar = %v, %v; want [2]", sim, err)
	}
	if _, err := s.ReadAlso(ctx, 9); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("ReadAlso of a missing article: %v, want ENOTFOUND", err)
	}
}

// concurrentIndex records how many candidate queries run at once.
type concurrentIndex struct {
	slowIndex
	mu          sync.Mutex
	running, hi int
}

func (x *concurrentIndex) RelatedCandidates(ctx context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	x.mu.Lock()
	x.running++
	x.hi = max(x.hi, x.running)
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		x.running--
		x.mu.Unlock()
	}()
	return x.slowIndex.RelatedCandidates(ctx, q)
}

// A burst of pages of articles whose lists are not cached computes on
// at most the Source's workers at once, and starts nothing past
// MaxPending: the pages go out without lists rather than queue the
// whole archive.
func TestSourceBoundsItsComputations(t *testing.T) {
	var arts []*marsad.Article
	for i := range 40 {
		arts = append(arts, art(int64(i+1), int64(i%3+1), int64(i/4+1), 0, i, "قمة الرياض العرب بيان"))
	}
	x := &concurrentIndex{slowIndex: slowIndex{fakeIndex{arts: withFiller(arts)}, make(chan struct{})}}
	f := New(x, strings.Fields, DefaultParams())
	index(t, f, &x.slowIndex.fakeIndex)
	s := NewSource(x, NewCache(f, 100, time.Minute))
	s.Wait = time.Millisecond
	s.MaxPending = 10
	ctx := context.Background()
	for i := range arts {
		if sim, err := s.Similar(ctx, arts[i].ID); err != nil || len(sim) != 0 {
			t.Fatalf("article %d while computing: %v, %v; want no list at once", arts[i].ID, sim, err)
		}
	}
	s.mu.Lock()
	pending := len(s.inflight)
	s.mu.Unlock()
	if pending != 10 {
		t.Errorf("%d computations pending, want MaxPending = 10", pending)
	}
	close(x.release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		pending = len(s.inflight)
		s.mu.Unlock()
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	x.mu.Lock()
	hi := x.hi
	x.mu.Unlock()
	if workers := cap(s.sem); hi > workers {
		t.Errorf("%d searches ran at once, want at most %d (the workers)", hi, workers)
	}
	cached := 0
	for _, a := range arts {
		if s.cache.get(a.ID) != nil {
			cached++
		}
	}
	if cached != 10 {
		t.Errorf("%d lists computed, want the 10 started", cached)
	}
}

// An article the related stage has not reached yet (here: an archive it
// has not caught up on) still gets its lists, from the search.
func TestArticleWithoutVectorGetsListsFromSearch(t *testing.T) {
	arts := withFiller([]*marsad.Article{
		art(1, 1, 10, 0, 0, "قمة الرياض العرب القدس"),
		art(2, 2, 10, 0, 1, "قمة الرياض العرب بيان"),
	})
	x := &fakeIndex{arts: arts}
	f := finder(t, x, false)
	if err := x.ResetTermVectors(context.Background(), "related"); err != nil {
		t.Fatal(err)
	}
	l, err := f.Find(context.Background(), arts[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(l.Similar); len(got) == 0 || got[0] != 2 {
		t.Errorf("similar of an article without a vector = %v, want 2 first", got)
	}
}
