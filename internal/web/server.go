// Package web serves marsad's pages (server-rendered, right-to-left,
// readable without JavaScript) and its health endpoint. Every page comes
// from the read-side use cases of internal/app; pages are kept rendered and
// compressed until the store's data changes.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the server reads beside the pages: the data version that
// invalidates its cache, and the health check.
type Store interface {
	marsad.VersionService
	CountArticles(ctx context.Context) (int, error)
}

// Options configure the server. Zero fields take the defaults.
type Options struct {
	// Zone is the readers' time zone (default Asia/Riyadh).
	Zone *time.Location
	// Digits is the default digit style (Western unless set); a reader can
	// choose the other one (a cookie).
	Digits Digits
	// BaseURL is the public address of the site, for canonical links and
	// Open Graph tags (default: the request's host over http).
	BaseURL string
	// CacheBytes bounds the rendered pages kept (default 64 MiB).
	CacheBytes int
	// CacheAge bounds how long a page is kept even when nothing changed,
	// so its relative times stay right (default 30 s).
	CacheAge time.Duration
	// VersionEvery is how often the store's data version is asked (default
	// 200 ms): a page may lag the store by that much, and the store is
	// asked at most 5 times a second however many requests arrive.
	VersionEvery time.Duration
	// Now is the clock (tests set it).
	Now func() time.Time
	// Admin turns on the feed admin under /admin (off without a token).
	Admin AdminOptions
}

// Server serves the pages.
type Server struct {
	pages *app.Pages
	store Store
	log   *slog.Logger
	// tmpl holds the templates once per digit style, their functions
	// bound to it: parsed and escaped once, never cloned per request.
	tmpl  map[Digits]*template.Template
	mux   *http.ServeMux
	opt   Options
	cache *pageCache
	zip   *compressors
	// styleURL is the stylesheet's address, named by its content hash so
	// it can be cached for a year.
	styleURL string
	style    *response
	favicon  *response
	robots   *response

	ver *httpx.Version
	// admin is the feed admin; nil when it is off.
	admin *admin

	// The notice's status, computed once per data version.
	statusMu  sync.Mutex
	statusVer int64
	status    *app.Status
}

// New returns a Server showing pages from pages, with the cache checked
// against store's data version.
func New(pages *app.Pages, store Store, log *slog.Logger, opt Options) (*Server, error) {
	if opt.Zone == nil {
		z, err := time.LoadLocation("Asia/Riyadh")
		if err != nil {
			return nil, err
		}
		opt.Zone = z
	}
	if opt.Digits == "" {
		opt.Digits = Western
	}
	if opt.Digits != Western && opt.Digits != ArabicIndic {
		return nil, marsad.Errorf(marsad.EINVALID, "digits %q: want %q or %q", opt.Digits, Western, ArabicIndic)
	}
	opt.BaseURL = strings.TrimSuffix(opt.BaseURL, "/")
	if opt.CacheBytes <= 0 {
		opt.CacheBytes = 64 << 20
	}
	if opt.CacheAge <= 0 {
		opt.CacheAge = 30 * time.Second
	}
	if opt.VersionEvery <= 0 {
		opt.VersionEvery = 200 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{pages: pages, store: store, log: log, opt: opt, mux: http.NewServeMux(),
		cache: newPageCache(opt.CacheBytes, opt.CacheAge), zip: newCompressors(),
		ver: httpx.NewVersion(store, opt.VersionEvery, opt.Now)}
	if err := s.loadStatic(); err != nil {
		return nil, err
	}
	var err error
	if s.admin, err = newAdmin(opt.Admin, opt.Now); err != nil {
		return nil, err
	}
	s.tmpl = map[Digits]*template.Template{}
	for _, d := range []Digits{Western, ArabicIndic} {
		f := format{zone: opt.Zone, digits: d, now: opt.Now}
		t, err := template.New("").Funcs(f.funcs()).ParseFS(templateFS, "templates/*.html")
		if err != nil {
			return nil, err
		}
		s.tmpl[d] = t
	}
	s.mux.Handle("GET /{$}", s.page(s.home))
	s.mux.Handle("GET /search", s.page(s.search))
	s.mux.Handle("GET /articles/{id}", s.page(s.article))
	s.mux.Handle("GET /stories/{id}", s.page(s.story))
	s.mux.Handle("GET /tags/{name}", s.page(s.tag))
	s.mux.Handle("GET /sources", s.page(s.outlets))
	s.mux.Handle("GET /sources/{key}", s.page(s.source))
	s.mux.HandleFunc("GET /prefs", s.handlePrefs)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("GET "+s.styleURL, s.asset(s.style))
	s.mux.HandleFunc("GET /favicon.svg", s.asset(s.favicon))
	s.mux.HandleFunc("GET /favicon.ico", s.asset(s.favicon))
	s.mux.HandleFunc("GET /robots.txt", s.asset(s.robots))
	s.adminRoutes()
	s.mux.Handle("/", s.page(func(*http.Request) (*view, error) {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no such page")
	}))
	return s, nil
}

func (s *Server) loadStatic() error {
	css, err := fs.ReadFile(staticFS, "static/style.css")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(css)
	s.styleURL = "/static/style." + hex.EncodeToString(sum[:6]) + ".css"
	now := time.Now()
	s.style = newResponse(http.StatusOK, "text/css; charset=utf-8", css, 0, now)
	icon, err := fs.ReadFile(staticFS, "static/favicon.svg")
	if err != nil {
		return err
	}
	s.favicon = newResponse(http.StatusOK, "image/svg+xml", icon, 0, now)
	robots, err := fs.ReadFile(staticFS, "static/robots.txt")
	if err != nil {
		return err
	}
	s.robots = newResponse(http.StatusOK, "text/plain; charset=utf-8", robots, 0, now)
	return nil
}

// Mount serves h under pattern beside the pages (the JSON API and the
// feeds out of internal/api, the operators' endpoints): one listener, the
// same security headers.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP implements http.Handler with security headers on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No script at all, styles and icons from the site only, and no other
	// site may frame the pages.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	return Serve(ctx, addr, s)
}

