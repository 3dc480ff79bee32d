package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/api"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/store/sqlite"
)

const adminToken = "admin-token-of-the-test"

// adminAPI mounts the API with the admin on (token) over a fresh store
// following one feed; discovery knows one made-up site.
func adminAPI(t *testing.T, token string) (*sqlite.DB, int64, func(method, target, ctype, body string, header ...string) answer) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &marsad.Feed{URL: "https://a.example/rss", Source: "a.example", NextPoll: time.Now().Add(time.Hour)}
	if err := db.CreateFeed(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	discover := func(_ context.Context, u string) ([]feeds.Discovered, error) {
		if u == "https://news.example/" {
			return []feeds.Discovered{{URL: "https://news.example/rss", Title: "أخبار"}}, nil
		}
		return nil, errors.New("discover " + u + ": no feed found on the page or at the usual paths")
	}
	srv := api.New(app.NewPages(db, analyzer.New(), 1), db, nil, api.Options{AdminToken: token,
		Feeds: app.NewFeeds(db, discover), BaseURL: "https://marsad.test", VersionEvery: time.Nanosecond})
	call := func(method, target, ctype, body string, header ...string) answer {
		t.Helper()
		if ctype != "" {
			header = append(header, "Content-Type", ctype)
		}
		return do(t, srv, method, target, strings.NewReader(body), header...)
	}
	return db, f.ID, call
}

