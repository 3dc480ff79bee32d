package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
)

// Feeds out: every list a reader follows — the home page's stories, one
// story's coverage, a tag, an outlet, a search — as Atom (RFC 4287), RSS
// 2.0 and JSON Feed 1.1, chosen by the file extension.

// feedItems is how many entries a feed out carries.
const feedItems = 30

// feedDoc is one feed before it is written in a format.
type feedDoc struct {
	Title   string
	Desc    string
	Page    string // the site's page of the list (absolute)
	Self    string // the feed's own address (absolute)
	Updated time.Time
	Items   []feedItem
}

type feedItem struct {
	ID        string // the item's page on the site: permanent, unique
	Title     string
	Link      string
	Summary   string
	Author    string // the outlet's name
	Published time.Time
	Updated   time.Time
}

func (s *Server) feedRoutes() {
	for _, ext := range []string{"atom", "rss", "json"} {
		s.mux.Handle("GET /feeds/home."+ext, s.feed(s.homeFeed))
		s.mux.Handle("GET /feeds/search."+ext, s.feed(s.searchFeed))
	}
	s.mux.Handle("GET /feeds/stories/{file}", s.feed(s.storyFeed))
	s.mux.Handle("GET /feeds/tags/{file}", s.feed(s.tagFeed))
	s.mux.Handle("GET /feeds/sources/{file}", s.feed(s.sourceFeed))
	s.mux.Handle("/feeds/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, marsad.Errorf(marsad.ENOTFOUND, "no feed at %s", r.URL.Path))
	}))
}

// feedFormat splits "name.ext" into the name and a known format.
func feedFormat(file string) (string, string, error) {
	i := strings.LastIndexByte(file, '.')
	if i > 0 {
		switch ext := file[i+1:]; ext {
		case "atom", "rss", "json":
			return file[:i], ext, nil
		}
	}
	return "", "", marsad.Errorf(marsad.ENOTFOUND, "no feed %q: feeds end in .atom, .rss or .json", file)
}

// feed turns a feed builder into a cached answer in the format the path
// names, with Last-Modified at the latest entry.
func (s *Server) feed(build func(r *http.Request, name string) (*feedDoc, error)) http.Handler {
	return s.raw(func(r *http.Request) ([]byte, string, error) {
		file := r.PathValue("file")
		if file == "" {
			file = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		}
		name, ext, err := feedFormat(file)
		if err != nil {
			return nil, "", err
		}
		doc, err := build(r, name)
		if err != nil {
			return nil, "", err
		}
		doc.Self = s.base(r) + r.URL.RequestURI()
		for _, it := range doc.Items {
			if it.Updated.After(doc.Updated) {
				doc.Updated = it.Updated
			}
		}
		if doc.Updated.IsZero() {
			// An empty feed is as new as the data it was computed from.
			doc.Updated = s.opt.Now()
		}
		setLastModified(r, doc.Updated)
		switch ext {
		case "atom":
			b, err := doc.atom()
			return b, "application/atom+xml; charset=utf-8", err
		case "rss":
			b, err := doc.rss()
			return b, "application/rss+xml; charset=utf-8", err
		}
		b, err := doc.jsonFeed()
		return b, "application/feed+json", err
	})
}

// base is the site's public address.
func (s *Server) base(r *http.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL
	}
	return "http://" + r.Host
}

func (s *Server) articleItem(r *http.Request, a *marsad.Article, summary string) feedItem {
	page := s.base(r) + "/articles/" + strconv.FormatInt(a.ID, 10)
	return feedItem{ID: page, Title: a.Title, Link: page, Summary: summary, Author: a.SourceName,
		Published: a.Published, Updated: a.Published}
}

