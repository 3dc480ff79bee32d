package dedup

import (
	"context"
	"strings"
	"testing"
	"time"
)

func words(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return out
}

// TestWireCopyBecomesCanonical: a paper's copy arrives first, the wire's
// later; the wire item becomes canonical and the paper's copy points to it.
func TestWireCopyBecomesCanonical(t *testing.T) {
	ctx := context.Background()
	idx := NewMemIndex()
	d := NewDetector(DefaultConfig(), idx)
	body := words(200, "w")
	edited := append(append([]string{"intro"}, body[:180]...), "outro")
	t0 := time.Date(2015, 8, 10, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		doc       Doc
		wantCanon int64
	}{
		{Doc{ID: 1, Source: "okaz", Published: t0, BodyTerms: edited}, 0},
		{Doc{ID: 2, Source: "was", Published: t0.Add(time.Hour), BodyTerms: body}, 0},
		{Doc{ID: 3, Source: "alyaum", Published: t0.Add(2 * time.Hour), BodyTerms: body}, 2},
		{Doc{ID: 4, Source: "alyaum", Published: t0.Add(3 * time.Hour), BodyTerms: words(200, "other")}, 0},
	}
	for _, s := range steps {
		res, err := d.Add(ctx, s.doc)
		if err != nil {
			t.Fatal(err)
		}
		if res.CanonicalID != s.wantCanon {
			t.Errorf("doc %d: canonical %d, want %d", s.doc.ID, res.CanonicalID, s.wantCanon)
		}
	}
	if got := idx.Canonical(1); got != 2 {
		t.Errorf("paper copy 1 points to %d, want the wire item 2", got)
	}
}

func TestChooseBanding(t *testing.T) {
	b, r, ok := ChooseBanding(0.5, 0.99, 128)
	if !ok || b != 35 || r != 3 {
		t.Fatalf("ChooseBanding(0.5) = %d×%d %v, want 35×3", b, r, ok)
	}
	if p := CandidateProbability(0.5, b, r); p < 0.99 {
		t.Errorf("P(0.5) = %.4f", p)
	}
}
