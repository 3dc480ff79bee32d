package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

func testSaveAndReadBack(t *testing.T, h *harness) {
	in := &marsad.ArticleInput{
		Article: &marsad.Article{
			URL: "https://okaz.example/news/1", ExternalID: "ext-1",
			// Display text with what a normalizer would change (hamza,
			// tatweel, diacritics, a trailing space): it comes back as it was.
			Title: "أمـيرُ المنطقة يفتتح مشروعاً ", Summary: "ملخص الخبر",
			Body: "الفقرة الأولى.\nالفقرة الثانية.", HTML: "<p>الفقرة الأولى.</p>", Author: "محرر",
			Category: "محليات", Lang: "ar", Tags: []string{"الرياض", "مشاريع"},
			Published: hour(0), Fetched: hour(1), PublishedClaimed: hour(72),
			// A hash with the top bit set: stores without unsigned integers
			// must keep all 64 bits.
			ContentHash: 1<<63 | 0x1234_5678_9abc,
		},
		Source:     &marsad.Source{Key: "okaz", Name: "عكاظ", Domain: "okaz.example"},
		TitleTerms: "امير منطقه", BodyTerms: "فقره اول",
	}
	res, err := h.SaveArticles(ctx(t), []*marsad.ArticleInput{in,
		{Article: &marsad.Article{URL: "https://okaz.example/news/2", Title: "ثان", Published: hour(2)},
			Source: &marsad.Source{Key: "okaz", Name: "عكاظ"}}})
	check(t, "save", err)
	if len(res) != 2 || !res[0].Inserted || !res[1].Inserted || res[0].ID <= 0 || res[1].ID <= 0 || res[0].ID == res[1].ID {
		t.Fatalf("save results %+v, want two new distinct ids", res)
	}
	src, err := h.FindSourceByKey(ctx(t), "okaz")
	check(t, "source created on save", err)
	if src.Name != "عكاظ" || src.ID <= 0 {
		t.Errorf("source created on save: %+v", src)
	}
	want := *in.Article
	want.ID, want.SourceID, want.Source, want.SourceName = res[0].ID, src.ID, "okaz", "عكاظ"
	for name, find := range map[string]func() (*marsad.Article, error){
		"by id":  func() (*marsad.Article, error) { return h.FindArticleByID(ctx(t), res[0].ID) },
		"by url": func() (*marsad.Article, error) { return h.FindArticleByURL(ctx(t), in.Article.URL) },
	} {
		got, err := find()
		check(t, "find "+name, err)
		if d := articleDiff(got, &want); d != "" {
			t.Errorf("read back %s: %s", name, d)
		}
	}
	second := article(t, h, res[1].ID)
	if second.SourceID != src.ID || len(second.Tags) != 0 || second.CanonicalID != 0 || second.StoryID != 0 {
		t.Errorf("second article: %+v, want source %d, no tags, no copy link, no story", second, src.ID)
	}
	list, _, err := h.FindArticles(ctx(t), marsad.ArticleFilter{ID: &res[0].ID, NoText: true})
	check(t, "find without text", err)
	if len(list) != 1 || list[0].Title != want.Title || list[0].Body != "" || list[0].HTML != "" || list[0].Summary != "" {
		t.Errorf("NoText: got %+v, want the title and no body, HTML or summary", list)
	}
	if n, err := h.CountArticles(ctx(t)); err != nil || n != 2 {
		t.Errorf("count = %d, %v; want 2", n, err)
	}
}

