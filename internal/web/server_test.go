package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/web"
	"github.com/marsad/marsad/store/sqlite"
)

func newServer(t *testing.T) (*httptest.Server, []int64) {
	ts, ids, _ := newServerWith(t)
	return ts, ids
}

// newServerWith also returns a function that ingests more articles.
func newServerWith(t *testing.T) (*httptest.Server, []int64, func(...*marsad.RawArticle)) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	an := analyzer.New()
	day := time.Date(2024, 9, 11, 9, 0, 0, 0, time.UTC)
	p := ingest.New(db, an)
	res, err := p.Ingest(ctx, []*marsad.RawArticle{
		{URL: "https://cnn.example/a", Source: "cnn", SourceName: "CNN Arabic", Published: day,
			Title: "بلينكن يبحث مع أمير قطر جهود وقف إطلاق النار",
			Body:  "أجرى وزير الخارجية الأمريكي محادثات هاتفية مع أمير قطر.\nوشدد الوزيران على أهمية المفاوضات.",
			Tags:  []string{"وزیر الخارجیة", "قطر"}},
		{URL: "https://x.example/b", Source: "x", Published: day.Add(time.Hour),
			Title: "<script>alert(1)</script> عنوان \u202Etxt.exe", Body: "نص عن الاقتصاد والنفط وتصريحات ترمب عن الأسعار."},
		{URL: "https://y.example/c", Source: "y", SourceName: "صحيفة ي", Published: day.Add(2 * time.Hour),
			Title: "بلينكن يبحث مع أمير قطر وقف إطلاق النار في غزة",
			Body:  "بحث وزير الخارجية الأمريكي أنتوني بلينكن مع أمير قطر جهود وقف إطلاق النار في غزة.\nوأكد الوزير أهمية المفاوضات."},
	})
	if err != nil || res.Imported != 3 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	srv, err := web.New(app.NewPages(db, an, 2), db, slog.New(slog.NewTextHandler(io.Discard, nil)),
		web.Options{VersionEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	more := func(raws ...*marsad.RawArticle) {
		t.Helper()
		if _, err := p.Ingest(ctx, raws); err != nil {
			t.Fatal(err)
		}
	}
	return ts, []int64{res.Inserted[0].Article.ID, res.Inserted[1].Article.ID}, more
}

// storyOf reads the story id of an article from the link on its page.
func storyOf(t *testing.T, ts *httptest.Server, article int64) int64 {
	t.Helper()
	_, body := get(t, ts.URL+"/articles/"+itoa(article))
	i := strings.Index(body, `href="/stories/`)
	if i < 0 {
		t.Fatalf("article page has no story link")
	}
	rest := body[i+len(`href="/stories/`):]
	id, err := strconv.ParseInt(rest[:strings.IndexByte(rest, '"')], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPages(t *testing.T) {
	ts, ids := newServer(t)
	story := itoa(storyOf(t, ts, ids[0]))
	tests := []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"home lists the top story once with its outlets", "/", 200,
			[]string{`lang="ar" dir="rtl"`, "أبرز القصص", "مصدران · مقالان", "آخر القصص", "بلينكن يبحث", "CNN Arabic", "صحيفة ي",
				`<link rel="canonical" href="http://`, `<meta property="og:title"`, `<meta name="description"`},
			[]string{"2 مصادر", "2 مقالاً"}},
		{"home filtered by an outlet", "/?source=x", 200, []string{"عنوان"}, []string{"بلينكن يبحث"}},
		{"home filtered by an unknown outlet", "/?source=nobody", 404, []string{"لم نجد هذه الصفحة"}, nil},
		{"story page lists every outlet", "/stories/" + story, 200, []string{"CNN Arabic", "صحيفة ي", "مصدران", "التسلسل الزمني"}, nil},
		{"search marks original words and groups the story", "/search?q=" + url.QueryEscape("وزیر المفاوضات"), 200,
			[]string{"<mark>وزير</mark>", "<mark>المفاوضات</mark>", "نتيجة واحدة", "مقال آخر من القصة نفسها", `value="وزیر المفاوضات"`}, nil},
		{"search with no hit", "/search?q=" + url.QueryEscape("بطاطس"), 200, []string{"لا نتائج"}, nil},
		{"search finds another outlet's spelling", "/search?q=" + url.QueryEscape("ترامب"), 200,
			[]string{"<mark>ترمب</mark>", "نتيجة واحدة"}, nil},
		{"search by an outlet's Arabic name", "/search?q=" + url.QueryEscape("بلينكن source:صحيفة"), 200,
			[]string{"نتيجة واحدة", "صحيفة ي"}, nil},
		{"an unknown outlet is explained", "/search?q=" + url.QueryEscape("بلينكن source:عكاظ"), 400,
			[]string{"لا مصدر باسم «عكاظ»", `value="بلينكن source:عكاظ"`}, nil},
		{"a malformed query keeps its text and explains in Arabic", "/search?q=" + url.QueryEscape(`"غير مغلق`), 400,
			[]string{"علامة التنصيص", `value="&#34;غير مغلق"`}, []string{"not closed"}},
		{"a costly query is refused with a message", "/search?q=" + url.QueryEscape("from:2015"), 400,
			[]string{"أضف كلمة للبحث"}, nil},
		{"too many OR branches", "/search?q=" + url.QueryEscape(strings.Repeat("غزة OR ", 12)+"قطر"), 400, []string{"بدائل"}, nil},
		{"a page beyond the bound", "/search?q=" + url.QueryEscape("قطر") + "&page=4611686018427387904", 400, []string{"رقم الصفحة"}, nil},
		{"a page beyond the bound on the home page", "/?page=99999999999999999999", 400, []string{"رقم الصفحة"}, nil},
		{"a page past the last one", "/?page=7", 404, []string{"لم نجد"}, nil},
		{"article page", "/articles/" + itoa(ids[0]), 200,
			[]string{"<bdi>بلينكن يبحث", `<a href="https://cnn.example/a" rel="noopener nofollow">`, "CNN Arabic",
				"أجرى وزير الخارجية", "وشدد الوزيران", "كلمات دلالية", "<bdi>قطر</bdi>", `datetime="2024-09-11T09:00:00Z"`,
				"بتوقيت الرياض", "التغطية الكاملة", "تغطيات أخرى للقصة", "صحيفة ي", `og:type" content="article"`}, nil},
		{"titles are escaped and an unbalanced override is dropped", "/articles/" + itoa(ids[1]), 200,
			[]string{"&lt;script&gt;", "عنوان txt.exe"}, []string{"<script>alert", "\u202E"}},
		{"missing article", "/articles/99999", 404, []string{"لم نجد هذه الصفحة"}, nil},
		{"not a number", "/articles/abc", 404, nil, nil},
		{"unknown route is an Arabic 404", "/no/such/page", 404, []string{"لم نجد هذه الصفحة", `dir="rtl"`}, []string{"404 page not found"}},
		{"outlets page", "/sources", 200, []string{"CNN Arabic", "صحيفة ي", "المقالات"}, nil},
		{"source page", "/sources/cnn", 200, []string{"CNN Arabic", "بلينكن يبحث", "لا خلاصة متابَعة"}, nil},
		{"tag pages need the tags", "/tags/" + url.PathEscape("قطر"), 404, nil, nil},
		{"health", "/healthz", 200, []string{"ok"}, nil},
		{"missing story", "/stories/424242", 404, []string{"لم نجد"}, nil},
		{"story id not a number", "/stories/x", 404, nil, nil},
		{"robots.txt", "/robots.txt", 200, []string{"Disallow: /search"}, nil},
		{"favicon", "/favicon.ico", 200, []string{"<svg"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, ts.URL+tt.path)
			if status != tt.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tt.path, status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: missing %q", tt.path, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: must not contain %q", tt.path, w)
				}
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	ts, ids := newServer(t)
	path := ts.URL + "/articles/" + itoa(ids[0])
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	do := func(h map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", path, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	plain := do(nil)
	if csp := plain.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP = %q", csp)
	}
	etag := plain.Header.Get("ETag")
	if etag == "" || plain.Header.Get("Cache-Control") == "" {
		t.Fatalf("no ETag or Cache-Control: %v", plain.Header)
	}
	if r := do(map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", r.StatusCode)
	}
	for _, enc := range []string{"br", "gzip"} {
		r := do(map[string]string{"Accept-Encoding": enc})
		if got := r.Header.Get("Content-Encoding"); got != enc {
			t.Errorf("Accept-Encoding %s: Content-Encoding %q", enc, got)
		}
		if r.Header.Get("ETag") != etag {
			t.Errorf("Accept-Encoding %s: another ETag", enc)
		}
	}
	// One stylesheet, cached for a year under a content-hashed name.
	_, body := get(t, path)
	i := strings.Index(body, `<link rel="stylesheet" href="`)
	if i < 0 || strings.Count(body, `rel="stylesheet"`) != 1 {
		t.Fatal("want exactly one stylesheet")
	}
	css := body[i+len(`<link rel="stylesheet" href="`):]
	css = css[:strings.IndexByte(css, '"')]
	resp, err := http.Get(ts.URL + css)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet %s: %d %q", css, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

func TestCachedPagesChangeWithTheStore(t *testing.T) {
	ts, _, more := newServerWith(t)
	_, before := get(t, ts.URL+"/")
	if _, again := get(t, ts.URL+"/"); again != before {
		t.Fatal("the home page changed with nothing stored")
	}
	more(&marsad.RawArticle{URL: "https://z.example/new", Source: "z", SourceName: "وكالة ز",
		Published: time.Date(2024, 9, 11, 12, 0, 0, 0, time.UTC),
		Title:     "عنوان جديد عن الطقس في الرياض", Body: "نص جديد عن الطقس والأمطار في الرياض."})
	if _, after := get(t, ts.URL+"/"); !strings.Contains(after, "عنوان جديد عن الطقس") {
		t.Fatal("the home page does not show an article stored after it was cached")
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