// Serve serves h on addr until ctx ends, then shuts down gracefully (h is
// the pages' Server, or it wrapped by the operators' layer).
func Serve(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// dataVersion returns the store's data version, asking the store at most
// once per VersionEvery, never making a reader queue for it (httpx.Version).
func (s *Server) dataVersion(ctx context.Context) (int64, error) { return s.ver.Get(ctx) }

// archiveAge is how old the newest story must be for no page (but those
// showing poll times) to carry a relative time (they stop at 7 days);
// such pages are kept archiveCacheAge unless the data changes.
const (
	archiveAge      = 8 * 24 * time.Hour
	archiveCacheAge = 10 * time.Minute
	// partialCacheAge is how long a page missing a part still being
	// computed is kept.
	partialCacheAge = 10 * time.Second
)

// statusAt returns the store's status for the notice, computed once per
// data version (nil when it cannot be read: the page shows without it).
func (s *Server) statusAt(ctx context.Context, version int64) *app.Status {
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	if s.status != nil && s.statusVer == version && version != 0 {
		return s.status
	}
	st, err := s.pages.Status(ctx)
	if err != nil {
		s.log.Error("status", "err", err)
		return nil
	}
	s.status, s.statusVer = st, version
	return st
}

// view is what a handler computed: a template and its data.
type view struct {
	name   string
	status int
	// For the layout: the title, a description, the canonical path (with
	// its query) and whether search engines should skip it.
	title, desc, path string
	noindex           bool
	// clock marks a page that shows times of polls (sources): it ages
	// with the clock even when the archive's articles are old.
	clock bool
	// partial marks a page rendered while some of it was still being
	// computed (an article's related lists): kept partialCacheAge, so
	// that a later view shows it whole.
	partial bool
	query   string // the search box's text
	data    any
}

// layout is the data every template gets.
type layout struct {
	Title, Description, Canonical, OGType string
	NoIndex                               bool
	Query                                 string
	Style                                 string
	Path                                  string // the request path, for the digits switch
	Digits                                Digits
	Notice                                *app.Status
	Data                                  any
}

// page turns a handler into a cached, compressed, validated page.
func (s *Server) page(h func(*http.Request) (*view, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.format(r)
		version, err := s.dataVersion(r.Context())
		if err != nil {
			s.log.Error("data version", "err", err)
			s.send(w, r, s.render(r, f, s.errorView(err), 0), "no-store")
			return
		}
		key := string(f.digits) + " " + r.URL.Path + "?" + r.URL.RawQuery
		if s.opt.BaseURL == "" {
			key = r.Host + " " + key // the canonical link names the host asked
		}
		resp := s.cache.get(key, version, s.opt.Now(), func() (*response, bool) {
			v, err := h(r)
			if err != nil {
				v = s.errorView(err)
				v.path = r.URL.Path
			}
			resp := s.render(r, f, v, version)
			// Keep pages and what a reader asked wrongly; not what failed
			// for the store's sake (busy, cancelled, broken).
			return resp, resp.status < 500
		})
		cc := "no-cache"
		if resp.status >= 500 {
			cc = "no-store"
		}
		s.send(w, r, resp, cc)
	})
}

