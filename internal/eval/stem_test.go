package eval

import (
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/testdata"
)

func TestStemScoreCountsPairs(t *testing.T) {
	gold := []StemEntry{{Word: "a1", Stem: "a"}, {Word: "a2", Stem: "a"}, {Word: "b1", Stem: "b"}, {Word: "b2", Stem: "b"}}
	// The system joins a1 and a2 (right), b1 with a2 (wrong) and leaves b2 alone.
	r := StemScore(gold, []string{"x", "x", "x", ""}, func(s string) string { return s })
	if r.GoldPairs != 2 || r.SystemPairs != 3 || r.Agreed != 1 {
		t.Fatalf("pairs gold=%d system=%d agreed=%d, want 2 3 1", r.GoldPairs, r.SystemPairs, r.Agreed)
	}
	if r.Precision != 1.0/3 || r.Recall != 0.5 || r.Accuracy != 0 {
		t.Fatalf("got %s", r)
	}
}

// TestStemGoldFloor pins the analyzer's conflation on the shared gold a
// little under what was measured, so a rule change that loses quality fails.
func TestStemGoldFloor(t *testing.T) {
	gold, err := ReadStemGold(testdata.Path(t, "arabic_stemming_gold/golden_corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	an := analyzer.New()
	terms := make([]string, len(gold))
	for i, e := range gold {
		terms[i] = an.Term(e.Word)
	}
	r := StemScore(gold, terms, an.Normalize)
	t.Logf("eval stem: %s", r)
	// PostgreSQL 'arabic' scores f1=0.851 on this gold.
	if r.F1 < 0.975 || r.Precision < 0.995 || r.Accuracy < 0.89 {
		t.Errorf("conflation fell below the floor: %s", r)
	}
}
