// Package api is marsad's JSON API under /api/v1 and its feeds out
// (Atom, RSS 2.0, JSON Feed) under /feeds. Every answer comes from the
// use cases of internal/app, as the pages do; the store is read directly
// only for its data version, which keeps answers cached until something
// changes. Errors are JSON {code, message}, the root package's codes
// mapped to statuses in one place (statusOf).
package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/httpx"
	"github.com/marsad/marsad/internal/ops"
	"github.com/marsad/marsad/internal/pipeline"
)

// Ingester takes articles through the one pipeline (a *pipeline.Pipeline
// or the *pipeline.Batcher a poller shares).
type Ingester interface {
	Ingest(ctx context.Context, raws []*marsad.RawArticle) (pipeline.Result, error)
}

// Options configure the API. Zero fields take the defaults.
type Options struct {
	// Token allows POST /api/v1/articles when the request carries it as
	// "Authorization: Bearer TOKEN". Empty: ingest by API is off (403).
	Token string
	// AdminToken allows the admin API (/api/v1/admin/…) with Feeds, its
	// use cases, when a request carries it as a Bearer token. Empty: the
	// admin API is off (403).
	AdminToken string
	Feeds      *app.Feeds
	// BaseURL is the public address of the site, for links in feeds out
	// (default: the request's host over http).
	BaseURL string
	// MaxIngestBytes bounds a POST body (default 32 MiB).
	MaxIngestBytes int64
	// CacheBytes bounds the answers kept until the data changes (default
	// 32 MiB).
	CacheBytes int
	// VersionEvery is how often the store's data version is asked (default
	// 100 ms): an answer may lag the store by that much, and the store is
	// asked at most 10 times a second however many requests arrive.
	VersionEvery time.Duration
	// Now is the clock (tests set it).
	Now func() time.Time
	Log *slog.Logger
}

// Server serves the API and the feeds out.
type Server struct {
	pages  *app.Pages
	ingest Ingester
	opt    Options
	mux    *http.ServeMux
	cache  *cache
	spec   []byte

	ver *httpx.Version
}

// Defaults of list sizes.
const (
	defaultLimit = 20
)

// New returns the API over the read-side use cases, with version telling
// when cached answers are stale; ing may be nil (POST answers 403).
func New(pages *app.Pages, version marsad.VersionService, ing Ingester, opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxIngestBytes <= 0 {
		opt.MaxIngestBytes = 32 << 20
	}
	if opt.CacheBytes <= 0 {
		opt.CacheBytes = 32 << 20
	}
	if opt.VersionEvery <= 0 {
		opt.VersionEvery = 100 * time.Millisecond
	}
	opt.BaseURL = strings.TrimSuffix(opt.BaseURL, "/")
	s := &Server{pages: pages, ingest: ing, opt: opt, mux: http.NewServeMux(),
		cache: newCache(opt.CacheBytes), spec: openAPISpec, ver: httpx.NewVersion(version, opt.VersionEvery, opt.Now)}
	s.routes()
	return s
}

// Routes lists the URL patterns the server answers, for the mount point.
func Routes() []string { return []string{"/api/", "/feeds/"} }