// render executes the view's template into a buffer: a template error
// becomes the 500 page, never half a page with status 200.
func (s *Server) render(r *http.Request, f format, v *view, version int64) *response {
	lay := layout{Title: v.title, Description: v.desc, OGType: "website", NoIndex: v.noindex,
		Query: v.query, Style: s.styleURL, Path: r.URL.Path, Digits: f.digits, Data: v.data}
	if v.name == "article.html" {
		lay.OGType = "article"
	}
	lay.Canonical = s.baseURL(r) + v.path
	if st := s.statusAt(r.Context(), version); st != nil && st.Notice() {
		lay.Notice = st
	}
	t := s.tmpl[f.digits]
	var buf bytes.Buffer
	err := t.ExecuteTemplate(&buf, v.name, lay)
	if err == nil {
		resp := newResponse(v.status, "text/html; charset=utf-8", buf.Bytes(), version, s.opt.Now())
		if v.partial {
			resp.maxAge = partialCacheAge
		} else if st := s.statusAt(r.Context(), version); st != nil && !v.clock && lay.Notice == nil &&
			s.opt.Now().Sub(st.Newest) > archiveAge {
			// Nothing on the page is recent enough to be shown as "منذ …":
			// it changes only with the data.
			resp.maxAge = archiveCacheAge
		}
		return resp
	}
	s.log.Error("render", "page", v.name, "path", r.URL.Path, "err", err)
	buf.Reset()
	lay.Title = "خطأ في الخادم"
	lay.Data = errorData{Heading: "حدث خطأ في الخادم", Message: "تعذّر عرض هذه الصفحة؛ سُجّل الخطأ وسنعالجه."}
	if err := t.ExecuteTemplate(&buf, "error.html", lay); err != nil {
		buf.Reset()
		buf.WriteString(`<!doctype html><html lang="ar" dir="rtl"><meta charset="utf-8"><title>خطأ</title><p>خطأ داخلي.</p></html>`)
	}
	return newResponse(http.StatusInternalServerError, "text/html; charset=utf-8", buf.Bytes(), version, s.opt.Now())
}

