package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/marsad/marsad"
)

func tg(key, surface string) marsad.ArticleTag {
	return marsad.ArticleTag{Key: key, Surface: surface, Score: 1}
}

// tagKeys returns the keys of an article's tags, in its order.
func tagKeys(t *testing.T, s marsad.Store, id int64) []string {
	t.Helper()
	got, err := s.TagsOf(t.Context(), id)
	check(t, fmt.Sprintf("tags of %d", id), err)
	var out []string
	for _, g := range got {
		out = append(out, g.Key)
	}
	return out
}

// Tags are saved through the work ledger and read back: an article's tags
// in order, a tag's articles latest first, shown in the form the archive
// writes most, counts over time, work done once, everything forgotten by
// ResetTags.
func testTagsSaveAndRead(t *testing.T, h *harness) {
	ctx := t.Context()
	check(t, "register", h.RegisterStages(ctx, []string{"tags"}))
	id := seq(t, h, "t", "bbc", 0, 3)
	pal := func(surface string) marsad.ArticleTag { return tg("فلسطين", surface) }
	in := []marsad.ArticleTags{
		{ArticleID: id[0], Tags: []marsad.ArticleTag{pal("الفلسطينيون"), {Key: "غزه", Surface: "غزة", Score: 0.5, Publisher: true}}},
		{ArticleID: id[1], Tags: []marsad.ArticleTag{pal("الفلسطيني")}},
		{ArticleID: id[2], Tags: []marsad.ArticleTag{pal("الفلسطيني")}},
	}
	done, err := h.SaveTags(ctx, "tags", in, []byte("corpus"))
	if err != nil || !slices.Equal(done, id) {
		t.Fatalf("SaveTags = %v, %v; want %v", done, err, id)
	}
	if again, err := h.SaveTags(ctx, "tags", in[:1], nil); err != nil || len(again) != 0 {
		t.Fatalf("SaveTags of done work = %v, %v; want nothing saved", again, err)
	}
	got, err := h.TagsOf(ctx, id[0])
	if err != nil || len(got) != 2 || got[0].Display != "الفلسطيني" || got[0].Surface != "الفلسطينيون" ||
		got[1].Key != "غزه" || got[1].Display != "غزة" || !got[1].Publisher || got[1].Score != 0.5 {
		t.Fatalf("TagsOf = %+v, %v", got, err)
	}
	tc, arts, err := h.TagArticles(ctx, "فلسطين", 0, 10)
	if err != nil || tc.Articles != 3 || tc.Display != "الفلسطيني" || !slices.Equal(ids(arts), []int64{id[2], id[1], id[0]}) {
		t.Fatalf("TagArticles = %+v, %v, %v", tc, ids(arts), err)
	}
	if _, page, err := h.TagArticles(ctx, "فلسطين", 1, 1); err != nil || !slices.Equal(ids(page), []int64{id[1]}) {
		t.Errorf("TagArticles offset 1 limit 1 = %v, %v", ids(page), err)
	}
	_, _, err = h.TagArticles(ctx, "قطر", 0, 10)
	wantCode(t, "unknown tag", err, marsad.ENOTFOUND)
	_, err = h.TagsOf(ctx, id[2]+100)
	wantCode(t, "tags of an unknown article", err, marsad.ENOTFOUND)
	counts, err := h.TagCounts(ctx, hour(1), hour(3))
	if err != nil || len(counts) != 1 || counts[0].Key != "فلسطين" || counts[0].Articles != 2 {
		t.Errorf("TagCounts [1h, 3h) = %+v, %v", counts, err)
	}
	if b, err := h.TagCorpus(ctx); err != nil || string(b) != "corpus" {
		t.Errorf("TagCorpus = %q, %v", b, err)
	}
	if st, err := h.Stats(ctx); err != nil || st.Tags != 2 {
		t.Errorf("stats: %d tags, %v; want 2", st.Tags, err)
	}
	check(t, "reset", h.ResetTags(ctx, "tags"))
	if owed, err := h.OwedArticles(ctx, "tags", 0, 10); err != nil || len(owed) != 3 {
		t.Errorf("after ResetTags %d owed, %v; want 3", len(owed), err)
	}
	if b, err := h.TagCorpus(ctx); err != nil || b != nil {
		t.Errorf("corpus after ResetTags = %q, %v", b, err)
	}
	_, _, err = h.TagArticles(ctx, "فلسطين", 0, 10)
	wantCode(t, "a tag after ResetTags", err, marsad.ENOTFOUND)
}

