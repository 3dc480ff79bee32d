package api

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/httpx"
)

// The admin API: the feed admin's use cases (app.Feeds) for programs,
// behind the admin token as a Bearer token. Its answers are never cached:
// they go around s.raw, whose cache is shared by every client.
func (s *Server) adminRoutes() {
	s.mux.Handle("GET /api/v1/admin/feeds", s.admin(s.adminList))
	s.mux.Handle("POST /api/v1/admin/feeds", s.admin(s.adminAdd))
	s.mux.Handle("POST /api/v1/admin/feeds/import", s.admin(s.adminImport))
	s.mux.Handle("GET /api/v1/admin/feeds/export", http.HandlerFunc(s.adminExport))
	s.mux.Handle("POST /api/v1/admin/feeds/{id}/pause", s.admin(s.adminFeed("pause")))
	s.mux.Handle("POST /api/v1/admin/feeds/{id}/resume", s.admin(s.adminFeed("resume")))
	s.mux.Handle("POST /api/v1/admin/feeds/{id}/poll", s.admin(s.adminFeed("poll")))
}

// adminAllowed answers the refusal of a request without the admin token
// (403 while the admin is off, 401 for a missing or wrong token) and
// tells whether the request may go on.
func (s *Server) adminAllowed(w http.ResponseWriter, r *http.Request) bool {
	if s.opt.AdminToken == "" || s.opt.Feeds == nil {
		s.fail(w, r, marsad.Errorf(eForbidden, "the admin API is off: start serve with --admin-token (MARSAD_ADMIN_TOKEN)"))
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// Hashed first: the comparison takes the same time whatever the
	// guess, its length included.
	g, want := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(s.opt.AdminToken))
	if !ok || subtle.ConstantTimeCompare(g[:], want[:]) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="marsad admin"`)
		s.fail(w, r, marsad.Errorf(eUnauthorized, "the admin token is required: Authorization: Bearer TOKEN"))
		return false
	}
	return true
}

// admin turns an admin handler into an answer: the token checked, the
// value written as JSON, never stored by a cache.
func (s *Server) admin(h func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.adminAllowed(w, r) {
			return
		}
		v, err := h(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body, err := marshal(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	})
}

func (s *Server) adminList(r *http.Request) (any, error) {
	limit, err := limitArg(r)
	if err != nil {
		return nil, err
	}
	c, err := readCursor(r, "admin-feeds")
	if err != nil {
		return nil, err
	}
	list, total, err := s.opt.Feeds.List(r.Context(), c.Offset, limit)
	if err != nil {
		return nil, err
	}
	out := List[Feed]{Items: make([]Feed, 0, len(list)), Total: total, NextCursor: nextOffset("admin-feeds", c.Offset, len(list), total)}
	for _, f := range list {
		out.Items = append(out.Items, feedOf(f))
	}
	return out, nil
}

// maxAdminBody bounds an admin request's body (an OPML file at most).
const maxAdminBody = 2 << 20

func (s *Server) adminAdd(r *http.Request) (any, error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return nil, marsad.Errorf(eUnsupported, "Content-Type %q: send application/json {\"url\": \"https://…\"}", ct)
	}
	var in struct {
		URL string `json:"url"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, marsad.Errorf(marsad.EINVALID, "body: want {\"url\": \"https://…\"}: %v", err)
	}
	added, err := s.opt.Feeds.Add(r.Context(), in.URL)
	if err != nil {
		return nil, err
	}
	out := AddedFeeds{Items: make([]AddedFeed, 0, len(added))}
	for _, a := range added {
		out.Items = append(out.Items, AddedFeed{Feed: feedOf(a.Feed), Added: a.Added})
	}
	return out, nil
}

func (s *Server) adminImport(r *http.Request) (any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxAdminBody {
		return nil, marsad.Errorf(eTooLarge, "the OPML file is over %d bytes", maxAdminBody)
	}
	list, err := feeds.ParseOPML(bytes.NewReader(body), "the body")
	if err != nil {
		return nil, marsad.Errorf(marsad.EINVALID, "%v", err)
	}
	res, err := s.opt.Feeds.Import(r.Context(), list)
	if err != nil {
		return nil, err
	}
	problems := res.Problems
	if problems == nil {
		problems = []string{}
	}
	return FeedImportResult{Read: res.Read, Added: res.Added, Existing: res.Existing, Problems: problems}, nil
}

func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) {
	if !s.adminAllowed(w, r) {
		return
	}
	title, list, _, err := s.opt.Feeds.Export(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := feeds.WriteOPML(&b, title, list); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

func (s *Server) adminFeed(action string) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		id, err := httpx.PathID(r, "feed")
		if err != nil {
			return nil, err
		}
		var f *marsad.Feed
		switch action {
		case "pause":
			f, err = s.opt.Feeds.Pause(r.Context(), id)
		case "resume":
			f, err = s.opt.Feeds.Resume(r.Context(), id)
		default:
			f, err = s.opt.Feeds.PollNow(r.Context(), id)
		}
		if err != nil {
			return nil, err
		}
		return feedOf(f), nil
	}
}