// send writes a response, compressed as the client accepts, or 304 when
// the client holds it already.
func (s *Server) send(w http.ResponseWriter, r *http.Request, resp *response, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", resp.ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding, Cookie")
	h.Set("ETag", resp.etag)
	if resp.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	if resp.status == http.StatusOK && httpx.ETagMatch(r.Header.Get("If-None-Match"), resp.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := resp.body
	enc := r.Header.Get("Accept-Encoding")
	if httpx.AcceptsEncoding(enc, "br") && resp.brotli(s.zip) != nil {
		h.Set("Content-Encoding", "br")
		body = resp.br
	} else if httpx.AcceptsEncoding(enc, "gzip") && resp.gzip(s.zip) != nil {
		h.Set("Content-Encoding", "gzip")
		body = resp.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// asset serves a static file for a year (its address changes with its
// content) or, for the favicon and robots.txt, a day.
func (s *Server) asset(resp *response) http.HandlerFunc {
	cc := "public, max-age=86400"
	if resp == s.style {
		cc = "public, max-age=31536000, immutable"
	}
	return func(w http.ResponseWriter, r *http.Request) { s.send(w, r, resp, cc) }
}

// baseURL is the site's public address.
func (s *Server) baseURL(r *http.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL
	}
	return "http://" + r.Host
}

// format returns the reader's formatting: the server's zone, and digits
// from the reader's cookie or the server's default.
func (s *Server) format(r *http.Request) format {
	f := format{zone: s.opt.Zone, digits: s.opt.Digits, now: s.opt.Now}
	if c, err := r.Cookie("digits"); err == nil && (Digits(c.Value) == Western || Digits(c.Value) == ArabicIndic) {
		f.digits = Digits(c.Value)
	}
	return f
}

// handlePrefs stores the reader's choice of digits and returns to the page.
func (s *Server) handlePrefs(w http.ResponseWriter, r *http.Request) {
	d := Digits(r.URL.Query().Get("digits"))
	if d == Western || d == ArabicIndic {
		http.SetCookie(w, &http.Cookie{Name: "digits", Value: string(d), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	back := r.URL.Query().Get("to")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		back = "/"
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := s.store.CountArticles(r.Context()); err != nil {
		s.log.Error("health", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// errorView is the page for an error: 404 and 400 with the message meant
// for readers, 503 when turned away, 500 with a plain text (the details go
// to the log).
func (s *Server) errorView(err error) *view {
	v := &view{name: "error.html", title: "خطأ", noindex: true}
	switch marsad.ErrorCode(err) {
	case marsad.ENOTFOUND:
		v.status, v.title = http.StatusNotFound, "الصفحة غير موجودة"
		v.data = errorData{Heading: "لم نجد هذه الصفحة", Message: "ربما نُقلت أو لم تكن موجودة أصلاً. جرّب البحث أو عُد إلى الصفحة الرئيسية."}
	case marsad.EINVALID:
		v.status, v.title = http.StatusBadRequest, "طلب غير صالح"
		v.data = errorData{Heading: "تعذّر فهم الطلب", Message: readerMessage(err)}
	case marsad.EUNAVAILABLE:
		v.status, v.title = http.StatusServiceUnavailable, "الخادم مشغول"
		v.data = errorData{Heading: "الخادم مشغول", Message: readerMessage(err)}
	default:
		if !errors.Is(err, context.Canceled) {
			s.log.Error("request failed", "err", err)
		}
		v.status, v.title = http.StatusInternalServerError, "خطأ في الخادم"
		v.data = errorData{Heading: "حدث خطأ في الخادم", Message: "سُجّل الخطأ وسنعالجه. أعد المحاولة بعد قليل."}
	}
	v.desc = v.data.(errorData).Message
	return v
}

type errorData struct{ Heading, Message string }

// readerMessage is an application error's message when it is written for
// readers (Arabic), else a generic Arabic sentence: the English messages
// of the store are for the log and the CLI.
func readerMessage(err error) string {
	m := marsad.ErrorMessage(err)
	for _, r := range m {
		if r >= 0x0600 && r <= 0x06FF {
			return m
		}
	}
	return "الطلب غير صالح."
}

// pageNum reads the page parameter: absent is 1; anything that is not a
// number, or a number too big to be a page, is refused with a message (the
// largest page is app.MaxPage).
func pageNum(r *http.Request) (int, error) {
	s := r.URL.Query().Get("page")
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > app.MaxPage {
		return 0, marsad.Errorf(marsad.EINVALID, "رقم الصفحة «%s» غير صالح: الصفحات من 1 إلى %d.", s, app.MaxPage)
	}
	return n, nil
}

// pager is the paging navigation of a list.
type pager struct {
	Page, Pages int
	Prev, Next  string
}

// pagerOf links the neighbouring pages of the request's URL.
func pagerOf(r *http.Request, page, pages int) pager {
	p := pager{Page: page, Pages: pages}
	link := func(n int) string {
		q := r.URL.Query()
		if n <= 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if enc := q.Encode(); enc != "" {
			return r.URL.Path + "?" + enc
		}
		return r.URL.Path
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// withPage returns path with ?page=n when n > 1 (canonical links).
func withPage(path string, n int) string {
	if n > 1 {
		return path + "?page=" + strconv.Itoa(n)
	}
	return path
}

// pathEscape escapes a path segment (a tag name, a source key).
func pathEscape(s string) string { return url.PathEscape(s) }
