package tagstage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/tags/tagstage"
	"github.com/marsad/marsad/internal/testdata"
)

// TestStageTagsTheArchive runs the standard pipeline (dedup, story, tags)
// over the first 600 lines of each shared archive and reads the tags back
// from the store: nothing owed, every article with tags, a tag found under
// any spelling (the Palestinians: الفلسطينيون, الفلسطيني, الفلسطينيين), shown
// in one form without a clitic or a Persian letter.
func TestStageTagsTheArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 1,200 articles")
	}
	ctx := context.Background()
	db, err := ingest.Sample(ctx, filepath.Join(t.TempDir(), "m.db"), 600,
		testdata.Path(t, "ant_multisource/articles.jsonl"), testdata.Path(t, "saudinewsnet/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending[tagstage.StageName] != 0 || st.Tags == 0 {
		t.Fatalf("stats %+v: want tags and nothing owed", st)
	}
	arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	untagged := 0
	for _, a := range arts {
		list, err := db.TagsOf(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			untagged++
		}
	}
	if untagged > len(arts)/20 {
		t.Errorf("%d of %d articles have no tag", untagged, len(arts))
	}
	an := analyzer.New()
	var shown []string
	for _, spelling := range []string{"الفلسطينيون", "الفلسطيني", "الفلسطينيين", "والفلسطينيين"} {
		tc, _, err := db.TagArticles(ctx, strings.Join(an.Terms(spelling), " "), 0, 1)
		if err != nil {
			t.Fatalf("%s: %v", spelling, err)
		}
		shown = append(shown, tc.Display)
	}
	for _, s := range shown[1:] {
		if s != shown[0] {
			t.Errorf("one tag shown as %q", shown)
		}
	}
	if strings.HasPrefix(shown[0], "و") || strings.ContainsRune(shown[0], 'ی') {
		t.Errorf("the Palestinians shown as %q", shown[0])
	}
	t.Logf("the Palestinians: %q, %d tags in all", shown[0], st.Tags)
}