// articleDiff names the first fields where got differs from want.
func articleDiff(got, want *marsad.Article) string {
	var d []string
	field := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			d = append(d, fmt.Sprintf("%s = %q, want %q", name, fmt.Sprint(g), fmt.Sprint(w)))
		}
	}
	field("ID", got.ID, want.ID)
	field("URL", got.URL, want.URL)
	field("SourceID", got.SourceID, want.SourceID)
	field("Source", got.Source, want.Source)
	field("SourceName", got.SourceName, want.SourceName)
	field("ExternalID", got.ExternalID, want.ExternalID)
	field("Title", got.Title, want.Title)
	field("Summary", got.Summary, want.Summary)
	field("Body", got.Body, want.Body)
	field("HTML", got.HTML, want.HTML)
	field("Author", got.Author, want.Author)
	field("Category", got.Category, want.Category)
	field("Lang", got.Lang, want.Lang)
	field("Tags", got.Tags, want.Tags)
	field("ContentHash", got.ContentHash, want.ContentHash)
	field("CanonicalID", got.CanonicalID, want.CanonicalID)
	field("StoryID", got.StoryID, want.StoryID)
	for _, tm := range []struct {
		name      string
		got, want time.Time
	}{{"Published", got.Published, want.Published}, {"Fetched", got.Fetched, want.Fetched},
		{"PublishedClaimed", got.PublishedClaimed, want.PublishedClaimed}} {
		if !tm.got.Equal(tm.want) {
			d = append(d, fmt.Sprintf("%s = %v, want %v", tm.name, tm.got, tm.want))
		}
	}
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprint(d)
}

// testKeepID: a restored article keeps its id (gaps and all), the next
// article without one gets a fresh id above every kept one, a kept id that
// holds another URL is refused with nothing saved, and the same article
// restored again is left as it is.
func testKeepID(t *testing.T, h *harness) {
	check(t, "register stages", h.RegisterStages(ctx(t), []string{"dedup"}))
	kept := func(id int64, url string) *marsad.ArticleInput {
		in := input(url, "a", hour(int(id)), "", "")
		in.Article.ID, in.KeepID = id, true
		return in
	}
	res, err := h.SaveArticles(ctx(t), []*marsad.ArticleInput{kept(7, "https://a.example/7"), kept(3, "https://a.example/3")})
	check(t, "save with kept ids", err)
	if res[0] != (marsad.SaveResult{ID: 7, Inserted: true}) || res[1] != (marsad.SaveResult{ID: 3, Inserted: true}) {
		t.Fatalf("kept ids: results %+v, want 7 and 3 inserted", res)
	}
	if a := article(t, h, 7); a.URL != "https://a.example/7" {
		t.Errorf("article 7 is %s", a.URL)
	}
	// An id set without KeepID is not taken (a retried save may carry a
	// rolled-back attempt's id).
	plain := input("https://a.example/new", "a", hour(9), "", "")
	plain.Article.ID = 3
	res, err = h.SaveArticles(ctx(t), []*marsad.ArticleInput{plain})
	check(t, "save without KeepID", err)
	if !res[0].Inserted || res[0].ID <= 7 {
		t.Errorf("next id after kept ones: %+v, want a new id above 7", res[0])
	}
	res, err = h.SaveArticles(ctx(t), []*marsad.ArticleInput{kept(3, "https://a.example/3")})
	check(t, "restore again", err)
	if res[0] != (marsad.SaveResult{ID: 3}) {
		t.Errorf("restored again: %+v, want {ID:3 Inserted:false}", res[0])
	}
	_, err = h.SaveArticles(ctx(t), []*marsad.ArticleInput{kept(20, "https://a.example/20"), kept(7, "https://a.example/other")})
	if code := marsad.ErrorCode(err); code != marsad.ECONFLICT {
		t.Errorf("kept id holding another URL: code %q (%v), want %s", code, err, marsad.ECONFLICT)
	}
	if _, err := h.FindArticleByID(ctx(t), 20); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("a refused batch saved article 20 (err %v)", err)
	}
	_, err = h.SaveArticles(ctx(t), []*marsad.ArticleInput{kept(0, "https://a.example/zero")})
	if code := marsad.ErrorCode(err); code != marsad.EINVALID {
		t.Errorf("KeepID without an id: code %q, want %s", code, marsad.EINVALID)
	}
	wantIDs(t, "owed: every inserted article", allOwed(t, h, "dedup"), []int64{3, 7, res0ID(t, h, "https://a.example/new")})
}

func res0ID(t *testing.T, h *harness, url string) int64 {
	t.Helper()
	a, err := h.FindArticleByURL(ctx(t), url)
	check(t, "find "+url, err)
	return a.ID
}