func (s *Server) homeFeed(r *http.Request, name string) (*feedDoc, error) {
	items, _, err := s.pages.LatestStories(r.Context(), "", 0, feedItems)
	if err != nil {
		return nil, err
	}
	doc := &feedDoc{Title: "مرصد — آخر القصص", Desc: "آخر القصص في مرصد، كل قصة مرة واحدة مع كل من غطّاها.",
		Page: s.base(r) + "/"}
	for _, it := range items {
		page := s.base(r) + "/stories/" + strconv.FormatInt(it.Story.ID, 10)
		names := make([]string, 0, len(it.Outlets))
		for _, o := range it.Outlets {
			names = append(names, o.Name)
		}
		doc.Items = append(doc.Items, feedItem{ID: page, Title: it.Story.Title, Link: page,
			Summary: strconv.Itoa(it.Story.Articles) + " مقال من: " + strings.Join(names, "، "),
			Author:  strings.Join(names, "، "), Published: it.Story.FirstSeen, Updated: it.Story.LastSeen})
	}
	return doc, nil
}

func (s *Server) storyFeed(r *http.Request, name string) (*feedDoc, error) {
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil || id <= 0 {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no story %q", name)
	}
	pg, err := s.pages.Story(r.Context(), id, 1)
	if err != nil {
		return nil, err
	}
	doc := &feedDoc{Title: "مرصد — " + pg.Story.Title, Desc: "تغطية القصة في كل المصادر.",
		Page: s.base(r) + "/stories/" + name}
	groups := slices.Clone(pg.Groups)
	slices.Reverse(groups) // the timeline is oldest first; a feed newest first
	for _, g := range groups[:min(len(groups), feedItems)] {
		doc.Items = append(doc.Items, s.articleItem(r, g.Article, g.Article.SourceName))
	}
	return doc, nil
}

func (s *Server) tagFeed(r *http.Request, name string) (*feedDoc, error) {
	pg, err := s.pages.Tag(r.Context(), name, 1)
	if err != nil {
		return nil, err
	}
	doc := &feedDoc{Title: "مرصد — " + pg.Tag.Name, Desc: "آخر المقالات الموسومة «" + pg.Tag.Name + "».",
		Page: s.base(r) + "/tags/" + url.PathEscape(name)}
	for _, a := range pg.Articles {
		doc.Items = append(doc.Items, s.articleItem(r, a, a.SourceName))
	}
	return doc, nil
}

func (s *Server) sourceFeed(r *http.Request, name string) (*feedDoc, error) {
	pg, err := s.pages.Source(r.Context(), name, 1)
	if err != nil {
		return nil, err
	}
	src := pg.Outlet.Source
	doc := &feedDoc{Title: "مرصد — " + src.Name, Desc: "آخر مقالات " + src.Name + " في مرصد.",
		Page: s.base(r) + "/sources/" + url.PathEscape(name)}
	for _, a := range pg.Articles {
		doc.Items = append(doc.Items, s.articleItem(r, a, src.Name))
	}
	return doc, nil
}

func (s *Server) searchFeed(r *http.Request, _ string) (*feedDoc, error) {
	q := r.URL.Query()
	sq := app.SearchQuery{Q: q.Get("q"), Source: q.Get("source"), From: q.Get("from"), To: q.Get("to"), Page: 1}
	if strings.TrimSpace(sq.Q) == "" && sq.Source == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "a search feed needs a query: /feeds/search.atom?q=…")
	}
	pg, err := s.pages.Search(r.Context(), sq)
	if err != nil {
		return nil, err
	}
	doc := &feedDoc{Title: "مرصد — بحث: " + sq.Q, Desc: "نتائج البحث عن «" + sq.Q + "» في مرصد.",
		Page: s.base(r) + "/search?" + r.URL.RawQuery}
	for _, h := range pg.Results {
		var snip strings.Builder
		for _, seg := range h.Snippet {
			snip.WriteString(seg.Text)
		}
		doc.Items = append(doc.Items, s.articleItem(r, h.Article, snip.String()))
	}
	return doc, nil
}

