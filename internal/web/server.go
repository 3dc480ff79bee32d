// Package web serves marsad's pages (server-rendered, RTL, no JavaScript
// needed) and its health endpoint.
package web

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/search"
)

//go:embed templates/*.html
var templateFS embed.FS

// Store is what the web pages read.
type Store interface {
	marsad.ArticleService
	marsad.SearchService
	marsad.StoryService
}

// Analyzer is what the pages need of the Arabic analyzer.
type Analyzer interface {
	search.Analyzer
	search.Tokenizer
}

// Server serves the pages.
type Server struct {
	store    Store
	analyzer Analyzer
	log      *slog.Logger
	tmpl     *template.Template
	mux      *http.ServeMux
}

// New returns a Server over store.
func New(store Store, an Analyzer, log *slog.Logger) (*Server, error) {
	funcs := template.FuncMap{
		"date": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add":  func(a, b int) int { return a + b },
	}
	tmpl, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	s := &Server{store: store, analyzer: an, log: log, tmpl: tmpl, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.handleHome)
	s.mux.HandleFunc("GET /search", s.handleSearch)
	s.mux.HandleFunc("GET /articles/{id}", s.handleArticle)
	s.mux.HandleFunc("GET /stories/{id}", s.handleStory)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	return s, nil
}

// ServeHTTP implements http.Handler with security headers on every page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
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

type page struct {
	Title string
	Query string
	Data  any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.tmpl.ExecuteTemplate(w, name, p); err != nil {
		s.log.Error("render", "page", name, "path", r.URL.Path, "err", err)
	}
}

// fail shows an error page: the message of application errors, a plain
// text for internal ones (whose details go to the log).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch marsad.ErrorCode(err) {
	case marsad.ENOTFOUND:
		status = http.StatusNotFound
	case marsad.EINVALID:
		status = http.StatusBadRequest
	case marsad.ECONFLICT:
		status = http.StatusConflict
	}
	if status == http.StatusInternalServerError && !errors.Is(err, context.Canceled) {
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, "error.html", status, page{Title: "خطأ", Data: marsad.ErrorMessage(err)})
}

// topWindow is how far back the home page looks for top stories, from the
// newest story (not the clock, so an archive shows its own last days).
const topWindow = 48 * time.Hour

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, total, err := s.store.FindArticles(ctx, marsad.ArticleFilter{Newest: true, Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	top, err := s.topStories(ctx, 15)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "home.html", http.StatusOK, page{Title: "مرصد", Data: map[string]any{
		"Articles": list, "Total": total, "Stories": top}})
}

// topStories returns the stories of the last topWindow covered by the most
// outlets (then articles, then recency): what many newsrooms found worth
// reporting comes first.
func (s *Server) topStories(ctx context.Context, n int) ([]*marsad.Story, error) {
	latest, _, err := s.store.FindStories(ctx, marsad.StoryFilter{Limit: 1})
	if err != nil || len(latest) == 0 {
		return nil, err
	}
	list, _, err := s.store.FindStories(ctx, marsad.StoryFilter{
		From: latest[0].LastSeen.Add(-topWindow), MinArticles: 2, Limit: 500})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, func(a, b *marsad.Story) int {
		return cmp.Or(cmp.Compare(b.Outlets, a.Outlets), cmp.Compare(b.Articles, a.Articles), b.LastSeen.Compare(a.LastSeen))
	})
	return list[:min(n, len(list))], nil
}

func (s *Server) handleStory(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, marsad.Errorf(marsad.ENOTFOUND, "no story %q", r.PathValue("id")))
		return
	}
	st, err := s.store.FindStoryByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, _, err := s.store.FindArticles(r.Context(), marsad.ArticleFilter{StoryID: &id, Newest: true, Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "story.html", http.StatusOK, page{Title: st.Title, Data: map[string]any{"Story": st, "Articles": list}})
}

type resultView struct {
	Article *marsad.Article
	Copies  int
	Title   []search.Segment
	Snippet []search.Segment
}

const pageSize = 20

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query().Get("q")
	if qs == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	pageNo, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pageNo = max(pageNo, 1)
	start := time.Now()
	q, err := search.Parse(qs, s.analyzer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.Request.Limit, q.Request.Offset = pageSize, (pageNo-1)*pageSize
	hits, total, err := s.store.Search(r.Context(), q.Request)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	results := make([]resultView, len(hits))
	for i, h := range hits {
		results[i] = resultView{
			Article: h.Article,
			Copies:  h.Copies,
			Title:   search.Highlight(s.analyzer, h.Article.Title, q.Terms),
			Snippet: search.Snippet(s.analyzer, h.Article.Body, q.Terms, 30),
		}
	}
	data := map[string]any{
		"Results": results, "Total": total, "Page": pageNo, "Offset": q.Request.Offset,
		"Prev": pageNo - 1, "Next": 0, "Millis": float64(time.Since(start).Microseconds()) / 1000,
	}
	if q.Request.Offset+len(hits) < total {
		data["Next"] = pageNo + 1
	}
	s.render(w, r, "search.html", http.StatusOK, page{Title: qs + " — بحث", Query: qs, Data: data})
}

func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, marsad.Errorf(marsad.ENOTFOUND, "no article %q", r.PathValue("id")))
		return
	}
	a, err := s.store.FindArticleByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	copies, err := s.store.FindCopies(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var story *marsad.Story
	if a.StoryID != 0 {
		if story, err = s.store.FindStoryByID(r.Context(), a.StoryID); err != nil && marsad.ErrorCode(err) != marsad.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "article.html", http.StatusOK, page{Title: a.Title, Data: map[string]any{
		"Article": a, "Copies": copies, "Story": story}})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := s.store.CountArticles(r.Context()); err != nil {
		s.log.Error("health", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