func testReingestIsIdempotent(t *testing.T, h *harness) {
	check(t, "register stages", h.RegisterStages(ctx(t), []string{"dedup"}))
	first := input("https://a.example/1", "a", hour(0), "اول", "")
	res, err := h.SaveArticles(ctx(t), []*marsad.ArticleInput{first})
	check(t, "first save", err)
	id := res[0].ID
	before := article(t, h, id)
	check(t, "complete", h.CompleteWork(ctx(t), "dedup", []int64{id}))

	// The same URL again, with other text and source, alone and twice in
	// one batch next to a new article.
	again := input("https://a.example/1", "b", hour(5), "اخر", "")
	again.Article.Title = "عنوان آخر"
	res, err = h.SaveArticles(ctx(t), []*marsad.ArticleInput{again, input("https://a.example/2", "a", hour(1), "", ""), again})
	check(t, "second save", err)
	if res[0] != (marsad.SaveResult{ID: id}) || res[2] != (marsad.SaveResult{ID: id}) {
		t.Errorf("re-ingest: results %+v, want {ID:%d Inserted:false} for the stored URL", res, id)
	}
	if !res[1].Inserted || res[1].ID == id {
		t.Errorf("re-ingest: new article next to it: %+v, want inserted with its own id", res[1])
	}
	if d := articleDiff(article(t, h, id), before); d != "" {
		t.Errorf("re-ingest changed the stored article: %s", d)
	}
	if n, _ := h.CountArticles(ctx(t)); n != 2 {
		t.Errorf("count after re-ingest = %d, want 2", n)
	}
	wantIDs(t, "owed after re-ingest (the done article is not owed again)", allOwed(t, h, "dedup"), []int64{res[1].ID})

	// A duplicate inside the first batch that stores the URL: one article.
	res, err = h.SaveArticles(ctx(t), []*marsad.ArticleInput{
		input("https://a.example/3", "a", hour(2), "", ""), input("https://a.example/3", "a", hour(2), "", "")})
	check(t, "batch with a duplicate", err)
	if !res[0].Inserted || res[1].Inserted || res[0].ID != res[1].ID {
		t.Errorf("a URL twice in one new batch: %+v, want inserted once, one id", res)
	}
	if n, _ := h.CountArticles(ctx(t)); n != 3 {
		t.Errorf("count = %d, want 3", n)
	}
}

// testOnePagePerScheme: the http:// and https:// forms of a URL are one
// page, stored once whichever came first and however they were batched;
// the https form is kept once seen; a lookup by either form finds it, and
// pages that differ in anything but the scheme stay apart.
func testOnePagePerScheme(t *testing.T, h *harness) {
	cases := []struct {
		name    string
		batches [][]string // URL paths on the case's own host, "s:" for https, "p:" for http
		want    string     // the stored form of /1
		pages   int        // articles on the case's host
	}{
		{"http first, https in a later save", [][]string{{"p:/1"}, {"s:/1"}}, "s:/1", 1},
		{"https first, http in a later save", [][]string{{"s:/1"}, {"p:/1"}}, "s:/1", 1},
		{"http then https in one batch", [][]string{{"p:/1", "s:/1"}}, "s:/1", 1},
		{"https then http in one batch", [][]string{{"s:/1", "p:/1"}}, "s:/1", 1},
		{"http only, twice", [][]string{{"p:/1"}, {"p:/1", "p:/1"}}, "p:/1", 1},
		{"http, https, http again", [][]string{{"p:/1"}, {"s:/1"}, {"p:/1"}}, "s:/1", 1},
		{"another path is another page", [][]string{{"p:/1", "s:/1/"}, {"s:/2"}}, "p:/1", 3},
	}
	for n, c := range cases {
		host := fmt.Sprintf("case%d.example", n)
		form := func(spec string) string {
			scheme := map[string]string{"s": "https", "p": "http"}[spec[:1]]
			return scheme + "://" + host + spec[2:]
		}
		var id int64
		for b, batch := range c.batches {
			var in []*marsad.ArticleInput
			for _, spec := range batch {
				in = append(in, input(form(spec), "a", hour(b), "", ""))
			}
			res, err := h.SaveArticles(ctx(t), in)
			check(t, c.name, err)
			for i, spec := range batch {
				if spec[2:] != "/1" {
					continue
				}
				switch {
				case id == 0 && res[i].Inserted:
					id = res[i].ID
				case res[i].Inserted || res[i].ID != id:
					t.Errorf("%s: save %d of %s gave %+v, want the stored article %d unchanged", c.name, b+1, form(spec), res[i], id)
				}
			}
		}
		for _, spec := range []string{"p:/1", "s:/1"} {
			a, err := h.FindArticleByURL(ctx(t), form(spec))
			check(t, c.name+": find "+form(spec), err)
			if a.ID != id || a.URL != form(c.want) {
				t.Errorf("%s: find %s = article %d at %s, want %d at %s", c.name, form(spec), a.ID, a.URL, id, form(c.want))
			}
			u := form(spec)
			list, total, err := h.FindArticles(ctx(t), marsad.ArticleFilter{URL: &u})
			check(t, c.name+": filter", err)
			if total != 1 || len(list) != 1 || list[0].ID != id {
				t.Errorf("%s: filter by %s = %v (total %d), want [%d]", c.name, u, ids(list), total, id)
			}
		}
		src, err := h.FindSourceByKey(ctx(t), "a")
		check(t, c.name, err)
		all, _, err := h.FindArticles(ctx(t), marsad.ArticleFilter{SourceID: &src.ID})
		check(t, c.name, err)
		got := 0
		for _, a := range all {
			if strings.Contains(a.URL, "://"+host+"/") {
				got++
			}
		}
		if got != c.pages {
			t.Errorf("%s: %d articles stored, want %d", c.name, got, c.pages)
		}
	}
}