// A tag shows the form the archive writes most (the smaller form on a
// tie), across batches; tagging an article again replaces its tags.
func testTagsDisplayAndReplace(t *testing.T, h *harness) {
	ctx := t.Context()
	check(t, "register", h.RegisterStages(ctx, []string{"tags"}))
	id := seq(t, h, "d", "bbc", 0, 6)
	display := func() string {
		t.Helper()
		tc, _, err := h.TagArticles(ctx, "رياض", 0, 1)
		check(t, "tag", err)
		return tc.Display
	}
	saveOne := func(i int, tags ...marsad.ArticleTag) {
		t.Helper()
		done, err := h.SaveTags(ctx, "tags", []marsad.ArticleTags{{ArticleID: id[i], Tags: tags}}, nil)
		if err != nil || len(done) != 1 {
			t.Fatalf("SaveTags of article %d = %v, %v", i, done, err)
		}
	}
	saveOne(0, tg("رياض", "والرياض"))
	if d := display(); d != "والرياض" {
		t.Fatalf("display of a new tag = %q, want its only form", d)
	}
	saveOne(1, tg("رياض", "الرياض"))
	if d := display(); d != "الرياض" {
		t.Fatalf("display on a tie = %q, want the smaller form الرياض", d)
	}
	saveOne(2, tg("رياض", "الرياض"))
	// One batch with the other form twice: it leads 3 to 2 only if both
	// of the batch's occurrences are counted.
	done, err := h.SaveTags(ctx, "tags", []marsad.ArticleTags{
		{ArticleID: id[3], Tags: []marsad.ArticleTag{tg("رياض", "والرياض")}},
		{ArticleID: id[4], Tags: []marsad.ArticleTag{tg("رياض", "والرياض")}},
	}, nil)
	if err != nil || len(done) != 2 {
		t.Fatalf("SaveTags = %v, %v", done, err)
	}
	if d := display(); d != "والرياض" {
		t.Fatalf("display = %q, want والرياض (3 of 5)", d)
	}
	// Counting the shown form again keeps it.
	saveOne(5, tg("رياض", "والرياض"), tg("جده", "جدة"))
	if d := display(); d != "والرياض" {
		t.Fatalf("display = %q, want والرياض", d)
	}
	// Tagged again (owed again after a reset of its work), an article's
	// tags are replaced, not added to.
	check(t, "owe again", h.OweAgain(ctx, "tags"))
	saveOne(5, tg("جده", "جدة"))
	if got := tagKeys(t, h, id[5]); !slices.Equal(got, []string{"جده"}) {
		t.Fatalf("tags after re-tagging = %v, want [جده]", got)
	}
	if tc, _, err := h.TagArticles(ctx, "رياض", 0, 10); err != nil || tc.Articles != 5 {
		t.Fatalf("رياض carried by %+v, %v; want 5 articles", tc, err)
	}
}

// Two processes tag different articles with the same new tags at once:
// every article keeps its tags, each tag exists once, the forms add up.
func testTagsTwoWriters(t *testing.T, h *harness) {
	ctx := t.Context()
	check(t, "register", h.RegisterStages(ctx, []string{"tags"}))
	stores := []marsad.Store{h, h.second(t)}
	const per = 40
	id := seq(t, h, "w", "bbc", 0, 2*per)
	keys := []string{"قطر", "الكويت", "عمان", "البحرين", "اليمن"}
	parallel(t, 2, func(w int) error {
		for i := w * per; i < (w+1)*per; i += 4 {
			var batch []marsad.ArticleTags
			for j := i; j < i+4; j++ {
				var tags []marsad.ArticleTag
				for k := range 3 {
					key := keys[(j+k)%len(keys)]
					tags = append(tags, tg(key, key))
				}
				batch = append(batch, marsad.ArticleTags{ArticleID: id[j], Tags: tags})
			}
			if _, err := stores[w].SaveTags(context.WithoutCancel(ctx), "tags", batch, nil); err != nil {
				return fmt.Errorf("writer %d: %w", w, err)
			}
		}
		return nil
	})
	total := 0
	for _, k := range keys {
		tc, _, err := h.TagArticles(ctx, k, 0, 1)
		check(t, "tag "+k, err)
		if tc.Display != k {
			t.Errorf("tag %s shown as %q", k, tc.Display)
		}
		total += tc.Articles
	}
	if total != 3*2*per {
		t.Errorf("tags carried %d times, want %d", total, 3*2*per)
	}
	if st, err := h.Stats(ctx); err != nil || st.Tags != len(keys) {
		t.Errorf("stats: %d tags, %v; want %d", st.Tags, err, len(keys))
	}
	if owed, err := h.OwedArticles(ctx, "tags", 0, 10); err != nil || len(owed) != 0 {
		t.Errorf("%d articles still owed, %v", len(owed), err)
	}
}
