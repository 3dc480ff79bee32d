package related

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// TestVectorCacheGivesTheSameLists computes the lists of every article of a
// growing archive with two Finders, one keeping vectors in memory and one
// reading them each time, and wants them equal to the bit: while the
// archive stays the same (a round asks every article twice), when it grows
// a little (the weights move with its size) and when it grows by more than
// DFRefresh (the document frequencies are read again: a new generation).
func TestVectorCacheGivesTheSameLists(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	vocab := strings.Fields("حكومة وزير نفط سعر قمة رئيس حرب سلام اتفاق مجلس امن ضربة مدينة انتخابات سوق اسهم مطر ملعب نادي فوز هدف لاعب مباراة صحة مرض دواء مدرسة طالب جامعة")
	text := func() string {
		w := make([]string, 12+r.IntN(20))
		for i := range w {
			w[i] = vocab[r.IntN(min(len(vocab), 4+r.IntN(len(vocab))))]
		}
		return strings.Join(w, " ")
	}
	x := &fakeIndex{}
	p := DefaultParams()
	plain := New(x, strings.Fields, func() Params { q := p; q.VectorCache = 0; return q }())
	cached := New(x, strings.Fields, p)
	stage := New(x, strings.Fields, p) // stores the vectors, as the related stage does
	if cached.vc == nil || plain.vc != nil {
		t.Fatal("the parameters do not turn the cache on and off")
	}
	id := int64(0)
	grow := func(n int) {
		var fresh []*marsad.Article
		for range n {
			id++
			// A word of its own: a new article brings terms the
			// document-frequency cache has not read.
			fresh = append(fresh, art(id, 1+id%7, 1+id%11, 0, int(id%150), text()+" اسم"+strconv.FormatInt(id, 10)))
		}
		x.arts = append(x.arts, fresh...)
		index(t, stage, x)
	}
	grow(60)
	hits := 0
	for round, add := range []int{1, 1, 30, 0} {
		for pass := range 2 {
			for _, a := range x.arts {
				hits += cachedHits(cached, a)
				sameLists(t, fmt.Sprintf("round %d pass %d, with the vector cache and without", round, pass), a, cached, plain)
			}
		}
		grow(add)
	}
	if hits == 0 {
		t.Fatal("the vector cache served no vector: the test compared nothing")
	}
	if plain.df.gen == 0 || cached.df.gen != plain.df.gen {
		t.Fatalf("document-frequency generations %d (cached) and %d (plain): the archive's growth past DFRefresh was not met the same way", cached.df.gen, plain.df.gen)
	}
}

// sameLists wants the two finders' lists of a equal to the bit.
func sameLists(t *testing.T, what string, a *marsad.Article, f, g *Finder) {
	t.Helper()
	got, err := f.Find(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	want, err := g.Find(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("article %d, %s: %+v against %+v", a.ID, what, got, want)
	}
}

// cachedHits counts the candidates of a's week the cache holds.
func cachedHits(f *Finder, a *marsad.Article) int {
	n := 0
	for id := a.ID - 5; id <= a.ID+5; id++ {
		if f.vc.get(id) != nil {
			n++
		}
	}
	return n
}

// TestVectorCacheForgets: an entry is not served past its TTL, and the
// cache holds at most its size.
func TestVectorCacheForgets(t *testing.T) {
	c := newVecCache(4, time.Minute)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	for id := int64(1); id <= 6; id++ {
		c.add(&cachedVector{id: id, at: now})
	}
	if n := len(c.cur) + len(c.old); n > 4 {
		t.Fatalf("%d entries kept, size 4", n)
	}
	if c.get(6) == nil || c.get(5) == nil {
		t.Fatal("the newest entries are gone")
	}
	if c.get(1) != nil {
		t.Fatal("the oldest entry outlived the cache's size")
	}
	now = now.Add(time.Minute)
	if c.get(6) != nil {
		t.Fatal("an entry was served past its TTL")
	}
	if newVecCache(0, time.Minute) != nil || newVecCache(10, 0) != nil {
		t.Fatal("a cache of size or TTL 0 is not off")
	}
}

// vocabIndex is a fakeIndex that also reads its whole vocabulary at once,
// counting the scans and the term lookups.
type vocabIndex struct {
	*fakeIndex
	scans, lookups int
}

func (x *vocabIndex) AllDocFrequencies(context.Context) (map[string]int, int, error) {
	x.scans++
	df := map[string]int{}
	for _, a := range x.arts {
		seen := map[string]bool{}
		for _, w := range words(a) {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	return df, len(x.arts), nil
}

func (x *vocabIndex) DocFrequencies(ctx context.Context, terms []string) ([]int, int, error) {
	x.lookups += len(terms)
	return x.fakeIndex.DocFrequencies(ctx, terms)
}

// TestVocabularyFillsTheFrequencies: a store that reads its whole
// vocabulary at once fills a new Finder's document frequencies in one
// scan, with the lists the lookups give, and no term is looked up after.
func TestVocabularyFillsTheFrequencies(t *testing.T) {
	arts := withFiller([]*marsad.Article{
		art(1, 1, 10, 0, 0, "زلزال تركيا ضحايا انقاذ فرق"),
		art(2, 2, 10, 0, 1, "زلزال تركيا ضحايا فرق اسعاف"),
		art(3, 3, 11, 0, 2, "تركيا انتخابات رئاسه برلمان"),
		art(4, 4, 12, 0, 3, "انتخابات برلمان تركيا نتائج"),
	})
	plain := &fakeIndex{arts: arts}
	index(t, New(plain, strings.Fields, DefaultParams()), plain)
	scanned := &vocabIndex{fakeIndex: &fakeIndex{arts: arts, vecs: plain.vecs}}
	fp, fs := New(plain, strings.Fields, DefaultParams()), New(scanned, strings.Fields, DefaultParams())
	for _, a := range arts[:4] {
		sameLists(t, "from the vocabulary and from lookups", a, fs, fp)
	}
	if scanned.scans != 1 || scanned.lookups != 0 {
		t.Fatalf("%d scans and %d terms looked up: want one scan and no lookup", scanned.scans, scanned.lookups)
	}
}
