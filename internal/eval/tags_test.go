package eval

import (
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/tags"
	"github.com/marsad/marsad/internal/testdata"
)

func TestTagMetricsCount(t *testing.T) {
	gold := [][]string{{"وقف", "اطلاق", "نار"}, {"غزه"}, {"قطر"}}
	pred := [][]string{{"غزه"}, {"امير", "قطر"}, {"وقف", "اطلاق", "نار"}, {"غزه"}}
	if p, r := exactAt(pred, gold, 5); p != 2.0/5 || r != 2.0/3 {
		t.Errorf("exactAt = %v, %v; want 0.4, 0.667 (a gold phrase counts once)", p, r)
	}
	// partial: predictions 1, 0.5, 1, 1 → P = 3.5/4; gold 1, 1, 1 → R = 1.
	if got, want := partialF1(pred, gold, 4), fScore(3.5/4, 1); got != want {
		t.Errorf("partialF1 = %v, want %v", got, want)
	}
}

// TestTagsFloor scores the extractor on the AKEC gold as `marsad eval tags`
// does and pins floors a little under what was measured (F1@10 0.2512,
// P@5 0.400, partial F1@10 0.4895, the baseline's F1@10 0.1976: 1.27×),
// and the margin over the plain TF-IDF baseline of the same run.
func TestTagsFloor(t *testing.T) {
	docs, skipped, err := ReadKeyphrases(testdata.Path(t, "akec_keyphrases/documents.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if skipped > 0 || len(docs) != 100 {
		t.Fatalf("%d documents, %d skipped", len(docs), skipped)
	}
	s := NewTagRun(analyzer.New(), docs, nil, 15).Score(tags.DefaultParams(), nil)
	t.Logf("eval tags: %s", s)
	if s.F1 < 0.245 || s.P5 < 0.39 || s.PartialF1 < 0.48 {
		t.Errorf("tags below the floor: %s", s)
	}
	if s.F1 < 1.24*s.TFIDFF1 {
		t.Errorf("F1@10 %.4f is not 1.24× the TF-IDF baseline's %.4f", s.F1, s.TFIDFF1)
	}
}
