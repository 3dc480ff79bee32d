package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/marsad/marsad"
)

func term(s string) *marsad.QueryNode {
	return &marsad.QueryNode{Op: marsad.OpTerm, Terms: []string{s}}
}

func phrase(s ...string) *marsad.QueryNode { return &marsad.QueryNode{Op: marsad.OpPhrase, Terms: s} }

func and(c ...*marsad.QueryNode) *marsad.QueryNode {
	return &marsad.QueryNode{Op: marsad.OpAnd, Children: c}
}

func or(c ...*marsad.QueryNode) *marsad.QueryNode {
	return &marsad.QueryNode{Op: marsad.OpOr, Children: c}
}

func not(c *marsad.QueryNode) *marsad.QueryNode {
	return &marsad.QueryNode{Op: marsad.OpNot, Children: []*marsad.QueryNode{c}}
}

// linkCopies records copies as near-duplicates of canonical through the
// dedup index, as the dedup stage does.
func linkCopies(t *testing.T, s marsad.Store, canonical int64, copies ...int64) {
	t.Helper()
	entries := []marsad.DedupEntry{{ID: canonical, Published: t0, Sketch: []byte{1}}}
	keys := [][]int64{{canonical}}
	for _, c := range copies {
		entries = append(entries, marsad.DedupEntry{ID: c, Published: t0, Sketch: []byte{1}, CanonicalID: canonical})
		keys = append(keys, []int64{canonical})
	}
	check(t, "link copies", s.DedupBatch(ctx(t), "dedup", nil, func(x marsad.DedupIndex) error {
		return x.Put(ctx(t), entries, keys)
	}))
}

// searchCorpus stores five articles: s1 and its two copies s4, s5 (same
// terms, other outlets), s2 with the first term in its body only, and s3
// about something else. It returns their ids by name.
func searchCorpus(t *testing.T, s marsad.Store) map[string]int64 {
	t.Helper()
	names := []string{"s1", "s2", "s3", "s4", "s5"}
	got := save(t, s,
		input("https://a.example/s1", "a", hour(0), "قمه عربيه", "رياض"),
		input("https://b.example/s2", "b", hour(1), "اقتصاد", "قمه نفط"),
		input("https://a.example/s3", "a", hour(2), "رياضه", "دوري كره"),
		input("https://c.example/s4", "c", hour(3), "قمه عربيه", "رياض"),
		input("https://d.example/s5", "d", hour(4), "قمه عربيه", "رياض"),
	)
	id := map[string]int64{}
	for i, n := range names {
		id[n] = got[i]
	}
	linkCopies(t, s, id["s1"], id["s4"], id["s5"])
	return id
}

// hitGroups renders hits as sorted "[members]+copies" strings, where
// members are the names the hit's article may be (any of a copy group).
type searchWant struct {
	groups [][]string // each hit: the names its article may be, in rank order when ranked
	copies []int
	total  int
}