// Atom (RFC 4287): feed id, title and updated are required, and an author
// unless every entry has one; each entry needs id, title, updated and a
// link or content.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Sub     string      `xml:"subtitle,omitempty"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Gen     string      `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published,omitempty"`
	Author    *atomPerson `xml:"author"`
	Link      atomLink    `xml:"link"`
	Summary   string      `xml:"summary,omitempty"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (d *feedDoc) atom() ([]byte, error) {
	f := atomFeed{Lang: "ar", ID: d.Self, Title: d.Title, Sub: d.Desc, Updated: rfc3339(d.Updated),
		Author: atomPerson{Name: "marsad"}, Gen: "marsad",
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: d.Self}, {Rel: "alternate", Type: "text/html", Href: d.Page}}}
	for _, it := range d.Items {
		e := atomEntry{ID: it.ID, Title: it.Title, Updated: rfc3339(it.Updated), Link: atomLink{Rel: "alternate", Type: "text/html", Href: it.Link},
			Summary: it.Summary}
		if !it.Published.IsZero() {
			e.Published = rfc3339(it.Published)
		}
		if it.Author != "" {
			e.Author = &atomPerson{Name: it.Author}
		}
		f.Entries = append(f.Entries, e)
	}
	return marshalXML(f)
}

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// RSS 2.0: a channel needs title, link and description; an item a title
// or a description. The Atom namespace carries the self link, as the RSS
// Advisory Board recommends.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	DCNS    string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title     string    `xml:"title"`
	Link      string    `xml:"link"`
	Desc      string    `xml:"description"`
	Lang      string    `xml:"language"`
	LastBuild string    `xml:"lastBuildDate"`
	Gen       string    `xml:"generator"`
	Self      rssSelf   `xml:"atom:link"`
	Items     []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title   string  `xml:"title"`
	Link    string  `xml:"link"`
	Desc    string  `xml:"description,omitempty"`
	GUID    rssGUID `xml:"guid"`
	PubDate string  `xml:"pubDate,omitempty"`
	// The outlet's name (Dublin Core): RSS's own author element wants an
	// e-mail address.
	Creator string `xml:"dc:creator,omitempty"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func (d *feedDoc) rss() ([]byte, error) {
	c := rssChannel{Title: d.Title, Link: d.Page, Desc: d.Desc, Lang: "ar", LastBuild: d.Updated.UTC().Format(time.RFC1123Z),
		Gen: "marsad", Self: rssSelf{Href: d.Self, Rel: "self", Type: "application/rss+xml"}}
	for _, it := range d.Items {
		item := rssItem{Title: it.Title, Link: it.Link, Desc: it.Summary, GUID: rssGUID{IsPermaLink: "true", Value: it.ID},
			Creator: it.Author}
		if !it.Published.IsZero() {
			item.PubDate = it.Published.UTC().Format(time.RFC1123Z)
		}
		c.Items = append(c.Items, item)
	}
	return marshalXML(rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom",
		DCNS: "http://purl.org/dc/elements/1.1/", Channel: c})
}

// JSON Feed 1.1: version and title are required, each item an id and
// content_html or content_text.
type jsonFeed struct {
	Version  string         `json:"version"`
	Title    string         `json:"title"`
	Home     string         `json:"home_page_url"`
	FeedURL  string         `json:"feed_url"`
	Desc     string         `json:"description,omitempty"`
	Language string         `json:"language"`
	Items    []jsonFeedItem `json:"items"`
}

type jsonFeedItem struct {
	ID        string           `json:"id"`
	URL       string           `json:"url"`
	Title     string           `json:"title"`
	Text      string           `json:"content_text"`
	Published string           `json:"date_published,omitempty"`
	Modified  string           `json:"date_modified,omitempty"`
	Authors   []jsonFeedAuthor `json:"authors,omitempty"`
}

type jsonFeedAuthor struct {
	Name string `json:"name"`
}

func (d *feedDoc) jsonFeed() ([]byte, error) {
	f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: d.Title, Home: d.Page, FeedURL: d.Self,
		Desc: d.Desc, Language: "ar", Items: []jsonFeedItem{}}
	for _, it := range d.Items {
		item := jsonFeedItem{ID: it.ID, URL: it.Link, Title: it.Title, Text: it.Summary, Modified: rfc3339(it.Updated)}
		if item.Text == "" {
			item.Text = it.Title
		}
		if !it.Published.IsZero() {
			item.Published = rfc3339(it.Published)
		}
		if it.Author != "" {
			item.Authors = []jsonFeedAuthor{{Name: it.Author}}
		}
		f.Items = append(f.Items, item)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
