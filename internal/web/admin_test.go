package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/web"
	"github.com/marsad/marsad/store/sqlite"
)

const adminToken = "s3cret-admin-token"

// adminSite is a server with the admin on over a store following two
// feeds, and a discovery that knows one made-up site.
type adminSite struct {
	h     http.Handler
	db    *sqlite.DB
	token string
	ids   []int64 // the two feeds
	now   *time.Time
}

func newAdminSite(t *testing.T, token string, opt ...func(*web.Options)) *adminSite {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	site := &adminSite{db: db, now: &now, token: token}
	later := now.Add(3 * time.Hour)
	for _, u := range []string{"https://a.example/rss", "https://b.example/atom.xml"} {
		f := &marsad.Feed{URL: u, Source: strings.Split(u, "/")[2], NextPoll: later}
		if err := db.CreateFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		site.ids = append(site.ids, f.ID)
	}
	discover := func(_ context.Context, u string) ([]feeds.Discovered, error) {
		if u == "https://news.example/" {
			return []feeds.Discovered{{URL: "https://news.example/rss", Title: "أخبار"}}, nil
		}
		return nil, errors.New("discover " + u + ": no feed found on the page or at the usual paths")
	}
	clock := func() time.Time { return *site.now }
	o := web.Options{VersionEvery: time.Nanosecond, Now: clock,
		Admin: web.AdminOptions{Token: token, Feeds: app.NewFeeds(db, discover).WithClock(clock), Polling: true}}
	for _, f := range opt {
		f(&o)
	}
	srv, err := web.New(app.NewPages(db, analyzer.New(), 1), db, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	site.h = srv
	return site
}

// feed reads a feed back from the store.
func (s *adminSite) feed(t *testing.T, id int64) *marsad.Feed {
	t.Helper()
	f, err := s.db.FindFeedByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// state is what the admin's actions can change: every feed's URL,
// pause and next poll.
func (s *adminSite) state(t *testing.T) string {
	t.Helper()
	list, _, err := s.db.FindFeeds(context.Background(), marsad.FeedFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range list {
		b.WriteString(f.URL + " " + f.NextPoll.String())
		if f.Paused {
			b.WriteString(" paused")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// browser is one client of the site: its address, its cookies, and the
// site it says it posts from.
type browser struct {
	site    *adminSite
	addr    string
	cookies map[string]string
	origin  string
	https   bool
}

func (s *adminSite) browser(addr string) *browser {
	return &browser{site: s, addr: addr, cookies: map[string]string{}, origin: "http://marsad.test"}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path, ctype string, body io.Reader, header ...string) reply {
	scheme := "http"
	if b.https {
		scheme = "https"
	}
	req := httptest.NewRequest(method, scheme+"://marsad.test"+path, body)
	req.RemoteAddr = b.addr + ":40000"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if method == "POST" && b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.site.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return reply{rec.Code, rec.Header(), rec.Body.String()}
}

func (b *browser) get(path string) reply { return b.do("GET", path, "", nil) }

// post sends form, as multipart/form-data with its "opml" field as a
// file when it has one (the import form), else urlencoded.
func (b *browser) post(path string, form url.Values, header ...string) reply {
	if _, ok := form["opml"]; !ok {
		return b.do("POST", path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), header...)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			if k == "opml" {
				fw, _ := mw.CreateFormFile("opml", "list.opml")
				fw.Write([]byte(v))
			} else {
				mw.WriteField(k, v)
			}
		}
	}
	mw.Close()
	return b.do("POST", path, mw.FormDataContentType(), &body, header...)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the page at path.
func (b *browser) csrf(t *testing.T, path string) string {
	t.Helper()
	r := b.get(path)
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no csrf field on %s (%d): %.300s", path, r.status, r.body)
	}
	return m[1]
}

// login logs in with token and returns the status of the answer.
func (b *browser) login(t *testing.T, token string) reply {
	t.Helper()
	return b.post("/admin/login", url.Values{"csrf": {b.csrf(t, "/admin/login")}, "token": {token}})
}

func (b *browser) mustLogin(t *testing.T) string {
	t.Helper()
	if r := b.login(t, b.site.token); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("login: %d %s", r.status, r.header.Get("Location"))
	}
	return b.csrf(t, "/admin")
}

// actions are every state-changing admin request, with its form.
func actions(site *adminSite) []struct {
	name, path string
	form       url.Values
} {
	id := func(i int) string { return itoa(site.ids[i]) }
	return []struct {
		name, path string
		form       url.Values
	}{
		{"add", "/admin/feeds", url.Values{"url": {"https://news.example/"}}},
		{"import", "/admin/feeds/import", url.Values{"opml": {`<opml version="2.0"><body><outline text="ج" xmlUrl="https://c.example/rss"/></body></opml>`}}},
		{"pause", "/admin/feeds/" + id(0) + "/pause", url.Values{}},
		{"resume", "/admin/feeds/" + id(0) + "/resume", url.Values{}},
		{"poll now", "/admin/feeds/" + id(1) + "/poll", url.Values{}},
		{"logout", "/admin/logout", url.Values{}},
	}
}

func TestAdminIsOffWithoutAToken(t *testing.T) {
	site := newAdminSite(t, "")
	b := site.browser("192.0.2.1")
	before := site.state(t)
	for _, r := range []reply{
		b.get("/admin"), b.get("/admin/login"), b.get("/admin/feeds.opml"),
		b.post("/admin/login", url.Values{"token": {""}}),
		b.post("/admin/feeds/1/pause", url.Values{}),
	} {
		if r.status != http.StatusNotFound || !strings.Contains(r.body, "MARSAD_ADMIN_TOKEN") {
			t.Errorf("admin off: %d, want 404 saying how to turn it on: %.200s", r.status, r.body)
		}
	}
	if site.state(t) != before {
		t.Error("the store changed with the admin off")
	}
	if _, err := web.New(nil, site.db, slog.Default(), web.Options{Admin: web.AdminOptions{Token: "short", Feeds: app.NewFeeds(site.db, nil)}}); err == nil {
		t.Error("a short admin token was accepted")
	}
}

func TestNoAdminActionWorksWithoutLogin(t *testing.T) {
	site := newAdminSite(t, adminToken)
	before := site.state(t)
	other := newAdminSite(t, adminToken+"-other")
	forger := other.browser("192.0.2.9")
	forger.mustLogin(t) // a session signed with another token
	for _, cookies := range []map[string]string{
		{}, {"marsad_admin": "garbage"}, {"marsad_admin": forger.cookies["marsad_admin"]},
	} {
		b := site.browser("192.0.2.2")
		b.cookies = cookies
		if r := b.get("/admin"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/login" {
			t.Errorf("GET /admin with cookies %v: %d, want a redirect to the login", cookies, r.status)
		}
		if r := b.get("/admin/feeds.opml"); r.status != http.StatusSeeOther || strings.Contains(r.body, "a.example") {
			t.Errorf("export with cookies %v: %d", cookies, r.status)
		}
		for _, a := range actions(site) {
			a.form.Set("csrf", "x")
			if r := b.post(a.path, a.form); r.status != http.StatusForbidden {
				t.Errorf("%s with cookies %v: %d, want 403", a.name, cookies, r.status)
			}
		}
	}
	if site.state(t) != before {
		t.Errorf("the store changed without a login:\n%s\nwant\n%s", site.state(t), before)
	}
}

func TestNoAdminActionWorksCrossSite(t *testing.T) {
	site := newAdminSite(t, adminToken)
	b := site.browser("192.0.2.3")
	token := b.mustLogin(t)
	otherSession := site.browser("192.0.2.4")
	otherToken := otherSession.mustLogin(t)
	before := site.state(t)
	for _, a := range actions(site) {
		for _, tc := range []struct {
			name   string
			csrf   string
			header []string
		}{
			{"no CSRF token", "", nil},
			{"a wrong CSRF token", "AAAA" + token[4:], nil},
			{"another session's CSRF token", otherToken, nil},
			{"another site's Origin", token, []string{"Origin", "https://evil.example"}},
			{"a null Origin", token, []string{"Origin", "null"}},
			{"a cross-site fetch", token, []string{"Sec-Fetch-Site", "cross-site"}},
			{"another site's Referer", token, []string{"Origin", "", "Referer", "https://evil.example/page"}},
		} {
			form := url.Values{}
			for k, v := range a.form {
				form[k] = v
			}
			if tc.csrf != "" {
				form.Set("csrf", tc.csrf)
			}
			if r := b.post(a.path, form, tc.header...); r.status != http.StatusForbidden {
				t.Errorf("%s with %s: %d, want 403", a.name, tc.name, r.status)
			}
		}
	}
	if site.state(t) != before {
		t.Errorf("the store changed by cross-site requests:\n%s\nwant\n%s", site.state(t), before)
	}
	// The session still works from the site itself.
	if r := b.post("/admin/feeds/"+itoa(site.ids[0])+"/pause", url.Values{"csrf": {token}}); r.status != http.StatusSeeOther {
		t.Errorf("pause from the site: %d %.300s", r.status, r.body)
	}
}

func TestLoginIsProtectedAndRateLimited(t *testing.T) {
	site := newAdminSite(t, adminToken)
	b := site.browser("198.51.100.7")
	// The login form itself needs its token and the site's origin.
	if r := b.post("/admin/login", url.Values{"token": {adminToken}}); r.status != http.StatusForbidden || b.cookies["marsad_admin"] != "" {
		t.Errorf("login without the form's token: %d", r.status)
	}
	if r := b.post("/admin/login", url.Values{"csrf": {b.csrf(t, "/admin/login")}, "token": {adminToken}}, "Origin", "https://evil.example"); r.status != http.StatusForbidden || b.cookies["marsad_admin"] != "" {
		t.Errorf("login posted from another site: %d", r.status)
	}
	for i := range 5 {
		if r := b.login(t, "wrong guess"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "غير صحيح") {
			t.Fatalf("wrong token %d: %d", i+1, r.status)
		}
	}
	r := b.login(t, adminToken)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "محاولات دخول خاطئة كثيرة من عنوانك") ||
		!strings.Contains(r.body, "15 دقيقة") || r.header.Get("Retry-After") == "" || b.cookies["marsad_admin"] != "" {
		t.Errorf("after 5 wrong tokens, the right one: %d (Retry-After %q), want 429 with the Arabic message: %.500s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// Another address is not held back; the same /64 of IPv6 is one address.
	if r := site.browser("198.51.100.8").login(t, adminToken); r.status != http.StatusSeeOther {
		t.Errorf("another address: %d", r.status)
	}
	v6 := site.browser("[2001:db8::1]")
	for range 5 {
		v6.login(t, "wrong")
	}
	if r := site.browser("[2001:db8::2]").login(t, adminToken); r.status != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: %d, want 429", r.status)
	}
	// The window passes.
	*site.now = site.now.Add(16 * time.Minute)
	if r := b.login(t, adminToken); r.status != http.StatusSeeOther {
		t.Errorf("after the window: %d", r.status)
	}
}

func TestAdminCookies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		https  bool
		base   string
		secure bool
	}{
		{"plain http", false, "", false},
		{"TLS", true, "", true},
		{"an https base URL", false, "https://marsad.test", true},
	} {
		site := newAdminSite(t, adminToken, func(o *web.Options) { o.BaseURL = tc.base })
		b := site.browser("192.0.2.5")
		b.https = tc.https
		if tc.base != "" {
			b.origin = tc.base
		}
		csrf := b.csrf(t, "/admin/login")
		req := httptest.NewRequest("POST", map[bool]string{true: "https", false: "http"}[tc.https]+"://marsad.test/admin/login",
			strings.NewReader(url.Values{"csrf": {csrf}, "token": {adminToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.origin)
		req.AddCookie(&http.Cookie{Name: "marsad_login", Value: b.cookies["marsad_login"]})
		rec := httptest.NewRecorder()
		site.h.ServeHTTP(rec, req)
		var sess *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == "marsad_admin" {
				sess = c
			}
		}
		if sess == nil {
			t.Fatalf("%s: no session cookie (%d)", tc.name, rec.Code)
		}
		if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/admin" || sess.Secure != tc.secure {
			t.Errorf("%s: session cookie %+v, want HttpOnly, SameSite=Strict, Path=/admin, Secure=%v", tc.name, sess, tc.secure)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.name, cc)
		}
	}
}

func TestAdminActionsChangeTheStore(t *testing.T) {
	site := newAdminSite(t, adminToken)
	b := site.browser("192.0.2.6")
	csrf := b.mustLogin(t)
	if r := b.get("/admin/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Errorf("/admin/: %d %s, want a redirect to /admin", r.status, r.header.Get("Location"))
	}
	if r := b.get("/admin/nothing"); r.status != http.StatusNotFound {
		t.Errorf("/admin/nothing: %d", r.status)
	}
	page := b.get("/admin")
	if page.status != 200 || !strings.Contains(page.body, "https://a.example/rss") || !strings.Contains(page.body, `dir="rtl"`) {
		t.Fatalf("feeds page: %d", page.status)
	}

	r := b.post("/admin/feeds", url.Values{"csrf": {csrf}, "url": {"https://news.example/"}})
	if r.status != 200 || !strings.Contains(r.body, "أُضيفت") {
		t.Errorf("add: %d %.300s", r.status, r.body)
	}
	u := "https://news.example/rss"
	if list, _, _ := site.db.FindFeeds(context.Background(), marsad.FeedFilter{URL: &u}); len(list) != 1 || list[0].Source != "news.example" {
		t.Errorf("the added feed is not in the store: %v", list)
	}
	if r := b.post("/admin/feeds", url.Values{"csrf": {csrf}, "url": {"https://empty.example/"}}); r.status != 400 || !strings.Contains(r.body, "no feed found") || !strings.Contains(r.body, "https://empty.example/") {
		t.Errorf("add a page without feeds: %d, want 400 naming the reason and keeping the URL", r.status)
	}

	id := site.ids[0]
	if r := b.post("/admin/feeds/"+itoa(id)+"/pause", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin?done=paused") {
		t.Errorf("pause: %d %s", r.status, r.header.Get("Location"))
	}
	if !site.feed(t, id).Paused {
		t.Error("pause did not pause the feed")
	}
	if r := b.get("/admin?done=paused"); !strings.Contains(r.body, "أُوقفت الخلاصة مؤقتاً") || !strings.Contains(r.body, "/admin/feeds/"+itoa(id)+"/resume") {
		t.Errorf("the page after a pause: %.300s", r.body)
	}
	*site.now = site.now.Add(time.Minute)
	b.post("/admin/feeds/"+itoa(id)+"/resume", url.Values{"csrf": {csrf}})
	if f := site.feed(t, id); f.Paused || !f.NextPoll.Equal(*site.now) {
		t.Errorf("resume: paused=%v next %v, want due at %v", f.Paused, f.NextPoll, *site.now)
	}
	other := site.ids[1]
	b.post("/admin/feeds/"+itoa(other)+"/poll", url.Values{"csrf": {csrf}})
	if f := site.feed(t, other); !f.NextPoll.Equal(*site.now) {
		t.Errorf("poll now: next %v, want %v", f.NextPoll, *site.now)
	}
	if r := b.post("/admin/feeds/999/pause", url.Values{"csrf": {csrf}}); r.status != 400 {
		t.Errorf("pause of a missing feed: %d", r.status)
	}

	r = b.post("/admin/feeds/import", url.Values{"csrf": {csrf},
		"opml": {`<opml version="2.0"><body><outline text="ج" xmlUrl="https://c.example/rss"/><outline text="سيئ" xmlUrl="javascript:alert(1)"/></body></opml>`}})
	if r.status != 200 || !strings.Contains(r.body, "outline 2 (سيئ)") {
		t.Errorf("import: %d %.500s", r.status, r.body)
	}
	if _, n, _ := site.db.FindFeeds(context.Background(), marsad.FeedFilter{}); n != 4 {
		t.Errorf("after the import: %d feeds, want 4", n)
	}
	exp := b.get("/admin/feeds.opml")
	if exp.status != 200 || !strings.Contains(exp.body, `xmlUrl="https://c.example/rss"`) || !strings.Contains(exp.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export: %d %.300s", exp.status, exp.body)
	}

	if r := b.post("/admin/logout", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther || b.cookies["marsad_admin"] != "" {
		t.Errorf("logout: %d, cookie %q", r.status, b.cookies["marsad_admin"])
	}
	if r := b.post("/admin/feeds/"+itoa(id)+"/pause", url.Values{"csrf": {csrf}}); r.status != http.StatusForbidden || site.feed(t, id).Paused {
		t.Errorf("pause after logout: %d", r.status)
	}
}