func checkHits(t *testing.T, what string, id map[string]int64, hits []marsad.SearchHit, total int, want searchWant) {
	t.Helper()
	if total != want.total {
		t.Errorf("%s: total %d, want %d", what, total, want.total)
	}
	name := map[int64]string{}
	for n, i := range id {
		name[i] = n
	}
	var got []string
	for _, h := range hits {
		got = append(got, fmt.Sprintf("%s+%d", name[h.Article.ID], h.Copies))
	}
	if len(hits) != len(want.groups) {
		t.Errorf("%s: hits %v, want one of each of %v with copies %v", what, got, want.groups, want.copies)
		return
	}
	// The order among hits is the store's ranking: compare as sets.
	used := make([]bool, len(hits))
	for gi, g := range want.groups {
		found := false
		for hi, h := range hits {
			if !used[hi] && slices.Contains(g, name[h.Article.ID]) && h.Copies == want.copies[gi] {
				used[hi], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("%s: hits %v, want one of %v with %d copies", what, got, g, want.copies[gi])
		}
	}
}

func testSearch(t *testing.T, h *harness) {
	id := searchCorpus(t, h)
	group := []string{"s1", "s4", "s5"}
	tests := []struct {
		name string
		req  marsad.SearchRequest
		want searchWant
	}{
		{"a term in titles and bodies; copies are one hit", marsad.SearchRequest{Expr: term("قمه")},
			searchWant{[][]string{group, {"s2"}}, []int{2, 0}, 2}},
		{"a body term", marsad.SearchRequest{Expr: term("كره")}, searchWant{[][]string{{"s3"}}, []int{0}, 1}},
		{"no match", marsad.SearchRequest{Expr: term("مفقود")}, searchWant{nil, nil, 0}},
		{"and", marsad.SearchRequest{Expr: and(term("قمه"), term("نفط"))}, searchWant{[][]string{{"s2"}}, []int{0}, 1}},
		{"or", marsad.SearchRequest{Expr: or(term("نفط"), term("دوري"))}, searchWant{[][]string{{"s2"}, {"s3"}}, []int{0, 0}, 2}},
		{"exclusion", marsad.SearchRequest{Expr: and(term("قمه"), not(term("عربيه")))}, searchWant{[][]string{{"s2"}}, []int{0}, 1}},
		{"phrase", marsad.SearchRequest{Expr: phrase("قمه", "عربيه")}, searchWant{[][]string{group}, []int{2}, 1}},
		{"phrase in the wrong order", marsad.SearchRequest{Expr: phrase("عربيه", "قمه")}, searchWant{nil, nil, 0}},
		{"a source filter counts only its own copies", marsad.SearchRequest{Expr: term("قمه"), Sources: []string{"c"}},
			searchWant{[][]string{{"s4"}}, []int{0}, 1}},
		{"two sources", marsad.SearchRequest{Expr: term("قمه"), Sources: []string{"b", "d"}},
			searchWant{[][]string{{"s2"}, {"s5"}}, []int{0, 0}, 2}},
		{"a time range, To exclusive", marsad.SearchRequest{Expr: term("قمه"), From: hour(1), To: hour(4)},
			searchWant{[][]string{{"s2"}, {"s4"}}, []int{0, 0}, 2}},
		{"filters without an expression", marsad.SearchRequest{Sources: []string{"a"}},
			searchWant{[][]string{{"s1"}, {"s3"}}, []int{0, 0}, 2}},
		{"past the last page", marsad.SearchRequest{Expr: term("قمه"), Offset: 5, Limit: 1}, searchWant{nil, nil, 2}},
	}
	for _, tt := range tests {
		hits, total, err := h.Search(ctx(t), tt.req)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		checkHits(t, tt.name, id, hits, total, tt.want)
	}
	// Two pages of one hit: different hits, the total on each.
	var paged []int64
	for off := range 2 {
		hits, total, err := h.Search(ctx(t), marsad.SearchRequest{Expr: term("قمه"), Offset: off, Limit: 1})
		check(t, "a page", err)
		if len(hits) != 1 || total != 2 {
			t.Fatalf("page %d: %d hits, total %d; want 1 hit, total 2", off, len(hits), total)
		}
		paged = append(paged, hits[0].Article.ID)
	}
	if paged[0] == paged[1] {
		t.Errorf("pages 0 and 1 both show article %d", paged[0])
	}
	// Filters alone list newest first.
	hits, _, err := h.Search(ctx(t), marsad.SearchRequest{Sources: []string{"a", "b"}})
	check(t, "filter-only search", err)
	var order []int64
	for _, hit := range hits {
		order = append(order, hit.Article.ID)
	}
	wantIDs(t, "filter-only search, newest first", order, []int64{id["s3"], id["s2"], id["s1"]})
	for _, hit := range hits {
		if hit.Article.Title == "" || hit.Article.Source == "" {
			t.Errorf("hit %d without its title or source: %+v", hit.Article.ID, hit.Article)
		}
	}
}

func testSearchInvalid(t *testing.T, h *harness) {
	searchCorpus(t, h)
	many := make([]string, marsad.MaxSearchSources+1)
	for i := range many {
		many[i] = fmt.Sprintf("s%d", i)
	}
	for name, req := range map[string]marsad.SearchRequest{
		"an empty request":       {},
		"only a page":            {Offset: 1, Limit: 5},
		"too many sources":       {Expr: term("قمه"), Sources: many},
		"too many sources alone": {Sources: many},
		"only an exclusion":      {Expr: and(not(term("قمه")))},
		"a bare exclusion":       {Expr: not(term("قمه"))},
	} {
		_, _, err := h.Search(ctx(t), req)
		wantCode(t, name, err, marsad.EINVALID)
	}
	// Exactly the bound is accepted.
	if _, _, err := h.Search(ctx(t), marsad.SearchRequest{Expr: term("قمه"), Sources: many[:marsad.MaxSearchSources]}); err != nil {
		t.Errorf("%d sources: %v", marsad.MaxSearchSources, err)
	}
}

func testSearchByStory(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"story"}))
	id := searchCorpus(t, h)
	// s2 and s3 are one story; the s1 group has none.
	saveStories(t, h, &marsad.StoryChanges{Stage: "story",
		Assigned: map[int64]int64{id["s2"]: 7, id["s3"]: 7},
		Stories:  []*marsad.StoryRecord{storyRecord(7, "اقتصاد", id["s2"], hour(1), hour(2), 2, "a", "b")}})
	req := marsad.SearchRequest{Expr: or(term("قمه"), term("دوري"))}
	hits, total, err := h.Search(ctx(t), req)
	check(t, "search by copy group", err)
	checkHits(t, "by copy group", id, hits, total, searchWant{[][]string{{"s1", "s4", "s5"}, {"s2"}, {"s3"}}, []int{2, 0, 0}, 3})
	req.ByStory = true
	hits, total, err = h.Search(ctx(t), req)
	check(t, "search by story", err)
	checkHits(t, "by story", id, hits, total, searchWant{[][]string{{"s1", "s4", "s5"}, {"s2", "s3"}}, []int{2, 1}, 2})
}

