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
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/web"
	"github.com/marsad/marsad/store/sqlite"
)

func newServer(t *testing.T) (*httptest.Server, []int64) {
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
			Title: "<script>alert(1)</script> عنوان", Body: "نص عن الاقتصاد والنفط وتصريحات ترمب عن الأسعار."},
		{URL: "https://y.example/c", Source: "y", SourceName: "صحيفة ي", Published: day.Add(2 * time.Hour),
			Title: "بلينكن يبحث مع أمير قطر وقف إطلاق النار في غزة",
			Body:  "بحث وزير الخارجية الأمريكي أنتوني بلينكن مع أمير قطر جهود وقف إطلاق النار في غزة.\nوأكد الوزير أهمية المفاوضات."},
	})
	if err != nil || res.Imported != 3 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	srv, err := web.New(db, an, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, []int64{res.Inserted[0].Article.ID, res.Inserted[1].Article.ID}
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
	tests := []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"home lists top stories and newest articles", "/", 200, []string{`lang="ar" dir="rtl"`, "أبرز القصص", "2 مصادر · 2 مقالاً", "آخر الأخبار", "بلينكن يبحث"}, nil},
		{"story page lists every outlet", "/stories/" + itoa(storyOf(t, ts, ids[0])), 200, []string{"CNN Arabic", "صحيفة ي", "2 مصادر"}, nil},
		{"search marks original words", "/search?q=" + url.QueryEscape("وزیر المفاوضات"), 200,
			[]string{"<mark>وزير</mark>", "<mark>المفاوضات</mark>", "2 نتيجة", `value="وزیر المفاوضات"`}, nil},
		{"search with no hit", "/search?q=" + url.QueryEscape("بطاطس"), 200, []string{"لا نتائج"}, nil},
		{"search finds another outlet's spelling", "/search?q=" + url.QueryEscape("ترامب"), 200,
			[]string{"<mark>ترمب</mark>", "1 نتيجة"}, nil},
		{"bad query is a 400 with a message", "/search?q=" + url.QueryEscape(`"غير مغلق`), 400, []string{"not closed"}, nil},
		{"article page", "/articles/" + itoa(ids[0]), 200,
			[]string{"<h1>بلينكن يبحث", "المصدر: <a href=\"https://cnn.example/a\"", "CNN Arabic",
				"<p>أجرى وزير الخارجية", "<p>وشدد الوزيران", "كلمات دلالية", "<li>قطر</li>", `datetime="2024-09-11T09:00:00Z"`,
				"التغطية الكاملة"}, nil},
		{"titles are escaped", "/articles/" + itoa(ids[1]), 200, []string{"&lt;script&gt;"}, []string{"<script>alert"}},
		{"missing article", "/articles/99999", 404, []string{"no article"}, nil},
		{"not a number", "/articles/abc", 404, nil, nil},
		{"health", "/healthz", 200, []string{"ok"}, nil},
		{"missing story", "/stories/424242", 404, []string{"تعذّر"}, nil},
		{"story id not a number", "/stories/x", 404, nil, nil},
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

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