// TestOpenAPIDescribesTheAdminAPI calls every admin route — refused
// without the token, then used with it — checks each answer against the
// document, and checks that the store changed as asked.
func TestOpenAPIDescribesTheAdminAPI(t *testing.T) {
	db, id, call := adminAPI(t, adminToken)
	_, _, off := adminAPI(t, "")
	s := loadSpec(t, do(t, mount(db, nil, ""), "GET", "/api/v1/openapi.json", nil).body)
	reached := map[string]bool{}
	bearer := []string{"Authorization", "Bearer " + adminToken}
	check := func(method, target string, a answer, want int) answer {
		t.Helper()
		s.check(t, method, target, a)
		u, _ := url.Parse(target)
		reached[method+" "+s.route(u.Path)] = true
		if a.status != want {
			t.Errorf("%s %s: %d %s, want %d", method, target, a.status, a.body, want)
		}
		return a
	}
	feed := fmt.Sprintf("/api/v1/admin/feeds/%d", id)
	routes := []struct{ method, target, ctype, body string }{
		{"GET", "/api/v1/admin/feeds", "", ""},
		{"POST", "/api/v1/admin/feeds", "application/json", `{"url":"https://news.example/"}`},
		{"POST", "/api/v1/admin/feeds/import", "text/x-opml", `<opml version="2.0"><body><outline text="ب" xmlUrl="https://b.example/rss"/></body></opml>`},
		{"GET", "/api/v1/admin/feeds/export", "", ""},
		{"POST", feed + "/pause", "", ""},
		{"POST", feed + "/resume", "", ""},
		{"POST", feed + "/poll", "", ""},
	}
	for _, r := range routes {
		check(r.method, r.target, call(r.method, r.target, r.ctype, r.body), 401)
		check(r.method, r.target, call(r.method, r.target, r.ctype, r.body, "Authorization", "Bearer "+adminToken+"x"), 401)
		check(r.method, r.target, call(r.method, r.target, r.ctype, r.body, "Authorization", adminToken), 401)
		check(r.method, r.target, off(r.method, r.target, r.ctype, r.body, bearer...), 403)
	}
	if _, n, _ := db.FindFeeds(context.Background(), marsad.FeedFilter{}); n != 1 {
		t.Fatalf("refused requests changed the store: %d feeds", n)
	}
	if f, _ := db.FindFeedByID(context.Background(), id); f.Paused {
		t.Fatal("a refused pause paused the feed")
	}

	list := decode[api.List[api.Feed]](t, check("GET", "/api/v1/admin/feeds?limit=10", call("GET", "/api/v1/admin/feeds?limit=10", "", "", bearer...), 200))
	if list.Total != 1 || list.Items[0].ID != id {
		t.Errorf("list: %+v", list)
	}
	check("GET", "/api/v1/admin/feeds?cursor=x", call("GET", "/api/v1/admin/feeds?cursor=x", "", "", bearer...), 400)
	added := decode[api.AddedFeeds](t, check("POST", "/api/v1/admin/feeds", call("POST", "/api/v1/admin/feeds", "application/json", `{"url":"https://news.example/"}`, bearer...), 200))
	if len(added.Items) != 1 || !added.Items[0].Added || added.Items[0].Feed.URL != "https://news.example/rss" {
		t.Errorf("add: %+v", added)
	}
	check("POST", "/api/v1/admin/feeds", call("POST", "/api/v1/admin/feeds", "application/json", `{"url":"https://empty.example/"}`, bearer...), 400)
	check("POST", "/api/v1/admin/feeds", call("POST", "/api/v1/admin/feeds", "text/plain", `https://news.example/`, bearer...), 415)
	imp := decode[api.FeedImportResult](t, check("POST", "/api/v1/admin/feeds/import", call("POST", "/api/v1/admin/feeds/import", "text/x-opml",
		`<opml version="2.0"><body><outline text="ب" xmlUrl="https://b.example/rss"/><outline text="x" xmlUrl="b.example"/></body></opml>`, bearer...), 200))
	if imp.Read != 2 || imp.Added != 1 || len(imp.Problems) != 1 || !strings.HasPrefix(imp.Problems[0], "outline 2 (x)") {
		t.Errorf("import: %+v", imp)
	}
	check("POST", "/api/v1/admin/feeds/import", call("POST", "/api/v1/admin/feeds/import", "text/x-opml", `not xml <`, bearer...), 400)
	check("POST", "/api/v1/admin/feeds/import", call("POST", "/api/v1/admin/feeds/import", "text/x-opml", strings.Repeat("x", 2<<20+1), bearer...), 413)
	if exp := check("GET", "/api/v1/admin/feeds/export", call("GET", "/api/v1/admin/feeds/export", "", "", bearer...), 200); !strings.Contains(string(exp.body), `xmlUrl="https://b.example/rss"`) {
		t.Errorf("export: %s", exp.body)
	}
	if f := decode[api.Feed](t, check("POST", feed+"/pause", call("POST", feed+"/pause", "", "", bearer...), 200)); !f.Paused {
		t.Errorf("pause: %+v", f)
	}
	if f, _ := db.FindFeedByID(context.Background(), id); !f.Paused {
		t.Error("pause did not reach the store")
	}
	check("POST", feed+"/poll", call("POST", feed+"/poll", "", "", bearer...), 409)
	before := time.Now().Add(-time.Second)
	if f := decode[api.Feed](t, check("POST", feed+"/resume", call("POST", feed+"/resume", "", "", bearer...), 200)); f.Paused || f.NextPoll == nil || f.NextPoll.Before(before) {
		t.Errorf("resume: %+v", f)
	}
	check("POST", feed+"/poll", call("POST", feed+"/poll", "", "", bearer...), 200)
	if f, _ := db.FindFeedByID(context.Background(), id); f.Paused || f.NextPoll.After(time.Now()) {
		t.Errorf("poll now: next poll %v, want due", f.NextPoll)
	}
	check("POST", "/api/v1/admin/feeds/999/pause", call("POST", "/api/v1/admin/feeds/999/pause", "", "", bearer...), 404)

	for _, p := range s.paths {
		if !strings.HasPrefix(p, "/api/v1/admin/") {
			continue
		}
		for method := range s.doc["paths"].(map[string]any)[p].(map[string]any) {
			if !reached[strings.ToUpper(method)+" "+p] {
				t.Errorf("%s %s is documented but no request of the test reached it", strings.ToUpper(method), p)
			}
		}
	}
}