func testSaveRefusesArticleWithoutURL(t *testing.T, h *harness) {
	for name, batch := range map[string][]*marsad.ArticleInput{
		"empty URL":  {input("https://a.example/ok", "a", hour(0), "", ""), input("", "a", hour(0), "", "")},
		"no article": {input("https://a.example/ok", "a", hour(0), "", ""), {Source: &marsad.Source{Key: "a"}}},
	} {
		_, err := h.SaveArticles(ctx(t), batch)
		wantCode(t, name, err, marsad.EINVALID)
		// One transaction: the valid article of the batch is not stored either.
		if n, _ := h.CountArticles(ctx(t)); n != 0 {
			t.Errorf("%s: %d articles stored from a refused batch, want 0", name, n)
		}
	}
}

func testArticlesNotFound(t *testing.T, h *harness) {
	id := seq(t, h, "x", "a", 0, 1)[0]
	_, err := h.FindArticleByID(ctx(t), id+1000)
	wantCode(t, "find missing id", err, marsad.ENOTFOUND)
	_, err = h.FindArticleByURL(ctx(t), "https://nowhere.example/")
	wantCode(t, "find missing url", err, marsad.ENOTFOUND)
	_, err = h.FindCopies(ctx(t), id+1000)
	wantCode(t, "copies of a missing article", err, marsad.ENOTFOUND)
	tooMany := make([]int64, 1001)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	_, _, err = h.FindArticles(ctx(t), marsad.ArticleFilter{IDs: tooMany})
	wantCode(t, "1001 ids in a filter", err, marsad.EINVALID)
}

