package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/api"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

// archive is a store with the first lines of both shared archives, made
// once for the package's tests that only read.
var archive struct {
	once sync.Once
	db   *sqlite.DB
	err  error
}

const archiveLines = 600

func archiveFiles(t *testing.T) []string {
	return []string{testdata.Path(t, "saudinewsnet/articles.jsonl"), testdata.Path(t, "ant_multisource/articles.jsonl")}
}

// newServer returns the API over the shared archive, mounted as serve
// mounts it, with the data version asked on every request.
func newServer(t *testing.T) http.Handler {
	t.Helper()
	files := archiveFiles(t)
	archive.once.Do(func() {
		dir, err := os.MkdirTemp("", "marsad-api-test")
		if err != nil {
			archive.err = err
			return
		}
		archive.db, archive.err = ingest.Sample(context.Background(), filepath.Join(dir, "api.db"), archiveLines, files...)
	})
	if archive.err != nil {
		t.Fatal(archive.err)
	}
	return mount(archive.db, nil, "")
}

func mount(db *sqlite.DB, ing api.Ingester, token string, base ...string) http.Handler {
	pages := app.NewPages(db, analyzer.New(), 2)
	opt := api.Options{Token: token, BaseURL: "https://marsad.test", VersionEvery: time.Nanosecond}
	if len(base) > 0 {
		opt.BaseURL = base[0]
	}
	srv := api.New(pages, db, ing, opt)
	mux := http.NewServeMux()
	for _, p := range api.Routes() {
		mux.Handle(p, srv)
	}
	return mux
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, h http.Handler, method, target string, body io.Reader, header ...string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return answer{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
	return v
}

// spec is the OpenAPI document with its schemas compiled.
type spec struct {
	doc   map[string]any
	c     *jsonschema.Compiler
	paths []string
}

const specURL = "https://marsad.test/openapi.json"

func loadSpec(t *testing.T, body []byte) *spec {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v, want 3.1.0", doc["openapi"])
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(specURL, inst); err != nil {
		t.Fatal(err)
	}
	s := &spec{doc: doc, c: c}
	for p := range doc["paths"].(map[string]any) {
		s.paths = append(s.paths, p)
	}
	sort.Strings(s.paths)
	return s
}

// route finds the document's path for a request path: literal segments
// win over parameters (/stories/top over /stories/{id}).
func (s *spec) route(path string) string {
	best, bestScore := "", -1
	segs := strings.Split(path, "/")
	for _, p := range s.paths {
		ps := strings.Split(p, "/")
		if len(ps) != len(segs) {
			continue
		}
		score := 0
		for i := range ps {
			switch {
			case ps[i] == segs[i]:
				score++
			case strings.HasPrefix(ps[i], "{") && segs[i] != "":
			default:
				score = -1
			}
			if score < 0 {
				break
			}
		}
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	return best
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// check validates an answer against the document: the route and method
// are documented, the status is one of the route's, the content type is
// one it names, and a JSON body matches the schema.
func (s *spec) check(t *testing.T, method, target string, a answer) {
	t.Helper()
	u, _ := url.Parse(target)
	route := s.route(u.Path)
	if route == "" {
		t.Errorf("%s %s: no path of the document matches", method, target)
		return
	}
	op, ok := s.doc["paths"].(map[string]any)[route].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Errorf("%s %s: method not documented under %s", method, target, route)
		return
	}
	status := fmt.Sprint(a.status)
	resp, ok := op["responses"].(map[string]any)[status].(map[string]any)
	if !ok {
		t.Errorf("%s %s: status %s not documented (body %.200s)", method, target, status, a.body)
		return
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		return
	}
	ctype, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
	if _, ok := content[ctype]; !ok {
		t.Errorf("%s %s: content type %q not documented for %s", method, target, ctype, status)
		return
	}
	if ctype != "application/json" && ctype != "application/feed+json" {
		return
	}
	loc := specURL + "#/paths/" + pointerEscape(route) + "/" + strings.ToLower(method) + "/responses/" + status +
		"/content/" + pointerEscape(ctype) + "/schema"
	sch, err := s.c.Compile(loc)
	if err != nil {
		t.Fatalf("compile %s: %v", loc, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.body))
	if err != nil {
		t.Errorf("%s %s: body is not JSON: %v", method, target, err)
		return
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s %s: answer does not match the document: %v\nbody: %.400s", method, target, err, a.body)
	}
}

// TestOpenAPIDescribesEveryAnswer calls every route of the document on
// real data — lists and their next pages, one item of each kind, the
// errors a client can cause — and checks each answer against the
// document; a documented route no request reached fails the test.
func TestOpenAPIDescribesEveryAnswer(t *testing.T) {
	h := newServer(t)
	raw := do(t, h, "GET", "/api/v1/openapi.json", nil)
	if raw.status != 200 {
		t.Fatalf("openapi.json: %d", raw.status)
	}
	s := loadSpec(t, raw.body)
	reached := map[string]bool{"GET /api/v1/openapi.json": true}
	get := func(target string, header ...string) answer {
		t.Helper()
		a := do(t, h, "GET", target, nil, header...)
		s.check(t, "GET", target, a)
		u, _ := url.Parse(target)
		reached["GET "+s.route(u.Path)] = true
		return a
	}

	arts := get("/api/v1/articles?limit=50")
	list := decode[api.List[api.ArticleRef]](t, arts)
	if arts.status != 200 || len(list.Items) != 50 || list.NextCursor == nil || list.Total < archiveLines {
		t.Fatalf("articles: %d, %d items of %d, next %v", arts.status, len(list.Items), list.Total, list.NextCursor)
	}
	next := decode[api.List[api.ArticleRef]](t, get("/api/v1/articles?limit=50&cursor="+*list.NextCursor))
	if len(next.Items) == 0 || next.Items[0].ID <= list.Items[49].ID {
		t.Errorf("the next page does not go on after id %d", list.Items[49].ID)
	}
	newest := decode[api.List[api.ArticleRef]](t, get("/api/v1/articles?order=newest&limit=5&source="+list.Items[0].Source.Key))
	for i, a := range newest.Items {
		if a.Source.Key != list.Items[0].Source.Key || (i > 0 && a.Published.After(newest.Items[i-1].Published)) {
			t.Errorf("newest of one source: item %d is %s at %s", i, a.Source.Key, a.Published)
		}
	}
	get("/api/v1/articles?cursor=bogus")
	get("/api/v1/articles?limit=1000")
	get("/api/v1/articles?source=no-such-outlet")

	// An article with copies and a story, found among the listed ones.
	var withStory api.Article
	for _, ref := range append(list.Items, next.Items...) {
		a := decode[api.Article](t, get(fmt.Sprintf("/api/v1/articles/%d", ref.ID)))
		if a.Story != nil && len(a.Copies) > 0 {
			withStory = a
			break
		}
	}
	if withStory.ID == 0 {
		t.Fatal("no article among the first 100 has both copies and a story")
	}
	get("/api/v1/articles/999999999")
	get("/api/v1/articles/abc")
	get("/api/v1/articles/lookup?url=" + url.QueryEscape(withStory.URL))
	get("/api/v1/articles/lookup?url=" + url.QueryEscape("https://nowhere.example/x"))
	get("/api/v1/articles/lookup?url=ftp%3A%2F%2Fx")

	stories := decode[api.List[api.Story]](t, get("/api/v1/stories?limit=10"))
	if len(stories.Items) != 10 || stories.NextCursor == nil {
		t.Fatalf("stories: %d items, next %v", len(stories.Items), stories.NextCursor)
	}
	get("/api/v1/stories?cursor=" + *stories.NextCursor)
	// A cursor of one list is refused by another.
	if a := get("/api/v1/stories?cursor=" + *list.NextCursor); a.status != 400 {
		t.Errorf("an articles cursor given to stories: %d", a.status)
	}
	top := decode[api.List[api.Story]](t, get("/api/v1/stories/top"))
	if len(top.Items) == 0 {
		t.Error("no top stories")
	}
	st := decode[api.StoryDetail](t, get(fmt.Sprintf("/api/v1/stories/%d", withStory.Story.ID)))
	if st.Story.ID != withStory.Story.ID || len(st.Groups) == 0 {
		t.Errorf("story %d: %+v", withStory.Story.ID, st.Story)
	}
	big := top.Items[0]
	for _, s := range top.Items {
		if s.Articles > big.Articles {
			big = s
		}
	}
	if bs := decode[api.StoryDetail](t, get(fmt.Sprintf("/api/v1/stories/%d", big.ID))); bs.NextCursor != nil {
		get(fmt.Sprintf("/api/v1/stories/%d?cursor=%s", big.ID, *bs.NextCursor))
	}
	get("/api/v1/stories/999999999")

	// Tags: the document says 404 while no tag source is set.
	if len(withStory.Tags) > 0 {
		get("/api/v1/tags/" + url.PathEscape(withStory.Tags[0]))
	} else {
		get("/api/v1/tags/" + url.PathEscape("السعودية"))
	}

	srcs := decode[api.List[api.Outlet]](t, get("/api/v1/sources"))
	if len(srcs.Items) < 10 {
		t.Errorf("%d sources", len(srcs.Items))
	}
	sd := decode[api.SourceDetail](t, get("/api/v1/sources/"+srcs.Items[0].Source.Key))
	if sd.NextCursor == nil || len(sd.Articles) == 0 {
		t.Errorf("source %s: %d articles, next %v", srcs.Items[0].Source.Key, len(sd.Articles), sd.NextCursor)
	} else {
		get("/api/v1/sources/" + srcs.Items[0].Source.Key + "?cursor=" + *sd.NextCursor)
	}
	get("/api/v1/sources/no-such-outlet")
	get("/api/v1/feeds")

	res := decode[api.List[api.SearchHit]](t, get("/api/v1/search?q="+url.QueryEscape("الرياض")))
	if len(res.Items) == 0 || res.NextCursor == nil {
		t.Fatalf("search: %d hits, next %v", len(res.Items), res.NextCursor)
	}
	get("/api/v1/search?q=" + url.QueryEscape("الرياض") + "&cursor=" + *res.NextCursor)
	get("/api/v1/search?q=" + url.QueryEscape(`"غير مغلق`) + "&from=2015-13-01")

	for _, ext := range []string{"atom", "rss", "json"} {
		get("/feeds/home." + ext)
		get("/feeds/search." + ext + "?q=" + url.QueryEscape("الرياض"))
		get(fmt.Sprintf("/feeds/stories/%d.%s", big.ID, ext))
		get("/feeds/sources/" + srcs.Items[0].Source.Key + "." + ext)
		get("/feeds/tags/" + url.PathEscape("السعودية") + "." + ext)
	}
	get("/feeds/stories/1.txt")
	get("/feeds/search.atom")

	post := do(t, h, "POST", "/api/v1/articles", strings.NewReader(`{"url":"https://x.example/1"}`), "Content-Type", "application/json")
	s.check(t, "POST", "/api/v1/articles", post)
	reached["POST /api/v1/articles"] = true

	for _, p := range s.paths {
		if strings.HasPrefix(p, "/api/v1/admin/") {
			continue // TestOpenAPIDescribesTheAdminAPI reaches them
		}
		for method := range s.doc["paths"].(map[string]any)[p].(map[string]any) {
			if !reached[strings.ToUpper(method)+" "+p] {
				t.Errorf("%s %s is documented but no request of the test reached it", strings.ToUpper(method), p)
			}
		}
	}
}

// TestErrorsAreJSON: every refusal is {code, message} with the status
// its code maps to.
func TestErrorsAreJSON(t *testing.T) {
	h := newServer(t)
	for _, tc := range []struct {
		target string
		status int
		code   string
	}{
		{"/api/v1/articles/999999999", 404, "not_found"},
		{"/api/v1/articles?limit=0", 400, "invalid"},
		{"/api/v1/articles?cursor=eyJsIjoic3RvcmllczoifQ", 400, "invalid"},
		{"/api/v1/nothing-here", 404, "not_found"},
		{"/api/v1/search?q=" + url.QueryEscape("a OR"), 400, "invalid"},
		{"/feeds/home.xml", 404, "not_found"},
	} {
		a := do(t, h, "GET", tc.target, nil)
		e := decode[api.Error](t, a)
		if a.status != tc.status || e.Code != tc.code || e.Message == "" {
			t.Errorf("%s: %d %+v, want %d %s", tc.target, a.status, e, tc.status, tc.code)
		}
	}
}

// TestLookupCanonicalizesAsImportDoes: a URL exactly as the archive gives
// it — Arabic letters unencoded, or with a tracking parameter added —
// finds the article stored from it.
func TestLookupCanonicalizesAsImportDoes(t *testing.T) {
	h := newServer(t)
	f, err := os.Open(archiveFiles(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	arabic := ""
	for n := 0; sc.Scan() && n < archiveLines; n++ {
		var rec struct{ URL string }
		json.Unmarshal(sc.Bytes(), &rec)
		if strings.ContainsFunc(rec.URL, func(r rune) bool { return r >= 0x0600 && r <= 0x06FF }) {
			arabic = rec.URL
			break
		}
	}
	if arabic == "" {
		t.Fatal("no URL with Arabic letters in the sample")
	}
	var ids []int64
	for _, u := range []string{arabic, arabic + "?utm_source=twitter", strings.Replace(arabic, "://", "://WWW.", 1)} {
		a := do(t, h, "GET", "/api/v1/articles/lookup?url="+url.QueryEscape(u), nil)
		if a.status != 200 && !strings.Contains(u, "WWW.") {
			t.Fatalf("lookup %s: %d %s", u, a.status, a.body)
		}
		if a.status == 200 {
			ids = append(ids, decode[api.Article](t, a).ID)
		}
	}
	if len(ids) < 2 || ids[0] != ids[1] {
		t.Errorf("one page, ids %v", ids)
	}
}

// TestIngestByAPI: JSONL through the pipeline with a token; bad lines are
// answered with their number and reason and the rest is stored and found.
func TestIngestByAPI(t *testing.T) {
	files := archiveFiles(t)
	ctx := context.Background()
	db, err := ingest.Sample(ctx, filepath.Join(t.TempDir(), "ingest.db"), 50, files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	an := analyzer.New()
	pipe := app.New(db, an, nil).Pipeline()
	h := mount(db, pipe, "s3cret")

	// Three real lines of the other archive, with bad lines between them.
	f, err := os.Open(files[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	var good []string
	for len(good) < 3 && sc.Scan() {
		good = append(good, sc.Text())
	}
	var urls []string
	for _, l := range good {
		var rec struct{ URL string }
		json.Unmarshal([]byte(l), &rec)
		urls = append(urls, rec.URL)
	}
	body := strings.Join([]string{good[0], `{"url": broken`, good[1], `{"title":"بلا رابط","body":"نص"}`, good[2]}, "\n")

	before := do(t, h, "GET", "/api/v1/articles/lookup?url="+url.QueryEscape(urls[1]), nil)
	if before.status != 404 {
		t.Fatalf("before the POST: %d", before.status)
	}
	for _, tc := range []struct {
		name, token, ctype string
		status             int
	}{
		{"no token", "", "application/x-ndjson", 401},
		{"wrong token", "s3cret-not", "application/x-ndjson", 401},
		{"wrong type", "s3cret", "text/plain", 415},
	} {
		hdr := []string{"Content-Type", tc.ctype}
		if tc.token != "" {
			hdr = append(hdr, "Authorization", "Bearer "+tc.token)
		}
		if a := do(t, h, "POST", "/api/v1/articles", strings.NewReader(body), hdr...); a.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
		}
	}
	a := do(t, h, "POST", "/api/v1/articles", strings.NewReader(body), "Content-Type", "application/x-ndjson", "Authorization", "Bearer s3cret")
	if a.status != 200 {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	res := decode[api.IngestResult](t, a)
	if res.Read != 5 || res.Imported != 3 || res.Invalid != 2 || len(res.Problems) != 2 ||
		res.Problems[0].Line != 2 || res.Problems[1].Line != 4 || !strings.Contains(res.Problems[1].Reason, "url") {
		t.Errorf("result %+v", res)
	}
	// The store changed: the cached 404 is gone.
	if after := do(t, h, "GET", "/api/v1/articles/lookup?url="+url.QueryEscape(urls[1]), nil); after.status != 200 {
		t.Errorf("after the POST: %d %s", after.status, after.body)
	}
	// Again: nothing new.
	a = do(t, h, "POST", "/api/v1/articles", strings.NewReader(good[0]), "Content-Type", "application/json", "Authorization", "Bearer s3cret")
	if res := decode[api.IngestResult](t, a); a.status != 200 || res.Unchanged != 1 || res.Imported != 0 {
		t.Errorf("the same article again: %d %s", a.status, a.body)
	}
	// The page's other scheme: the same article, kept under https, found
	// by either form.
	other := strings.Replace(good[0], `"url": "http://`, `"url": "https://`, 1)
	if other == good[0] {
		other = strings.Replace(good[0], `"url": "https://`, `"url": "http://`, 1)
	}
	if other == good[0] {
		t.Fatalf("no http(s) URL in %.200s", good[0])
	}
	a = do(t, h, "POST", "/api/v1/articles", strings.NewReader(other), "Content-Type", "application/json", "Authorization", "Bearer s3cret")
	if res := decode[api.IngestResult](t, a); a.status != 200 || res.Unchanged != 1 || res.Imported != 0 {
		t.Errorf("the article under its other scheme: %d %s", a.status, a.body)
	}
	var found []api.Article
	for _, u := range []string{strings.Replace(urls[0], "https://", "http://", 1), strings.Replace(urls[0], "http://", "https://", 1)} {
		a := do(t, h, "GET", "/api/v1/articles/lookup?url="+url.QueryEscape(u), nil)
		if a.status != 200 {
			t.Fatalf("lookup %s: %d %s", u, a.status, a.body)
		}
		found = append(found, decode[api.Article](t, a))
	}
	if found[0].ID != found[1].ID || !strings.HasPrefix(found[0].URL, "https://") {
		t.Errorf("both forms of %s: articles %d at %s and %d at %s, want one at https", urls[0], found[0].ID, found[0].URL, found[1].ID, found[1].URL)
	}
	// One bad object: 400 naming the reason.
	a = do(t, h, "POST", "/api/v1/articles", strings.NewReader(`{"url":"https://x.example/a"}`), "Content-Type", "application/json", "Authorization", "Bearer s3cret")
	if e := decode[api.Error](t, a); a.status != 400 || !strings.Contains(e.Message, "line 1") {
		t.Errorf("one article without text: %d %s", a.status, a.body)
	}
	// Without a configured token, ingest is off whatever the client sends.
	off := mount(db, pipe, "")
	if a := do(t, off, "POST", "/api/v1/articles", strings.NewReader(good[0]), "Content-Type", "application/json", "Authorization", "Bearer "); a.status != 403 {
		t.Errorf("ingest with no token configured: %d", a.status)
	}
}

// atomDoc is what RFC 4287 requires of a feed and its entries.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Authors []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

// TestFeedsOut: every feed out parses back (gofeed) with the items the
// API lists, Atom carries RFC 4287's required elements, and validators
// answer 304.
func TestFeedsOut(t *testing.T) {
	h := newServer(t)
	top := decode[api.List[api.Story]](t, do(t, h, "GET", "/api/v1/stories/top", nil))
	srcs := decode[api.List[api.Outlet]](t, do(t, h, "GET", "/api/v1/sources", nil))
	if len(top.Items) == 0 || len(srcs.Items) == 0 {
		t.Fatal("no stories or sources")
	}
	feeds := []string{"/feeds/home", fmt.Sprintf("/feeds/stories/%d", top.Items[0].ID), "/feeds/sources/" + srcs.Items[0].Source.Key}
	for _, base := range feeds {
		var titles [][]string
		for _, ext := range []string{"atom", "rss", "json"} {
			target := base + "." + ext
			a := do(t, h, "GET", target, nil)
			if a.status != 200 {
				t.Fatalf("%s: %d %s", target, a.status, a.body)
			}
			feed, err := gofeed.NewParser().ParseString(string(a.body))
			if err != nil {
				t.Fatalf("%s does not parse: %v", target, err)
			}
			if want := map[string]string{"atom": "atom", "rss": "rss", "json": "json"}[ext]; feed.FeedType != want {
				t.Errorf("%s parses as %s", target, feed.FeedType)
			}
			if len(feed.Items) == 0 || feed.Title == "" {
				t.Errorf("%s: %d items, title %q", target, len(feed.Items), feed.Title)
			}
			var ts []string
			for _, it := range feed.Items {
				if it.Title == "" || it.Link == "" || it.PublishedParsed == nil {
					t.Errorf("%s: item %+v lacks title, link or date", target, it)
				}
				ts = append(ts, it.Title)
			}
			titles = append(titles, ts)
			if ext == "atom" {
				var d atomDoc
				if err := xml.Unmarshal(a.body, &d); err != nil {
					t.Fatal(err)
				}
				if d.ID == "" || d.Title == "" || d.Updated == "" || len(d.Authors) == 0 || !slices.ContainsFunc(d.Links, func(l struct {
					Rel  string `xml:"rel,attr"`
					Href string `xml:"href,attr"`
				}) bool {
					return l.Rel == "self" && strings.HasSuffix(l.Href, target)
				}) {
					t.Errorf("%s: feed lacks id, title, updated, author or self link", target)
				}
				for _, e := range d.Entries {
					if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.ID == "" || e.Title == "" || len(e.Links) == 0 {
						t.Errorf("%s: entry %q lacks id, title, updated or link", target, e.ID)
					}
				}
			}
			// Validators: the same answer is not sent twice.
			if a2 := do(t, h, "GET", target, nil, "If-None-Match", a.header.Get("ETag")); a2.status != 304 {
				t.Errorf("%s with its ETag: %d", target, a2.status)
			}
			lm := a.header.Get("Last-Modified")
			if a2 := do(t, h, "GET", target, nil, "If-Modified-Since", lm); lm == "" || a2.status != 304 {
				t.Errorf("%s with Last-Modified %q: %d", target, lm, a2.status)
			}
			if a2 := do(t, h, "GET", target, nil, "If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"); a2.status != 200 {
				t.Errorf("%s modified since 2006: %d", target, a2.status)
			}
		}
		if !slices.Equal(titles[0], titles[1]) || !slices.Equal(titles[0], titles[2]) {
			t.Errorf("%s: the three formats list different items", base)
		}
	}
	// The home feed lists the latest stories the API lists.
	latest := decode[api.List[api.Story]](t, do(t, h, "GET", "/api/v1/stories?limit=5", nil))
	feed, _ := gofeed.NewParser().ParseString(string(do(t, h, "GET", "/feeds/home.atom", nil).body))
	for i, s := range latest.Items {
		if feed.Items[i].Title != s.Title {
			t.Errorf("home feed item %d: %q, API: %q", i, feed.Items[i].Title, s.Title)
		}
	}
	// Without a base URL, a feed names the host it was asked at, each its own.
	bare := mount(archive.db, nil, "", "")
	for _, host := range []string{"one.example", "two.example"} {
		req := httptest.NewRequest("GET", "/feeds/home.atom", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		bare.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), "http://"+host+"/") {
			t.Errorf("the feed asked at %s does not link to it", host)
		}
	}
	// Compressed when asked.
	if a := do(t, h, "GET", "/feeds/home.rss", nil, "Accept-Encoding", "gzip"); a.header.Get("Content-Encoding") != "gzip" {
		t.Error("feed not compressed for a gzip client")
	}
}
