package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/httpx"
	"github.com/marsad/marsad/internal/search"
)

// funcs are the template functions of one digit style.
func (f format) funcs() template.FuncMap {
	return template.FuncMap{
		"num":      f.num,
		"count":    f.count,
		"full":     f.full,
		"relative": f.relative,
		"clock":    f.clock,
		"day":      f.day,
		"short":    f.short,
		"digits":   f.digitsOf,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"isodate":  func(t time.Time) string { return t.In(f.zone).Format("2006-01-02") },
		"bidi":     balanceBidi,
		"esc":      pathEscape,
		"sameday":  func(a, b time.Time) bool { return a.In(f.zone).Format("20060102") == b.In(f.zone).Format("20060102") },
		"add":      func(a, b int) int { return a + b },
		"ms": func(d time.Duration) string {
			return f.digitsOf(strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64))
		},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// describe cuts text to a description of about 160 characters.
func describe(text string) string {
	text = strings.Join(strings.Fields(balanceBidi(text)), " ")
	if utf8.RuneCountInString(text) <= 160 {
		return text
	}
	rs := []rune(text)[:160]
	if i := strings.LastIndexByte(string(rs), ' '); i > 80 {
		return string(rs)[:i] + "…"
	}
	return string(rs) + "…"
}

type homeData struct {
	*app.HomePage
	Pager pager
}

func (s *Server) home(r *http.Request) (*view, error) {
	page, err := pageNum(r)
	if err != nil {
		return nil, err
	}
	q := app.HomeQuery{Source: r.URL.Query().Get("source"), Tag: r.URL.Query().Get("tag"), Page: page}
	h, err := s.pages.Home(r.Context(), q)
	if err != nil {
		return nil, err
	}
	if page > h.Pages {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "the home page has %d pages", h.Pages)
	}
	title, path := "مرصد — أبرز القصص في الأخبار العربية", withPage("/", page)
	if h.Source != nil {
		title = "مرصد — قصص " + balanceBidi(h.Source.Name)
		path = "/?source=" + pathEscape(h.Source.Key)
		if page > 1 {
			path += "&page=" + itoa(page)
		}
	}
	return &view{name: "home.html", status: http.StatusOK, title: title, path: path,
		desc:  "كل قصة مرة واحدة مع كل من غطّاها: أبرز القصص وآخرها من المصادر العربية التي يتابعها مرصد.",
		data:  homeData{HomePage: h, Pager: pagerOf(r, h.Page, h.Pages)},
		query: ""}, nil
}

type storyData struct {
	*app.StoryPage
	Pager pager
}

func (s *Server) story(r *http.Request) (*view, error) {
	id, err := httpx.PathID(r, "story")
	if err != nil {
		return nil, err
	}
	page, err := pageNum(r)
	if err != nil {
		return nil, err
	}
	st, err := s.pages.Story(r.Context(), id, page)
	if err != nil {
		return nil, err
	}
	if page > st.Pages {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "story %d has %d pages", id, st.Pages)
	}
	return &view{name: "story.html", status: http.StatusOK, title: balanceBidi(st.Story.Title) + " — التغطية الكاملة",
		path: withPage("/stories/"+itoa64(id), page),
		desc: describe("التغطية الكاملة: " + st.Story.Title),
		data: storyData{StoryPage: st, Pager: pagerOf(r, page, st.Pages)}}, nil
}

func (s *Server) article(r *http.Request) (*view, error) {
	id, err := httpx.PathID(r, "article")
	if err != nil {
		return nil, err
	}
	a, err := s.pages.Article(r.Context(), id)
	if err != nil {
		return nil, err
	}
	desc := a.Article.Summary
	if desc == "" {
		desc = a.Article.Body
	}
	return &view{name: "article.html", status: http.StatusOK, title: balanceBidi(a.Article.Title) + " — " + balanceBidi(a.Article.SourceName),
		path: "/articles/" + itoa64(id), desc: describe(desc), data: a, partial: a.RelatedPending}, nil
}

type tagData struct {
	*app.TagPage
	Pager pager
}

func (s *Server) tag(r *http.Request) (*view, error) {
	page, err := pageNum(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	t, err := s.pages.Tag(r.Context(), name, page)
	if err != nil {
		return nil, err
	}
	if page > t.Pages {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "tag %q has %d pages", name, t.Pages)
	}
	return &view{name: "tag.html", status: http.StatusOK, title: balanceBidi(t.Tag.Name) + " — مرصد",
		path: withPage("/tags/"+pathEscape(name), page), desc: describe("آخر الأخبار عن " + t.Tag.Name),
		data: tagData{TagPage: t, Pager: pagerOf(r, page, t.Pages)}}, nil
}

func (s *Server) outlets(r *http.Request) (*view, error) {
	list, err := s.pages.Outlets(r.Context())
	if err != nil {
		return nil, err
	}
	return &view{name: "sources.html", status: http.StatusOK, title: "المصادر — مرصد", path: "/sources", clock: true,
		desc: "المصادر التي يتابعها مرصد وحال خلاصاتها.", data: list}, nil
}

type sourceData struct {
	*app.SourcePage
	Pager pager
}

func (s *Server) source(r *http.Request) (*view, error) {
	page, err := pageNum(r)
	if err != nil {
		return nil, err
	}
	key := r.PathValue("key")
	sp, err := s.pages.Source(r.Context(), key, page)
	if err != nil {
		return nil, err
	}
	if page > sp.Pages {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "source %q has %d pages", key, sp.Pages)
	}
	return &view{name: "source.html", status: http.StatusOK, clock: true, title: balanceBidi(sp.Outlet.Source.Name) + " — مرصد",
		path: withPage("/sources/"+pathEscape(key), page), desc: describe("آخر ما نشره " + sp.Outlet.Source.Name + " وحال خلاصاته."),
		data: sourceData{SourcePage: sp, Pager: pagerOf(r, page, sp.Pages)}}, nil
}

// searchData is the search page: results, or the reader's query with what
// is wrong with it.
type searchData struct {
	Form    app.SearchQuery
	Result  *app.SearchPage
	Problem string
	Pager   pager
}

func (s *Server) search(r *http.Request) (*view, error) {
	qv := r.URL.Query()
	form := app.SearchQuery{Q: qv.Get("q"), Source: qv.Get("source"), From: qv.Get("from"), To: qv.Get("to")}
	v := &view{name: "search.html", status: http.StatusOK, noindex: true, query: form.Q,
		title: "بحث — مرصد", path: "/search", desc: "البحث في أرشيف مرصد."}
	if form.Q != "" {
		v.title = balanceBidi(form.Q) + " — بحث في مرصد"
		v.path = "/search?q=" + pathEscapeQuery(form.Q)
	}
	data := searchData{Form: form}
	v.data = &data
	if strings.TrimSpace(form.Q) == "" && form.Source == "" && form.From == "" && form.To == "" {
		return v, nil // the empty form
	}
	page, err := pageNum(r)
	if err == nil {
		form.Page = page
		data.Result, err = s.pages.Search(r.Context(), form)
	}
	switch code := marsad.ErrorCode(err); {
	case err == nil:
		data.Pager = pagerOf(r, data.Result.Page, data.Result.Pages)
	case code == marsad.EINVALID:
		// The reader's text stays in the box, with what is wrong in Arabic.
		v.status = http.StatusBadRequest
		if msg, ok := search.ArabicMessage(err); ok {
			data.Problem = msg
		} else {
			data.Problem = readerMessage(err)
		}
	default:
		return nil, err
	}
	return v, nil
}

func pathEscapeQuery(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