func testFindArticles(t *testing.T, h *harness) {
	// Six articles an hour apart, alternating sources a and b; saved out of
	// publication order so that id order and time order differ.
	var batch []*marsad.ArticleInput
	for _, i := range []int{0, 2, 1, 3, 5, 4} {
		batch = append(batch, input(fmt.Sprintf("https://x.example/%d", i), []string{"a", "b"}[i%2], hour(i), "", ""))
	}
	saved := save(t, h, batch...)
	byHour := map[int]int64{}
	for i, hr := range []int{0, 2, 1, 3, 5, 4} {
		byHour[hr] = saved[i]
	}
	all := sorted(saved)
	srcA, err := h.FindSourceByKey(ctx(t), "a")
	check(t, "source a", err)
	url3 := "https://x.example/3"
	id1 := byHour[1]
	pick := func(hours ...int) []int64 {
		var out []int64
		for _, hr := range hours {
			out = append(out, byHour[hr])
		}
		return out
	}
	checkPages(t, []pageCase[marsad.ArticleFilter]{
		{"everything by id", marsad.ArticleFilter{}, all, 6},
		{"one id", marsad.ArticleFilter{ID: &id1}, pick(1), 1},
		{"one url", marsad.ArticleFilter{URL: &url3}, pick(3), 1},
		{"one source", marsad.ArticleFilter{SourceID: &srcA.ID}, sorted(pick(0, 2, 4)), 3},
		{"published range, From inclusive, To exclusive", marsad.ArticleFilter{From: hour(1), To: hour(3)}, sorted(pick(1, 2)), 2},
		{"any of ids", marsad.ArticleFilter{IDs: pick(5, 0, 3)}, sorted(pick(0, 3, 5)), 3},
		{"after an id", marsad.ArticleFilter{AfterID: all[3]}, all[4:], 2},
		{"after an id, limited", marsad.ArticleFilter{AfterID: all[0], Limit: 2}, all[1:3], 5},
		{"a page", marsad.ArticleFilter{Offset: 2, Limit: 2}, all[2:4], 6},
		{"the last page, short", marsad.ArticleFilter{Offset: 4, Limit: 5}, all[4:], 6},
		{"offset without limit", marsad.ArticleFilter{Offset: 3}, all[3:], 6},
		{"past the end", marsad.ArticleFilter{Offset: 10, Limit: 2}, nil, 6},
		{"newest first", marsad.ArticleFilter{Newest: true}, pick(5, 4, 3, 2, 1, 0), 6},
		{"newest first, second page", marsad.ArticleFilter{Newest: true, Offset: 2, Limit: 2}, pick(3, 2), 6},
		{"newest of one source in a range", marsad.ArticleFilter{Newest: true, SourceID: &srcA.ID, From: hour(1)}, pick(4, 2), 2},
		{"nothing matches", marsad.ArticleFilter{From: hour(10)}, nil, 0},
	}, func(f marsad.ArticleFilter) ([]*marsad.Article, int, error) { return h.FindArticles(ctx(t), f) },
		func(a *marsad.Article) int64 { return a.ID })
	if n, err := h.CountArticles(ctx(t)); err != nil || n != 6 {
		t.Errorf("count = %d, %v; want 6", n, err)
	}
}

func testSources(t *testing.T, h *harness) {
	_, err := h.FindSourceByKey(ctx(t), "okaz")
	wantCode(t, "missing source", err, marsad.ENOTFOUND)
	sabq := &marsad.Source{Key: "sabq", Name: "سبق", Domain: "sabq.example"}
	check(t, "ensure sabq", h.EnsureSource(ctx(t), sabq))
	if sabq.ID <= 0 {
		t.Fatalf("EnsureSource left ID %d", sabq.ID)
	}
	// The stored source wins over a second description of the same key.
	again := &marsad.Source{Key: "sabq", Name: "اسم آخر"}
	check(t, "ensure sabq again", h.EnsureSource(ctx(t), again))
	if again.ID != sabq.ID || again.Name != "سبق" {
		t.Errorf("EnsureSource of a stored key: %+v, want id %d and the stored name", again, sabq.ID)
	}
	okaz := &marsad.Source{Key: "okaz", Name: "عكاظ"}
	check(t, "ensure okaz", h.EnsureSource(ctx(t), okaz))
	seq(t, h, "s", "alriyadh", 0, 1) // created by a save
	got, err := h.FindSourceByKey(ctx(t), "sabq")
	check(t, "find sabq", err)
	if *got != *sabq {
		t.Errorf("FindSourceByKey = %+v, want %+v", got, sabq)
	}
	list, err := h.FindSources(ctx(t))
	check(t, "find sources", err)
	var keys []string
	for _, s := range list {
		keys = append(keys, s.Key)
	}
	if !slices.Equal(keys, []string{"alriyadh", "okaz", "sabq"}) {
		t.Errorf("FindSources keys %v, want [alriyadh okaz sabq] (by key)", keys)
	}
}
