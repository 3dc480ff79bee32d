package dedup

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
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

// TestBatchEqualsOneByOne: links found within a batch (in memory) are the
// links found when each article arrives alone (through the index), for
// every batch size, including a wire copy arriving after its paper copies.
func TestBatchEqualsOneByOne(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2015, 8, 10, 9, 0, 0, 0, time.UTC)
	var docs []Doc
	for story := range 6 {
		body := words(150, string(rune('a'+story)))
		for copyNo := range 4 {
			src := "okaz"
			if copyNo == 2 && story%2 == 0 {
				src = "was" // the wire arrives third
			}
			terms := append(append([]string{}, body[copyNo*5:]...), words(copyNo*3, "tail")...)
			docs = append(docs, Doc{ID: int64(len(docs) + 1), Source: src, Published: t0.Add(time.Duration(len(docs)) * time.Minute), BodyTerms: terms})
		}
	}
	canonicals := func(batch int) []int64 {
		idx := NewMemIndex()
		d := NewDetector(DefaultConfig(), idx)
		for lo := 0; lo < len(docs); lo += batch {
			if _, err := d.AddBatch(ctx, docs[lo:min(len(docs), lo+batch)]); err != nil {
				t.Fatal(err)
			}
		}
		out := make([]int64, len(docs))
		for i, doc := range docs {
			out[i] = idx.Canonical(doc.ID)
		}
		return out
	}
	want := canonicals(1)
	for i, doc := range docs {
		story := i / 4
		wantCanon := int64(story*4 + 1)
		if story%2 == 0 {
			wantCanon = int64(story*4 + 3)
		}
		if want[i] != wantCanon {
			t.Errorf("one by one: doc %d (%s) canonical %d, want %d", doc.ID, doc.Source, want[i], wantCanon)
		}
	}
	for _, batch := range []int{2, 3, 5, 24} {
		if got := canonicals(batch); !slices.Equal(got, want) {
			t.Errorf("batch %d: canonicals %v, want %v", batch, got, want)
		}
	}
}

// TestExactTwinsAddNoKeys: exact copies are linked like any copy, but
// only the first holds the band keys, so postings do not pile up.
func TestExactTwinsAddNoKeys(t *testing.T) {
	ctx := context.Background()
	idx := NewMemIndex()
	d := NewDetector(DefaultConfig(), idx)
	body := words(100, "c")
	t0 := time.Date(2015, 8, 10, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		res, err := d.Add(ctx, Doc{ID: int64(i + 1), Source: "okaz", Published: t0.Add(time.Duration(i) * time.Minute), BodyTerms: body})
		if err != nil {
			t.Fatal(err)
		}
		wantTwin, wantCanon := int64(1), int64(1)
		if i == 0 {
			wantTwin, wantCanon = 0, 0
		}
		if res.TwinOf != wantTwin || res.CanonicalID != wantCanon {
			t.Errorf("copy %d: twin of %d, canonical %d; want %d, %d", i+1, res.TwinOf, res.CanonicalID, wantTwin, wantCanon)
		}
	}
	for k, ids := range idx.bands {
		if len(ids) != 1 {
			t.Fatalf("band key %d has %d postings, want 1", k, len(ids))
		}
	}
}

// TestMaxCandidates: an article copied more often than the cap still links
// to its group, and no more than the cap are verified.
func TestMaxCandidates(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.MaxCandidates = 5
	idx := NewMemIndex()
	d := NewDetector(cfg, idx)
	body := words(100, "c")
	t0 := time.Date(2015, 8, 10, 9, 0, 0, 0, time.UTC)
	var res Result
	for i := range 20 {
		var err error
		// Near copies, not exact twins: each is indexed with its band keys.
		terms := append(append([]string{}, body...), words(i+1, "tail")...)
		res, err = d.Add(ctx, Doc{ID: int64(i + 1), Source: "okaz", Published: t0.Add(time.Duration(i) * time.Minute), BodyTerms: terms})
		if err != nil {
			t.Fatal(err)
		}
	}
	if res.CanonicalID != 1 || len(res.Matches) != 5 {
		t.Errorf("20th copy: canonical %d with %d matches; want 1 with 5", res.CanonicalID, len(res.Matches))
	}
}

// TestShinglesStable pins the shingle hash: stored shingle sets must stay
// comparable with new ones across releases.
func TestShinglesStable(t *testing.T) {
	terms := []string{"وزير", "خارجيه", "سعودي", "يلتقي", "نظير"}
	got := Shingles(terms, 3)
	var want []uint32
	for i := 0; i+3 <= len(terms); i++ {
		want = append(want, uint32(xxhash.Sum64String(strings.Join(terms[i:i+3], " "))))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Shingles = %v, want %v", got, want)
	}
}
