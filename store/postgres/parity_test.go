package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/postgres"
	"github.com/marsad/marsad/store/postgres/pgtest"
	"github.com/marsad/marsad/store/sqlite"
)

// parityLines is how many articles of each shared archive the parity test
// ingests: enough for wire copies and stories across outlets.
const parityLines = 600

// TestSameArchiveAsSQLite ingests the same slice of both shared archives
// through the standard pipeline into PostgreSQL and into SQLite and
// compares what the two stores hold: every article field, every copy link,
// the story partition, the work owed, and the hits of searches made from
// the articles' titles (the same hits and totals; the order may differ,
// ts_rank not being bm25).
func TestSameArchiveAsSQLite(t *testing.T) {
	ctx := t.Context()
	files := []string{
		testdata.Path(t, "saudinewsnet/articles.jsonl"),
		testdata.Path(t, "ant_multisource/articles.jsonl"),
	}
	pg, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parity.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for _, s := range []marsad.Store{pg, lite} {
		if err := ingest.SampleInto(ctx, s, parityLines, files...); err != nil {
			t.Fatal(err)
		}
	}

	want, got := snapshot(t, lite), snapshot(t, pg)
	if len(want.articles) < parityLines {
		t.Fatalf("only %d articles ingested", len(want.articles))
	}
	if want.stats != got.stats {
		t.Errorf("stats: postgres %s, sqlite %s", got.stats, want.stats)
	}
	diffs := 0
	for url, w := range want.articles {
		if g, ok := got.articles[url]; !ok || g != w {
			if diffs++; diffs <= 5 {
				t.Errorf("article %s:\npostgres %s\nsqlite   %s", url, g, w)
			}
		}
	}
	if len(got.articles) != len(want.articles) {
		t.Errorf("postgres holds %d articles, sqlite %d", len(got.articles), len(want.articles))
	}
	if diffs > 0 {
		t.Errorf("%d of %d articles differ", diffs, len(want.articles))
	}
	if !slices.Equal(got.stories, want.stories) {
		t.Errorf("story partitions differ: %d stories in postgres, %d in sqlite", len(got.stories), len(want.stories))
	}

	// Searches: two title words of every 10th article.
	an := analyzer.New()
	overlap, queries := 0.0, 0
	for i, a := range want.list {
		if i%10 != 0 {
			continue
		}
		terms := an.Terms(a.Title)
		if len(terms) < 2 {
			continue
		}
		expr := &marsad.QueryNode{Op: marsad.OpAnd, Children: []*marsad.QueryNode{
			{Op: marsad.OpTerm, Terms: terms[:1]}, {Op: marsad.OpTerm, Terms: terms[1:2]}}}
		for _, byStory := range []bool{false, true} {
			req := marsad.SearchRequest{Expr: expr, Limit: 1000, ByStory: byStory}
			gh, gt, err := pg.Search(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			wh, wt, err := lite.Search(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			g, w := hitGroups(gh, got, byStory), hitGroups(wh, want, byStory)
			if gt != wt || !slices.Equal(sorted(g), sorted(w)) {
				t.Errorf("search %v (by story %v): postgres %d hits %v, sqlite %d hits %v", terms[:2], byStory, gt, g, wt, w)
				continue
			}
			if !byStory {
				overlap += topOverlap(g, w, 10)
				queries++
			}
		}
	}
	if queries == 0 {
		t.Fatal("no search made")
	}
	// ts_rank with title ×4 and length normalization against FTS5's bm25
	// with the same column weights: 0.967 of each top 10 shared when
	// measured (600 lines of each archive); the floor sits under it.
	ov := overlap / float64(queries)
	t.Logf("%d searches: same hits and totals; top-10 overlap with sqlite's bm25 order %.3f", queries, ov)
	if ov < 0.93 {
		t.Errorf("top-10 overlap with sqlite's ranking %.3f, want at least 0.93", ov)
	}
}

// archive is what a store holds, in backend-neutral form.
type archive struct {
	stats    string
	list     []*marsad.Article
	articles map[string]string // url → every field, copy link and story as text
	stories  []string          // each story's member URLs, sorted; the list sorted
	url      map[int64]string  // article id → URL
	story    map[int64]string  // story id → its member URLs
}

func snapshot(t *testing.T, s marsad.Store) archive {
	t.Helper()
	ctx := context.Background()
	list, _, err := s.FindArticles(ctx, marsad.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	url := map[int64]string{}
	for _, a := range list {
		url[a.ID] = a.URL
	}
	arc := archive{list: list, articles: map[string]string{}, url: url, story: map[int64]string{},
		stats: fmt.Sprintf("articles=%d sources=%d copies=%d stories=%d pending=%v", st.Articles, st.Sources, st.Copies, st.Stories, st.Pending)}
	members := map[int64][]string{}
	for _, a := range list {
		arc.articles[a.URL] = fmt.Sprintf("id=%d source=%s/%s title=%q body=%d:%x summary=%q author=%q category=%q lang=%s tags=%q published=%s claimed=%s hash=%x canonical=%s",
			a.ID, a.Source, a.SourceName, a.Title, len(a.Body), hash(a.Body), a.Summary, a.Author, a.Category, a.Lang, a.Tags,
			a.Published, a.PublishedClaimed, a.ContentHash, url[a.CanonicalID])
		if a.StoryID != 0 {
			members[a.StoryID] = append(members[a.StoryID], a.URL)
		}
	}
	for id, m := range members {
		slices.Sort(m)
		arc.story[id] = strings.Join(m, " ")
		arc.stories = append(arc.stories, arc.story[id])
	}
	slices.Sort(arc.stories)
	return arc
}

// hash is FNV-1a of s, to compare bodies without printing them.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// hitGroups names each hit by its group, which both stores agree on even
// when they show another member of it: the canonical article's URL, or the
// story's member URLs for a story hit.
func hitGroups(hits []marsad.SearchHit, arc archive, byStory bool) []string {
	var out []string
	for _, h := range hits {
		a := h.Article
		key := "copies of " + arc.url[a.ID]
		if a.CanonicalID != 0 {
			key = "copies of " + arc.url[a.CanonicalID]
		}
		if byStory && a.StoryID != 0 {
			key = "story " + arc.story[a.StoryID]
		}
		out = append(out, fmt.Sprintf("%s +%d", key, h.Copies))
	}
	return out
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// topOverlap is the share of the first n of want found among the first n
// of got.
func topOverlap(got, want []string, n int) float64 {
	got, want = got[:min(n, len(got))], want[:min(n, len(want))]
	if len(want) == 0 {
		return 1
	}
	k := 0
	for _, w := range want {
		if slices.Contains(got, w) {
			k++
		}
	}
	return float64(k) / float64(len(want))
}
