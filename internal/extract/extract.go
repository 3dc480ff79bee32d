// Package extract turns an article page's HTML into a clean article: title,
// date, author, publisher tags, main text as paragraphs and sanitized HTML.
//
// Metadata comes from what publishers declare (JSON-LD NewsArticle, OpenGraph,
// article:* and news_keywords meta); the main text from a readability pass
// (readeck go-readability) wrapped in Arabic-aware cleaning: "اقرأ أيضاً",
// "مقالات مشابهة", "كلمات دلالية", share and newsletter blocks and link lists
// are dropped, paragraphs stay paragraphs, and lengths are measured in runes.
package extract

import (
	"bytes"
	"fmt"
	"log/slog"
	nurl "net/url"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"

	"github.com/marsad/marsad/internal/fetch"
)

// Result is the article found in one page.
type Result struct {
	Title        string
	Author       string
	Description  string
	SiteName     string
	Lang         string
	CanonicalURL string
	Published    time.Time
	// Section is the publisher's section (JSON-LD articleSection, else
	// article:section): "رياضة", "اقتصاد"…
	Section string
	Tags    []string // publisher tags, in page order, without repeats
	Text    string   // main text, paragraphs separated by "\n"
	HTML    string   // main content as sanitized HTML
}

// Paragraphs returns Text split into its paragraphs.
func (r *Result) Paragraphs() []string {
	if r.Text == "" {
		return nil
	}
	return strings.Split(r.Text, "\n")
}

// Extract reads one article page. pageURL resolves relative links and may
// be empty. html may be in any encoding a page declares (windows-1256 is
// common on Arabic sites); it is converted to UTF-8 first. An error means
// the input could not be read as HTML at all; a page without a findable
// article gives a Result with empty Text.
func Extract(page []byte, pageURL string) (*Result, error) {
	where := pageURL
	if where == "" {
		where = "page"
	}
	if !utf8.Valid(page) {
		var err error
		if page, _, err = fetch.ToUTF8(page, ""); err != nil {
			return nil, fmt.Errorf("extract %s: %w", where, err)
		}
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("extract %s: parse html: %w", where, err)
	}
	var base *nurl.URL
	if pageURL != "" {
		if base, err = nurl.Parse(pageURL); err != nil {
			return nil, fmt.Errorf("extract %s: bad page url: %w", where, err)
		}
	}
	m := collectMeta(doc)
	res := &Result{}
	res.Lang = firstNonEmpty(m.lang, m.get("og:locale", "content-language", "language", "inlanguage"))
	res.SiteName = firstNonEmpty(m.get("og:site_name", "application-name"), m.ld.Publisher)
	res.Description = firstNonEmpty(m.get("og:description", "description", "twitter:description"), m.ld.Description)
	res.Author = firstNonEmpty(m.ld.Author, m.get("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author"))
	if strings.HasPrefix(res.Author, "http") {
		res.Author = "" // article:author is often a profile URL, not a name
	}
	res.CanonicalURL = resolve(base, firstNonEmpty(m.canonical, m.get("og:url"), m.ld.URL))
	res.Section = firstNonEmpty(m.ld.Section, m.get("article:section"))

	pageDate := pickDate(m, pageURL)
	if pageDate.IsZero() {
		pageDate = findPageDate(doc)
	}
	res.Tags = publisherTags(m, removeBoilerplate(doc))

	p := readability.NewParser()
	p.Logger = slog.New(slog.DiscardHandler)
	p.DisableJSONLD = true // read above, once
	p.KeepClasses = true   // paragraphs() reads them to skip captions and share bars
	art, err := p.ParseAndMutate(doc, base)
	var paras []string
	if err == nil && art.Node != nil {
		paras = paragraphs(art.Node)
		res.HTML = sanitize(art.Node, base)
	}
	// Some pages render the body from JSON-LD with script; prefer the
	// publisher's articleBody when the page text found is much shorter.
	if ldParas := splitLines(m.ld.Body); runeLen(ldParas) > 2*runeLen(paras)+200 {
		paras = ldParas
		res.HTML = paragraphsHTML(ldParas)
	}
	res.Title = pickTitle(m, art.Title(), res.SiteName)
	paras, leadDate := trimLead(paras, res.Title)
	res.Text = strings.Join(trimTail(paras), "\n")
	res.Published = pageDate
	if res.Published.IsZero() {
		res.Published = leadDate
	}
	if res.Published.IsZero() {
		if t, err := art.PublishedTime(); err == nil {
			res.Published = t
		}
	}
	return res, nil
}

