package related

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/marsad/marsad"
)

// rankOf returns the similar list of a under params p over arts (vectors
// stored first), with the scores for the error message.
func rankOf(t *testing.T, arts []*marsad.Article, a *marsad.Article, p Params) ([]int64, string) {
	t.Helper()
	x := &fakeIndex{arts: arts}
	f := New(x, strings.Fields, p)
	index(t, f, x)
	l, err := f.Find(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range l.Similar {
		fmt.Fprintf(&b, " %d:%.3f", e.ID, e.Score)
	}
	return ids(l.Similar), b.String()
}

// many returns n filler articles holding the given words beside words of
// their own, a month earlier: they make those words common in the archive.
func many(id0 int64, n int, words string) []*marsad.Article {
	var out []*marsad.Article
	for i := range int64(n) {
		out = append(out, art(id0+i, 100+i, 100+i, 0, -24*30, words+" خاص"+string(rune('ا'+i))))
	}
	return out
}

func TestIDFPowerWeighsEventWordsAgainstARareSharedName(t *testing.T) {
	// One story throughout, so that read-also takes nothing from similar.
	// Article 1 reports a strike; 2 is another strike report (the event's
	// words, common in the archive); 3 is a match report that shares only
	// a rare name with it.
	arts := []*marsad.Article{
		art(1, 1, 10, 0, 0, "ضربة صاروخية قصف مطار هيثم"),
		art(2, 2, 10, 0, 0, "ضربة صاروخية قصف قاعدة رادار"),
		art(3, 3, 10, 0, 0, "هيثم ملعب مباراة هدف"),
	}
	// Two earlier strikes and two other items: the event's words are in
	// half the archive, the name in a quarter (idf 0.47 and 0.98, the
	// others' 1.39); plain idf puts 3 first by a fifth, idf^0.7 puts 2
	// first by a quarter.
	arts = append(arts, many(200, 2, "ضربة صاروخية قصف")...)
	arts = append(arts, many(300, 2, "طقس")...)
	p := DefaultParams()
	p.Neighbours = 0
	p.IDFPower = 1
	if got, sc := rankOf(t, arts, arts[0], p); len(got) < 2 || got[0] != 3 {
		t.Fatalf("plain idf: similar %v (%s), want the rare name's 3 first (else this test checks nothing)", got, sc)
	}
	p.IDFPower = 0.7
	if got, sc := rankOf(t, arts, arts[0], p); len(got) < 2 || got[0] != 2 {
		t.Errorf("idf^0.7: similar %v (%s), want the strike report 2 first", got, sc)
	}
}

func TestNeighboursLiftTheEventsMembersOverABackgroundMatch(t *testing.T) {
	// One story throughout, so that read-also takes nothing from similar.
	// 2 and 3 report the article's earthquake and share much with each
	// other; 4, on the currency, shares as much of the article's words as
	// 3 does, but only one of 2's; 3 is half a day later, so that 4 ranks
	// before it on its own.
	arts := []*marsad.Article{
		art(1, 1, 10, 0, 0, "زلزال تركيا انقاذ ضحايا ركام ليرة"),
		art(2, 2, 10, 0, 0, "زلزال تركيا انقاذ ضحايا فرق خيام"),
		art(3, 3, 10, 0, 12, "زلزال ركام فرق خيام مستشفى"),
		art(4, 4, 10, 0, 0, "تركيا ليرة بنك اقتصاد تضخم"),
	}
	arts = withFiller(arts)
	p := DefaultParams()
	p.IDFPower = 1
	p.Neighbours = 0
	got, sc := rankOf(t, arts, arts[0], p)
	if len(got) < 3 || got[0] != 2 || got[1] != 4 {
		t.Fatalf("without neighbours: similar %v (%s), want 2 then 4 (else this test checks nothing)", got, sc)
	}
	t.Logf("without neighbours:%s", sc)
	p.Neighbours, p.NeighbourWeight = 2, 0.2
	got, sc = rankOf(t, arts, arts[0], p)
	t.Logf("with neighbours:%s", sc)
	if len(got) < 3 || got[0] != 2 || got[1] != 3 {
		t.Errorf("with neighbours: similar %v (%s), want 2 then 3, the event's other member, before 4", got, sc)
	}
}

func TestPowTableMatchesPow(t *testing.T) {
	var pt powTable
	for x := 0.001; x < 20; x *= 1.013 {
		want := math.Pow(x, 0.7)
		if got := pt.of(x, 0.7); math.Abs(got-want) > 1e-6*want {
			t.Fatalf("%g^0.7 = %g, want %g", x, got, want)
		}
	}
	if got, want := pt.of(2, 0.5), math.Sqrt(2); got != want {
		t.Errorf("another power: %g, want %g", got, want)
	}
}

// queryIndex keeps the last candidate query it ran.
type queryIndex struct {
	fakeIndex
	q marsad.CandidateQuery
}

func (x *queryIndex) RelatedCandidates(ctx context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	x.q = q
	return x.fakeIndex.RelatedCandidates(ctx, q)
}

func TestCandidateQueryKeepsPlainIDF(t *testing.T) {
	// The stored keys are weighed with plain idf; the query must ask with
	// the same weights whatever power the re-ranking uses.
	arts := withFiller([]*marsad.Article{
		art(1, 1, 10, 0, 0, "ضربة صاروخية قصف مطار هيثم"),
		art(2, 2, 10, 0, 0, "ضربة صاروخية قصف قاعدة رادار"),
	})
	x := &queryIndex{fakeIndex: fakeIndex{arts: arts}}
	p := DefaultParams()
	p.IDFPower = 0.5
	f := New(x, strings.Fields, p)
	index(t, f, &x.fakeIndex)
	if _, err := f.Find(context.Background(), arts[0]); err != nil {
		t.Fatal(err)
	}
	want := x.vecs[1].Keys[:min(len(x.vecs[1].Keys), p.QueryTerms)]
	if len(x.q.Terms) != len(want) {
		t.Fatalf("query of %d terms, want %d", len(x.q.Terms), len(want))
	}
	for i, k := range x.q.Terms {
		if k.Term != want[i].Term || math.Abs(k.Weight-want[i].Weight) > 1e-12 {
			t.Errorf("query term %d = %s %.4f, want the stored key %s %.4f", i, k.Term, k.Weight, want[i].Term, want[i].Weight)
		}
	}
}
