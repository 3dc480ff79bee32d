package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/dedup"
)

// TestDedupIndex drives the store's dedup index through the detector: a
// paper's copy first, the wire's text later (which takes the group over), an
// exact copy, an unrelated text; then checks the links on the article rows,
// FindCopies, and that running a batch again changes nothing.
func TestDedupIndex(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t0 := time.Date(2015, 8, 10, 9, 0, 0, 0, time.UTC)
	body := make([]string, 120)
	other := make([]string, 120)
	for i := range body {
		body[i], other[i] = fmt.Sprintf("كلمه%d", i), fmt.Sprintf("اخري%d", i)
	}
	edited := append(append([]string{"مقدمه"}, body[:110]...), "خاتمه")
	docs := []struct {
		source string
		terms  []string
	}{
		{"okaz", edited}, // 1: paper's copy, first
		{"was", body},    // 2: the wire, later: becomes canonical
		{"alyaum", body}, // 3: exact copy
		{"alyaum", other},
	}
	var batch []*marsad.ArticleInput
	for i, d := range docs {
		batch = append(batch, input(fmt.Sprintf("https://x.example/%d", i+1), d.source, "t", "t", "b", t0.Add(time.Duration(i)*time.Hour)))
	}
	saved, err := db.SaveArticles(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(saved))
	for i, s := range saved {
		ids[i] = s.ID
	}
	cfg := dedup.DefaultConfig()
	run := func(from, to int) []dedup.Result {
		t.Helper()
		var out []dedup.Result
		if err := db.RegisterStages(ctx, []string{"dedup"}); err != nil {
			t.Fatal(err)
		}
		err := db.DedupBatch(ctx, "dedup", ids[from:to], func(x marsad.DedupIndex) error {
			idx := dedup.StoreIndex(x)
			var ds []dedup.Doc
			for i := from; i < to; i++ {
				ds = append(ds, dedup.Doc{ID: ids[i], Source: docs[i].source, Published: t0.Add(time.Duration(i) * time.Hour), BodyTerms: docs[i].terms})
			}
			var err error
			out, err = dedup.NewDetector(cfg, idx).AddBatch(ctx, ds)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	run(0, 1) // the paper's copy, alone in its batch: stored, then found through the key table
	res := run(1, 4)
	if res[0].Relinked != ids[0] {
		t.Errorf("wire item: relinked %d, want the paper's copy %d", res[0].Relinked, ids[0])
	}
	wantCanon := []int64{ids[1], 0, ids[1], 0}
	for i, id := range ids {
		a, err := db.FindArticleByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.CanonicalID != wantCanon[i] {
			t.Errorf("article %d (%s): canonical %d, want %d", id, docs[i].source, a.CanonicalID, wantCanon[i])
		}
	}
	copies, err := db.FindCopies(ctx, ids[2])
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range copies {
		got = append(got, c.ID)
	}
	slices.Sort(got)
	if want := []int64{ids[0], ids[1]}; !slices.Equal(got, want) {
		t.Errorf("FindCopies(%d) = %v, want %v", ids[2], got, want)
	}
	if owed, err := db.OwedArticles(ctx, "dedup", 0, 10); err != nil || len(owed) != 0 {
		t.Errorf("owed %v, %v; want nothing: the batches completed their work", owed, err)
	}
	// The same batch again (a crash after commit, before the caller knew):
	// every doc is skipped and the links stay.
	for i, r := range run(1, 4) {
		if !r.Skipped && docs[i+1].terms != nil {
			t.Errorf("doc %d run twice was not skipped", ids[i+1])
		}
	}
	if a, _ := db.FindArticleByID(ctx, ids[0]); a.CanonicalID != ids[1] {
		t.Errorf("after a rerun the paper's copy points to %d", a.CanonicalID)
	}
}
