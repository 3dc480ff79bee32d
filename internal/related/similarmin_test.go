package related

import (
	"slices"
	"testing"

	"github.com/marsad/marsad"
)

// TestSimilarLeavesOutWhatSharesAWord: a candidate whose text barely meets
// the article's (cosine under SimilarMin: a word or two in common) is no
// similar article, however short the list; without the floor it would
// fill a slot.
func TestSimilarLeavesOutWhatSharesAWord(t *testing.T) {
	page := art(1, 1, 10, 0, 0, "")
	cand := func(id int64, cos float64) *candidate {
		return &candidate{hit: marsad.SearchHit{Article: art(id, id, 10, 0, 1, "")}, cos: cos, score: cos}
	}
	for _, floor := range []float64{DefaultParams().SimilarMin, 0} {
		p := DefaultParams()
		p.SimilarMin = floor
		f := New(nil, nil, p)
		l := f.pick(page, []*candidate{cand(2, 0.6), cand(3, 0.2), cand(4, 0.03)})
		got := ids(l.Similar)
		if !slices.Contains(got, 2) || !slices.Contains(got, 3) {
			t.Fatalf("floor %.2f: similar %v lacks 2 or 3", floor, got)
		}
		if listed := slices.Contains(got, 4); listed != (floor == 0) {
			t.Errorf("floor %.2f: similar %v: the candidate of cosine 0.03 listed %v", floor, got, listed)
		}
	}
	if DefaultParams().SimilarMin <= 0.03 {
		t.Fatal("the default floor lets a cosine of 0.03 through")
	}
}