func (s *Server) routes() {
	s.mux.Handle("GET /api/v1/openapi.json", s.raw(func(*http.Request) ([]byte, string, error) {
		return s.spec, "application/json", nil
	}))
	s.mux.Handle("GET /api/v1/articles", s.get(s.listArticles))
	s.mux.Handle("POST /api/v1/articles", http.HandlerFunc(s.postArticles))
	s.mux.Handle("GET /api/v1/articles/lookup", s.get(s.lookupArticle))
	s.mux.Handle("GET /api/v1/articles/{id}", s.get(s.getArticle))
	s.mux.Handle("GET /api/v1/stories", s.get(s.latestStories))
	s.mux.Handle("GET /api/v1/stories/top", s.get(s.topStories))
	s.mux.Handle("GET /api/v1/stories/{id}", s.get(s.getStory))
	s.mux.Handle("GET /api/v1/tags/{name}", s.get(s.getTag))
	s.mux.Handle("GET /api/v1/sources", s.get(s.listSources))
	s.mux.Handle("GET /api/v1/sources/{key}", s.get(s.getSource))
	s.mux.Handle("GET /api/v1/feeds", s.get(s.listFeeds))
	s.mux.Handle("GET /api/v1/search", s.get(s.search))
	s.adminRoutes()
	s.mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, marsad.Errorf(marsad.ENOTFOUND, "no API route %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	}))
	s.feedRoutes()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// statusOf maps the root package's error codes to HTTP statuses: the one
// place where they are.
func statusOf(code string) int {
	switch code {
	case marsad.EINVALID:
		return http.StatusBadRequest
	case marsad.ENOTFOUND:
		return http.StatusNotFound
	case marsad.ECONFLICT:
		return http.StatusConflict
	case marsad.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case eUnauthorized:
		return http.StatusUnauthorized
	case eForbidden:
		return http.StatusForbidden
	case eTooLarge:
		return http.StatusRequestEntityTooLarge
	case eUnsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// Codes of the HTTP layer's own refusals, beside the root package's.
const (
	eUnauthorized = "unauthorized"
	eForbidden    = "forbidden"
	eTooLarge     = "too_large"
	eUnsupported  = "unsupported_media_type"
)

// errorBody returns an error's status and JSON body. Internal errors are
// logged and answered with a plain message.
func (s *Server) errorBody(r *http.Request, err error) (int, []byte) {
	code := marsad.ErrorCode(err)
	if code == marsad.EINTERNAL && !errors.Is(err, context.Canceled) {
		s.opt.Log.Error("api request failed", "request_id", ops.RequestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	body, _ := json.Marshal(Error{Code: code, Message: marsad.ErrorMessage(err)})
	return statusOf(code), append(body, '\n')
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.errorBody(r, err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// get turns a handler returning a value into a cached JSON answer.
func (s *Server) get(h func(*http.Request) (any, error)) http.Handler {
	return s.raw(func(r *http.Request) ([]byte, string, error) {
		v, err := h(r)
		if err != nil {
			return nil, "", err
		}
		body, err := marshal(v)
		return body, "application/json", err
	})
}

func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("api: encode answer: %w", err)
	}
	return []byte(b.String()), nil
}

// raw answers GET and HEAD with what h computes, kept per data version and
// request URL, compressed once, with an ETag (and Last-Modified when h's
// entity has one: feeds set it through lastModified).
func (s *Server) raw(h func(*http.Request) ([]byte, string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version, err := s.ver.Get(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		key := r.URL.Path + "?" + r.URL.RawQuery
		if s.opt.BaseURL == "" {
			// Feeds out name the site by the request's host.
			key = r.Host + " " + key
		}
		e := s.cache.get(key, version)
		if e == nil {
			box := &lastModifiedBox{}
			r := r.WithContext(context.WithValue(r.Context(), lastModifiedKey{}, box))
			body, ctype, err := h(r)
			if err != nil {
				status, eb := s.errorBody(r, err)
				if status >= 500 {
					s.fail(w, r, err)
					return
				}
				// Keep what a client asked wrongly: asked again, it costs nothing.
				e = newEntry(status, "application/json", eb, time.Time{})
			} else {
				e = newEntry(http.StatusOK, ctype, body, box.t)
			}
			s.cache.put(key, version, e)
		}
		e.send(w, r)
	})
}

// lastModifiedKey carries a feed's latest item time from its handler to
// the answer.
type lastModifiedKey struct{}

type lastModifiedBox struct{ t time.Time }

// setLastModified records t as the Last-Modified time of r's answer.
func setLastModified(r *http.Request, t time.Time) {
	if b, ok := r.Context().Value(lastModifiedKey{}).(*lastModifiedBox); ok {
		b.t = t
	}
}

// cursor is the position of a list's next page. Clients get it opaque
// (base64url JSON) and give it back as it is; the list it belongs to is
// part of it, so a cursor of one list is refused by another.
type cursor struct {
	List   string `json:"l"`
	After  int64  `json:"a,omitempty"`
	Offset int    `json:"o,omitempty"`
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// readCursor decodes the request's cursor for list; none is the start.
func readCursor(r *http.Request, list string) (cursor, error) {
	raw := r.URL.Query().Get("cursor")
	if raw == "" {
		return cursor{List: list}, nil
	}
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.List != list || c.After < 0 || c.Offset < 0 {
		return c, marsad.Errorf(marsad.EINVALID, "cursor %q is not a cursor of this list: give back next_cursor as it was", raw)
	}
	return c, nil
}

// next returns the cursor string of the page after one that ended at
// offset+n of total, or nil on the last page.
func nextOffset(list string, offset, n, total int) *string {
	if n == 0 || offset+n >= total || offset+n > app.MaxListOffset {
		return nil
	}
	c := cursor{List: list, Offset: offset + n}.String()
	return &c
}

// limitArg reads ?limit= (default defaultLimit, at most app.MaxListLimit).
func limitArg(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > app.MaxListLimit {
		return 0, marsad.Errorf(marsad.EINVALID, "limit %q: want a number from 1 to %d", s, app.MaxListLimit)
	}
	return n, nil
}

func (s *Server) listArticles(r *http.Request) (any, error) {
	limit, err := limitArg(r)
	if err != nil {
		return nil, err
	}
	q := app.ArticleQuery{Source: r.URL.Query().Get("source"), Limit: limit}
	list := "articles"
	switch order := r.URL.Query().Get("order"); order {
	case "", "id":
	case "newest":
		q.Newest, list = true, "articles-newest"
	default:
		return nil, marsad.Errorf(marsad.EINVALID, "order %q: want id or newest", order)
	}
	list += ":" + q.Source
	c, err := readCursor(r, list)
	if err != nil {
		return nil, err
	}
	q.AfterID, q.Offset = c.After, c.Offset
	arts, total, err := s.pages.Articles(r.Context(), q)
	if err != nil {
		return nil, err
	}
	out := List[ArticleRef]{Items: refsOf(arts), Total: total}
	switch {
	case q.Newest:
		out.NextCursor = nextOffset(list, q.Offset, len(arts), total)
	case len(arts) == limit:
		// By id, the total counts the whole list; the walk ends when a
		// page comes back short.
		next := cursor{List: list, After: arts[len(arts)-1].ID}.String()
		out.NextCursor = &next
	}
	return out, nil
}

func (s *Server) getArticle(r *http.Request) (any, error) {
	id, err := httpx.PathID(r, "article")
	if err != nil {
		return nil, err
	}
	pg, err := s.pages.Article(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return articleOf(pg), nil
}

func (s *Server) lookupArticle(r *http.Request) (any, error) {
	u := r.URL.Query().Get("url")
	if u == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "url is required: /api/v1/articles/lookup?url=…")
	}
	pg, err := s.pages.ArticleByURL(r.Context(), u)
	if err != nil {
		return nil, err
	}
	return articleOf(pg), nil
}

func (s *Server) latestStories(r *http.Request) (any, error) {
	limit, err := limitArg(r)
	if err != nil {
		return nil, err
	}
	src := r.URL.Query().Get("source")
	list := "stories:" + src
	c, err := readCursor(r, list)
	if err != nil {
		return nil, err
	}
	items, total, err := s.pages.LatestStories(r.Context(), src, c.Offset, limit)
	if err != nil {
		return nil, err
	}
	return List[Story]{Items: storyItems(items), Total: total, NextCursor: nextOffset(list, c.Offset, len(items), total)}, nil
}

func (s *Server) topStories(r *http.Request) (any, error) {
	items, err := s.pages.TopStoryItems(r.Context(), r.URL.Query().Get("source"))
	if err != nil {
		return nil, err
	}
	return List[Story]{Items: storyItems(items), Total: len(items)}, nil
}

func (s *Server) getStory(r *http.Request) (any, error) {
	id, err := httpx.PathID(r, "story")
	if err != nil {
		return nil, err
	}
	list := "story:" + strconv.FormatInt(id, 10)
	c, err := readCursor(r, list)
	if err != nil {
		return nil, err
	}
	page := c.Offset/app.GroupsPerPage + 1
	if page > app.MaxPage {
		return nil, marsad.Errorf(marsad.EINVALID, "cursor beyond the last page a story is walked to")
	}
	pg, err := s.pages.Story(r.Context(), id, page)
	if err != nil {
		return nil, err
	}
	out := StoryDetail{Story: storyOf(pg.Story, pg.Outlets), Total: pg.Total, Groups: []CopyGroup{}}
	for _, g := range pg.Groups {
		out.Groups = append(out.Groups, CopyGroup{Article: refOf(g.Article), Copies: refsOf(g.Copies)})
	}
	if page < pg.Pages {
		n := cursor{List: list, Offset: page * app.GroupsPerPage}.String()
		out.NextCursor = &n
	}
	return out, nil
}

func (s *Server) getTag(r *http.Request) (any, error) {
	name := r.PathValue("name")
	list := "tag:" + name
	c, err := readCursor(r, list)
	if err != nil {
		return nil, err
	}
	page := c.Offset/app.ArticlesPerTag + 1
	if page > app.MaxPage {
		return nil, marsad.Errorf(marsad.EINVALID, "cursor beyond the last page a tag is walked to")
	}
	pg, err := s.pages.Tag(r.Context(), name, page)
	if err != nil {
		return nil, err
	}
	out := TagDetail{Name: pg.Tag.Name, Articles: refsOf(pg.Articles), Total: pg.Total}
	if page < pg.Pages {
		n := cursor{List: list, Offset: page * app.ArticlesPerTag}.String()
		out.NextCursor = &n
	}
	return out, nil
}

func (s *Server) listSources(r *http.Request) (any, error) {
	outlets, err := s.pages.Outlets(r.Context())
	if err != nil {
		return nil, err
	}
	out := List[Outlet]{Items: make([]Outlet, 0, len(outlets)), Total: len(outlets)}
	for _, o := range outlets {
		out.Items = append(out.Items, outletOf(o))
	}
	return out, nil
}

func (s *Server) getSource(r *http.Request) (any, error) {
	key := r.PathValue("key")
	list := "source:" + key
	c, err := readCursor(r, list)
	if err != nil {
		return nil, err
	}
	page := c.Offset/app.StoriesPerPage + 1
	if page > app.MaxPage {
		return nil, marsad.Errorf(marsad.EINVALID, "cursor beyond the last page an outlet is walked to")
	}
	pg, err := s.pages.Source(r.Context(), key, page)
	if err != nil {
		return nil, err
	}
	out := SourceDetail{Outlet: outletOf(pg.Outlet), Articles: refsOf(pg.Articles), FeedList: []Feed{}}
	for _, f := range pg.Outlet.Feeds {
		out.FeedList = append(out.FeedList, feedOf(f))
	}
	if page < pg.Pages {
		n := cursor{List: list, Offset: page * app.StoriesPerPage}.String()
		out.NextCursor = &n
	}
	return out, nil
}

func (s *Server) listFeeds(r *http.Request) (any, error) {
	limit, err := limitArg(r)
	if err != nil {
		return nil, err
	}
	c, err := readCursor(r, "feeds")
	if err != nil {
		return nil, err
	}
	feeds, total, err := s.pages.Feeds(r.Context(), c.Offset, limit)
	if err != nil {
		return nil, err
	}
	out := List[Feed]{Items: make([]Feed, 0, len(feeds)), Total: total, NextCursor: nextOffset("feeds", c.Offset, len(feeds), total)}
	for _, f := range feeds {
		out.Items = append(out.Items, feedOf(f))
	}
	return out, nil
}

func (s *Server) search(r *http.Request) (any, error) {
	q := r.URL.Query()
	sq := app.SearchQuery{Q: q.Get("q"), Source: q.Get("source"), From: q.Get("from"), To: q.Get("to")}
	// The cursor names the search by a hash of it, so it stays short.
	h := fnv.New64a()
	h.Write([]byte(sq.Q + "\x00" + sq.Source + "\x00" + sq.From + "\x00" + sq.To))
	list := "search:" + strconv.FormatUint(h.Sum64(), 36)
	c, err := readCursor(r, list)
	if err != nil {
		return nil, err
	}
	sq.Page = c.Offset/app.ResultsPerPage + 1
	if sq.Page > app.MaxPage {
		return nil, marsad.Errorf(marsad.EINVALID, "cursor beyond the last page of results")
	}
	pg, err := s.pages.Search(r.Context(), sq)
	if err != nil {
		return nil, err
	}
	out := List[SearchHit]{Items: make([]SearchHit, 0, len(pg.Results)), Total: pg.Total}
	for _, h := range pg.Results {
		hit := SearchHit{Article: refOf(h.Article), Others: h.Others, Title: segmentsOf(h.Title), Snippet: segmentsOf(h.Snippet)}
		if h.Story != nil {
			st := storyOf(h.Story, nil)
			hit.Story = &st
		}
		out.Items = append(out.Items, hit)
	}
	if sq.Page < pg.Pages {
		n := cursor{List: list, Offset: sq.Page * app.ResultsPerPage}.String()
		out.NextCursor = &n
	}
	return out, nil
}
