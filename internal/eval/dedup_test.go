package eval

import (
	"context"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/testdata"
)

// TestDedupSaudiNewsNet pins the near-duplicate figures on real wire copies
// against the brute-force exact Jaccard (measured: precision 1.0000, recall
// 0.9997, 782 groups; the issue asks for ≥ 0.98 on both, the floor here is
// tighter so that a regression shows before it matters).
func TestDedupSaudiNewsNet(t *testing.T) {
	items, err := ReadNewsJSONL(testdata.Path(t, "saudinewsnet/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Dedup(context.Background(), items, analyzer.New().Terms, dedup.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Precision < 0.99 || rep.Recall < 0.99 || rep.Groups < 700 {
		t.Errorf("dedup precision=%.4f recall=%.4f groups=%d; want ≥0.99, ≥0.99, ≥700", rep.Precision, rep.Recall, rep.Groups)
	}
}

// TestANTSectionDuplicatesCollapse: the ANT articles filed under two
// sections have one canonical URL, so the store keeps one.
func TestANTSectionDuplicatesCollapse(t *testing.T) {
	items, err := ReadNewsJSONL(testdata.Path(t, "ant_multisource/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	raw, canon := map[string]int{}, map[string]int{}
	for _, it := range items {
		raw[it.URL]++
		c, err := dedup.CanonicalURL(it.URL)
		if err != nil {
			t.Fatalf("%s: %v", it.ID, err)
		}
		canon[c]++
	}
	if len(items)-len(raw) < 300 {
		t.Fatalf("expected ≥300 section duplicates, found %d", len(items)-len(raw))
	}
	if len(canon) != len(raw) {
		t.Errorf("canonical URLs: %d distinct, raw URLs %d: canonicalisation merged or split pages", len(canon), len(raw))
	}
}