func resolve(base *nurl.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || base == nil {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ""
	}
	return u.String()
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = collapseSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func runeLen(paras []string) int {
	n := 0
	for _, p := range paras {
		n += utf8.RuneCountInString(p)
	}
	return n
}

// titleSeparators split a page title from the site name around it.
var titleSeparators = []string{" | ", " - ", " – ", " — ", " :: ", " » ", " ـ "}

// pickTitle prefers the publisher's headline (JSON-LD, then OpenGraph) over
// <title>, and strips a site name glued to either end.
func pickTitle(m *meta, readTitle, site string) string {
	t := firstNonEmpty(m.ld.Headline, m.get("og:title", "twitter:title", "headline", "title"), readTitle, m.htmlTitle)
	return stripSiteName(t, site)
}

func stripSiteName(t, site string) string {
	for _, sep := range titleSeparators {
		i := strings.Index(t, sep)
		if i < 0 {
			continue
		}
		head, tail := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
		switch {
		case site != "" && strings.EqualFold(tail, site):
			return head
		case site != "" && strings.EqualFold(head, site):
			return tail
		case utf8.RuneCountInString(head) <= 25 && utf8.RuneCountInString(tail) >= 3*utf8.RuneCountInString(head) && strings.Count(t, sep) == 1 && looksLikeSite(head):
			return tail
		}
	}
	return t
}

// looksLikeSite tells a short site name ("المدينة نيوز") from a headline
// prefix such as a quoted speaker ("بلينكن:").
func looksLikeSite(s string) bool {
	return !strings.ContainsAny(s, ":؟?!«»\"")
}

// dateKeys are meta names and properties carrying the publication date, in
// order of trust.
var dateKeys = []string{
	"article:published_time", "og:published_time", "datepublished", "publishdate", "publish-date",
	"pubdate", "publication_date", "sailthru.date", "parsely-pub-date", "dc.date.issued", "dcterms.created",
	"dc.date", "date", "article:modified_time", "og:updated_time", "datemodified",
}

func pickDate(m *meta, pageURL string) time.Time {
	if t := parseDate(m.ld.Published); !t.IsZero() {
		return t
	}
	for _, k := range dateKeys {
		if t := parseTextDate(m.props[k]); !t.IsZero() {
			return t
		}
	}
	return dateFromURL(pageURL)
}

// trimLead drops what sits above the first real paragraph and is not
// prose: the headline repeated, and date lines ("November 9, 2020",
// "الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00").
// The date of a dropped date line is returned for pages that declare none.
func trimLead(paras []string, title string) (kept []string, date time.Time) {
	ft := foldMarker(title)
	for len(paras) > 1 {
		p := paras[0]
		n := utf8.RuneCountInString(p)
		if n >= 100 {
			break
		}
		if ft != "" && foldMarker(p) == ft {
			paras = paras[1:]
			continue
		}
		if t := parseTextDate(p); n < 80 && !t.IsZero() {
			if date.IsZero() {
				date = t
			}
			paras = paras[1:]
			continue
		}
		break
	}
	return paras, date
}

// disclaimers are folded phrases of the comment policies and copyright
// lines that Arabic sites print under articles.
var disclaimers = []string{
	"تعبرعنراي", "جميعالحقوقمحفوظه", "سياسهالخصوصيه", "شروطالاستخدام", "ارشاداتالاستخدام",
	"مراجعهالتعليقات", "لامانعمنالاقتباس", "allrightsreserved",
}

// trimTail drops trailing comment-policy and copyright paragraphs.
func trimTail(paras []string) []string {
	for len(paras) > 1 {
		f := foldMarker(paras[len(paras)-1])
		hit := false
		for _, d := range disclaimers {
			if strings.Contains(f, d) {
				hit = true
				break
			}
		}
		if !hit || utf8.RuneCountInString(paras[len(paras)-1]) > 400 {
			break
		}
		paras = paras[:len(paras)-1]
	}
	return paras
}

// publisherTags merges article:tag, news_keywords, JSON-LD keywords,
// keywords and the links of the page's tag box (boxTags), dropping repeats
// and "tags" that are really the whole title (some sites put the headline in
// keywords).
func publisherTags(m *meta, boxTags []string) []string {
	var raw []string
	for _, t := range m.tags {
		raw = append(raw, splitTags(t)...)
	}
	raw = append(raw, splitTags(m.props["news_keywords"])...)
	raw = append(raw, m.ld.Keywords...)
	raw = append(raw, splitTags(m.props["keywords"])...)
	raw = append(raw, boxTags...)
	seen := map[string]bool{}
	var out []string
	for _, t := range raw {
		t = strings.Trim(t, " .\"'«»")
		key := strings.ToLower(t)
		if t == "" || seen[key] || utf8.RuneCountInString(t) > 50 || strings.Count(t, " ") > 5 {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	return out
}

// FragmentText turns an HTML fragment (a feed item's content or summary)
// into paragraphs separated by "\n", with the same rules as Extract: block
// elements end paragraphs, link lists and read-also lines are dropped.
func FragmentText(fragment string) string {
	if !strings.Contains(fragment, "<") {
		return strings.Join(splitLines(html.UnescapeString(fragment)), "\n")
	}
	doc, err := html.Parse(strings.NewReader("<html><body><div>" + fragment + "</div></body></html>"))
	if err != nil {
		return ""
	}
	return strings.Join(paragraphs(doc), "\n")
}
