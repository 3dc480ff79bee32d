package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// TestTags (as store/sqlite's) saves tags through the work ledger and reads them back: an
// article's tags in order, a tag's articles latest first with the display
// the archive writes most, counts over time, work done once.
func TestTags(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.RegisterStages(ctx, []string{"tags"}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2018, 4, 12, 9, 0, 0, 0, time.UTC)
	var batch []*marsad.ArticleInput
	for i := range 3 {
		in := input(fmt.Sprintf("https://x.example/%d", i+1), "t", "b")
		in.Article.Published = t0.Add(time.Duration(i) * time.Hour)
		batch = append(batch, in)
	}
	saved := save(t, db, batch...)
	id := func(i int) int64 { return saved[i] }
	tag := func(surface string) marsad.ArticleTag {
		return marsad.ArticleTag{Key: "فلسطين", Surface: surface, Score: 1}
	}
	in := []marsad.ArticleTags{
		{ArticleID: id(0), Tags: []marsad.ArticleTag{tag("الفلسطينيون"), {Key: "غزه", Surface: "غزة", Score: 0.5, Publisher: true}}},
		{ArticleID: id(1), Tags: []marsad.ArticleTag{tag("الفلسطيني")}},
		{ArticleID: id(2), Tags: []marsad.ArticleTag{tag("الفلسطيني")}},
	}
	done, err := db.SaveTags(ctx, "tags", in, []byte("corpus"))
	if err != nil || len(done) != 3 {
		t.Fatalf("SaveTags = %v, %v", done, err)
	}
	// A second run finds the work done and changes nothing.
	if again, err := db.SaveTags(ctx, "tags", in[:1], nil); err != nil || len(again) != 0 {
		t.Fatalf("SaveTags again = %v, %v; want nothing saved", again, err)
	}
	got, err := db.TagsOf(ctx, id(0))
	if err != nil || len(got) != 2 || got[0].Display != "الفلسطيني" || got[0].Surface != "الفلسطينيون" || got[1].Key != "غزه" || !got[1].Publisher {
		t.Fatalf("TagsOf = %+v, %v", got, err)
	}
	tc, arts, err := db.TagArticles(ctx, "فلسطين", 0, 10)
	if err != nil || tc.Articles != 3 || tc.Display != "الفلسطيني" || len(arts) != 3 || arts[0].ID != id(2) || arts[2].ID != id(0) {
		t.Fatalf("TagArticles = %+v, %d articles, %v", tc, len(arts), err)
	}
	if _, page, err := db.TagArticles(ctx, "فلسطين", 1, 1); err != nil || len(page) != 1 || page[0].ID != id(1) {
		t.Errorf("TagArticles offset 1 limit 1 = %d articles, %v", len(page), err)
	}
	if _, _, err := db.TagArticles(ctx, "قطر", 0, 10); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("unknown tag: %v, want ENOTFOUND", err)
	}
	if _, err := db.TagsOf(ctx, 999); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("unknown article: %v, want ENOTFOUND", err)
	}
	counts, err := db.TagCounts(ctx, t0.Add(time.Hour), t0.Add(3*time.Hour))
	if err != nil || len(counts) != 1 || counts[0].Articles != 2 {
		t.Errorf("TagCounts = %+v, %v", counts, err)
	}
	if b, err := db.TagCorpus(ctx); err != nil || string(b) != "corpus" {
		t.Errorf("TagCorpus = %q, %v", b, err)
	}
	st, err := db.Stats(ctx)
	if err != nil || st.Tags != 2 {
		t.Errorf("stats tags = %d, %v; want 2", st.Tags, err)
	}
	if err := db.ResetTags(ctx, "tags"); err != nil {
		t.Fatal(err)
	}
	if owed, err := db.OwedArticles(ctx, "tags", 0, 10); err != nil || len(owed) != 3 {
		t.Errorf("after ResetTags %d owed, %v; want 3", len(owed), err)
	}
	if b, _ := db.TagCorpus(ctx); b != nil {
		t.Errorf("corpus kept after ResetTags")
	}
}
