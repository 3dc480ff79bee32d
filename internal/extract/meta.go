package extract

import (
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// meta is what the page says about itself, before the body is looked at:
// <title>, <meta> tags, <link rel=canonical>, <html lang> and JSON-LD.
type meta struct {
	htmlTitle string
	lang      string
	canonical string
	// props holds <meta> values by lower-cased name or property, first wins.
	props map[string]string
	tags  []string // article:tag, news_keywords, keywords (in that order)
	ld    ldArticle
}

// ldArticle is the part of a JSON-LD Article/NewsArticle marsad reads.
type ldArticle struct {
	Headline, Body, Description, Author, Published, Publisher, URL, Section string
	Keywords                                                                []string
}

// collectMeta walks the document once and gathers metadata. It removes
// nothing; JSON-LD script contents are read here because the body pass
// drops scripts.
func collectMeta(doc *html.Node) *meta {
	m := &meta{props: map[string]string{}}
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				if m.lang == "" {
					m.lang = strings.TrimSpace(attr(n, "lang"))
				}
			case atom.Title:
				if m.htmlTitle == "" && inHead {
					m.htmlTitle = collapseSpace(textOf(n))
				}
			case atom.Meta:
				m.addMeta(n)
			case atom.Link:
				if m.canonical == "" && strings.EqualFold(strings.TrimSpace(attr(n, "rel")), "canonical") {
					m.canonical = strings.TrimSpace(attr(n, "href"))
				}
			case atom.Script:
				if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && n.FirstChild != nil {
					m.addJSONLD(n.FirstChild.Data)
				}
				return
			case atom.Style:
				return
			case atom.Head:
				inHead = true
			case atom.Svg:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(doc, false)
	return m
}

func (m *meta) addMeta(n *html.Node) {
	key := strings.ToLower(strings.TrimSpace(attr(n, "property")))
	if key == "" {
		key = strings.ToLower(strings.TrimSpace(attr(n, "name")))
	}
	if key == "" {
		key = strings.ToLower(strings.TrimSpace(attr(n, "itemprop")))
	}
	if key == "" {
		if cs := attr(n, "charset"); cs != "" {
			return
		}
		return
	}
	val := collapseSpace(html.UnescapeString(attr(n, "content")))
	if val == "" {
		return
	}
	switch key {
	case "article:tag":
		m.tags = append(m.tags, val)
		return
	case "news_keywords", "keywords":
		if _, seen := m.props[key]; seen {
			return
		}
	}
	if _, ok := m.props[key]; !ok {
		m.props[key] = val
	}
}

// get returns the first non-empty meta value among keys.
func (m *meta) get(keys ...string) string {
	for _, k := range keys {
		if v := m.props[k]; v != "" {
			return v
		}
	}
	return ""
}

// addJSONLD reads one ld+json block. Sites wrap articles in arrays and
// @graph lists; the first object of an article type wins.
func (m *meta) addJSONLD(src string) {
	src = strings.TrimSpace(src)
	src = strings.TrimPrefix(src, "<![CDATA[")
	src = strings.TrimSuffix(src, "]]>")
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		return // broken JSON-LD is common and not our problem
	}
	m.visitLD(v, 0)
}

func (m *meta) visitLD(v any, depth int) {
	if depth > 6 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			m.visitLD(e, depth+1)
		}
	case map[string]any:
		if g, ok := x["@graph"]; ok {
			m.visitLD(g, depth+1)
		}
		if !isArticleType(x["@type"]) {
			if me, ok := x["mainEntity"]; ok {
				m.visitLD(me, depth+1)
			}
			return
		}
		ld := &m.ld
		setIfEmpty(&ld.Headline, ldString(x["headline"]))
		if ld.Headline == "" {
			setIfEmpty(&ld.Headline, ldString(x["name"]))
		}
		setIfEmpty(&ld.Body, ldString(x["articleBody"]))
		setIfEmpty(&ld.Description, ldString(x["description"]))
		setIfEmpty(&ld.Published, ldString(x["datePublished"]))
		if ld.Published == "" {
			setIfEmpty(&ld.Published, ldString(x["dateCreated"]))
		}
		setIfEmpty(&ld.Author, ldNames(x["author"]))
		setIfEmpty(&ld.Publisher, ldNames(x["publisher"]))
		setIfEmpty(&ld.URL, ldString(x["url"]))
		setIfEmpty(&ld.Section, ldString(x["articleSection"]))
		if len(ld.Keywords) == 0 {
			ld.Keywords = ldKeywords(x["keywords"])
		}
	}
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}

func isArticleType(t any) bool {
	switch x := t.(type) {
	case string:
		return strings.HasSuffix(x, "Article") || x == "Report" || x == "BlogPosting" || x == "LiveBlogPosting"
	case []any:
		for _, e := range x {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return html.UnescapeString(x)
	case []any:
		if len(x) > 0 {
			return ldString(x[0])
		}
	case map[string]any:
		if s, ok := x["@value"].(string); ok {
			return s
		}
	}
	return ""
}

// ldNames returns the names of a Person/Organization value, or a list of them.
func ldNames(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return ldString(x["name"])
	case []any:
		var names []string
		for _, e := range x {
			if s := strings.TrimSpace(ldNames(e)); s != "" {
				names = append(names, s)
			}
		}
		return strings.Join(names, "، ")
	}
	return ""
}

func ldKeywords(v any) []string {
	switch x := v.(type) {
	case string:
		return splitTags(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, splitTags(s)...)
			}
		}
		return out
	}
	return nil
}

// splitTags splits a keyword list on Latin and Arabic commas and semicolons.
func splitTags(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '،' || r == ';' || r == '؛' })
	out := f[:0]
	for _, t := range f {
		if t = collapseSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// dateLayouts are the forms publishers put in meta tags and JSON-LD.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"January 2, 2006",
	"Jan 2, 2006",
	"02/01/2006",
}

// parseDate reads a date in any of dateLayouts; zero when none fits.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	// "2020-06-03T10:00:00.000+0400" and similar: retry on the date part.
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t
		}
	}
	return time.Time{}
}