func testReindex(t *testing.T, h *harness) {
	id := searchCorpus(t, h)
	in := input("https://a.example/s3", "a", hour(2), "سياسه", "انتخابات")
	in.Article.ID = id["s3"]
	in.Article.ContentHash = 42
	unknown := input("https://nowhere.example/", "a", hour(2), "سياسه", "")
	unknown.Article.ID = id["s5"] + 1000
	check(t, "reindex", h.ReindexArticles(ctx(t), []*marsad.ArticleInput{in, unknown}))
	for _, tt := range []struct {
		term string
		want int
	}{{"كره", 0}, {"دوري", 0}, {"سياسه", 1}, {"انتخابات", 1}, {"قمه", 2}} {
		_, total, err := h.Search(ctx(t), marsad.SearchRequest{Expr: term(tt.term)})
		check(t, "search after reindex", err)
		if total != tt.want {
			t.Errorf("after reindex, %s: %d hits, want %d", tt.term, total, tt.want)
		}
	}
	a := article(t, h, id["s3"])
	if a.ContentHash != 42 || a.Title != "عنوان https://a.example/s3" {
		t.Errorf("reindexed article: hash %d title %q, want hash 42 and the title unchanged", a.ContentHash, a.Title)
	}
	if n, _ := h.CountArticles(ctx(t)); n != 5 {
		t.Errorf("reindex of an unknown id stored something: %d articles", n)
	}
	check(t, "optimize", h.OptimizeIndex(ctx(t)))
	if _, total, err := h.Search(ctx(t), marsad.SearchRequest{Expr: term("سياسه")}); err != nil || total != 1 {
		t.Errorf("search after optimize: %d, %v", total, err)
	}
}
