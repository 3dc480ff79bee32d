package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the concatenated text under n, scripts and styles excluded.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			if n.DataAtom == atom.Script || n.DataAtom == atom.Style {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// collapseSpace trims s and turns every run of white space (NBSP, and the
// bidi marks that Arabic CMSs sprinkle, included) into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\u200e' || r == '\u200f' || r == '\ufeff' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// textStats counts the runes of text under n and how many of them are
// inside links.
func textStats(n *html.Node) (total, linked, links int) {
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inLink bool) {
		switch n.Type {
		case html.TextNode:
			c := 0
			for _, r := range n.Data {
				if !unicode.IsSpace(r) {
					c++
				}
			}
			total += c
			if inLink {
				linked += c
			}
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style:
				return
			case atom.A:
				inLink = true
				links++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	walk(n, false)
	return
}

var urlDate = regexp.MustCompile(`/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:[/-]|$|\.)`)

// dateFromURL reads a /2020/8/24/ or /2020-06-03- date out of a URL, the
// last resort of publishers that declare no date.
func dateFromURL(u string) time.Time {
	m := urlDate.FindStringSubmatch(u)
	if m == nil {
		return time.Time{}
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}
	}
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
}

// foldMarker normalizes a short label for matching against the boilerplate
// markers: Arabic letter variants folded (أ إ آ → ا, ة → ه, ى → ي),
// harakat and tatweel dropped, punctuation and spaces removed, Latin
// lower-cased. "إقرأ أيضاً:" and "اقرا ايضا" fold to the same key.
func foldMarker(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			b.WriteRune('ا')
		case r == 'ة':
			b.WriteRune('ه')
		case r == 'ى':
			b.WriteRune('ي')
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640:
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// endMarkers label the blocks that follow an article: read-also, similar
// articles, tags, share and newsletter. Keys are foldMarker forms.
var endMarkers = map[string]bool{}

// inlineMarkers start a line that points elsewhere ("اقرأ أيضاً: <title>").
var inlineMarkers []string

func init() {
	for _, s := range []string{
		"اقرأ أيضاً", "إقرأ أيضا", "اقرأ المزيد", "إقرأ المزيد", "اقرأ كذلك", "شاهد أيضا", "طالع أيضا",
		"مقالات مشابهة", "مقالات ذات صلة", "أخبار ذات صلة", "أخبار متعلقة", "مواضيع ذات صلة", "مواضيع مشابهة",
		"موضوعات ذات صلة", "أخبار مشابهة", "الأكثر قراءة", "الأكثر مشاهدة", "كلمات دلالية", "الكلمات الدلالية",
		"كلمات مفتاحية", "الكلمات المفتاحية", "الوسوم", "وسوم", "شارك", "شارك الخبر", "شارك المقال", "شارك هذا المقال",
		"تابعونا", "تابعنا على", "اشترك في النشرة البريدية", "النشرة البريدية", "اشترك في نشرتنا", "التعليقات",
		"أضف تعليق", "إضافة تعليق جديد", "related articles", "related stories", "related posts", "related content",
		"more stories", "you may also like", "recommended", "read next", "share this article", "share this",
	} {
		endMarkers[foldMarker(s)] = true
	}
	for _, s := range []string{"كلمات دلالية", "الكلمات الدلالية", "كلمات مفتاحية", "الكلمات المفتاحية", "الوسوم", "وسوم", "tags"} {
		tagMarkers[foldMarker(s)] = true
	}
	for _, s := range []string{"اقرأ أيضا", "اقرأ المزيد", "اقرأ كذلك", "شاهد أيضا", "طالع أيضا", "ذات صلة", "read more", "related", "see also", "also read"} {
		inlineMarkers = append(inlineMarkers, foldMarker(s))
	}
}

// tagMarkers label a box of publisher tags; their links are the tags.
var tagMarkers = map[string]bool{}

// isEndMarker reports whether a short text is one of the end markers.
func isEndMarker(s string) bool {
	if utf8.RuneCountInString(s) > 40 {
		return false
	}
	return endMarkers[foldMarker(s)]
}

// inlineMarked reports whether a paragraph starts with a read-also style
// label followed by a pointer elsewhere ("اقرأ أيضاً: ...").
func inlineMarked(s string) bool {
	head := s
	if i := strings.IndexAny(s, ":：-–"); i > 0 && i < 40 {
		head = s[:i]
	} else {
		return false
	}
	f := foldMarker(head)
	for _, m := range inlineMarkers {
		if f == m {
			return true
		}
	}
	return false
}

var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Blockquote: true, atom.Pre: true,
	atom.Table: true, atom.Tr: true, atom.Td: true, atom.Th: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Nav: true, atom.Figure: true,
	atom.Figcaption: true, atom.Dl: true, atom.Dd: true, atom.Dt: true, atom.Main: true, atom.Form: true,
	atom.Hr: true, atom.Tbody: true, atom.Thead: true, atom.Caption: true, atom.Address: true, atom.Center: true,
}

// removeBoilerplate deletes, before the readability pass, the blocks that
// Arabic news sites append to articles and that readability scores as
// content because they hold Arabic prose: a marker heading ("اقرأ أيضاً",
// "مقالات مشابهة", "كلمات دلالية" ...) with the link list that follows it.
// It returns the texts of the links that followed a tag label ("كلمات
// دلالية"): each link is one publisher tag, so tags never run together.
func removeBoilerplate(doc *html.Node) (tags []string) {
	var marked []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			if t := strings.TrimSpace(n.Data); t != "" && utf8.RuneCountInString(t) <= 40 && isEndMarker(t) {
				marked = append(marked, n)
			}
			return
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, t := range marked {
		if t.Parent == nil {
			continue // removed with an earlier block
		}
		// A marker that is itself a link ("اقرأ المزيد" → a category page)
		// is not the label of a box.
		if inAnchor(t) {
			continue
		}
		// The label block: the highest ancestor holding only the label.
		label := t.Parent
		for label.Parent != nil && label.Parent.Type == html.ElementNode && label.Parent.DataAtom != atom.Body {
			if tot, _, _ := textStats(label.Parent); tot > utf8.RuneCountInString(strings.Join(strings.Fields(t.Data), ""))+3 {
				break
			}
			label = label.Parent
		}
		if label.Type != html.ElementNode || label.DataAtom == atom.Body || label.DataAtom == atom.Html {
			continue
		}
		isTags := tagMarkers[foldMarker(strings.TrimRight(strings.TrimSpace(t.Data), ":："))]
		// The link list after the label: following siblings that are mostly links.
		for s := label.NextSibling; s != nil; {
			next := s.NextSibling
			if s.Type == html.ElementNode {
				// Only a real link list goes: little text outside links. A
				// layout row that also holds the article must stay.
				tot, linked, _ := textStats(s)
				if plain := tot - linked; tot > 0 && (plain > 100 || plain*5 > tot) {
					break
				}
				if isTags {
					tags = append(tags, linkTexts(s)...)
				}
				s.Parent.RemoveChild(s)
			}
			s = next
		}
		parent := label.Parent
		parent.RemoveChild(label)
		// A wrapper left with nothing but links was the whole related box.
		for parent != nil && parent.Type == html.ElementNode && parent.DataAtom != atom.Body && parent.DataAtom != atom.Html {
			tot, linked, _ := textStats(parent)
			if tot-linked > 20 {
				break
			}
			gp := parent.Parent
			if gp == nil {
				break
			}
			gp.RemoveChild(parent)
			parent = gp
		}
	}
	return tags
}

// linkTexts returns the texts of the links in n (n itself included), in
// document order.
func linkTexts(n *html.Node) []string {
	if n.Type == html.ElementNode && n.DataAtom == atom.A {
		if t := collapseSpace(textOf(n)); t != "" {
			return []string{t}
		}
		return nil
	}
	var out []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, linkTexts(c)...)
	}
	return out
}

// para is one paragraph being collected, with how much of it is link text.
type para struct {
	b             strings.Builder
	runes, linked int
	links         int
	inItem        bool
}

// paragraphs turns the readability output into paragraphs: every block
// element ends a paragraph, <br> too; link lists (two or more links making
// up most of a block) are dropped instead of being glued into one line, and
// everything from a standalone end marker ("مقالات مشابهة", "كلمات دلالية")
// on is cut once some text has been seen.
func paragraphs(root *html.Node) []string {
	var out []string
	var cur para
	seen := 0
	cut := false
	flush := func() {
		defer func() { cur = para{} }()
		if cut {
			return
		}
		t := collapseSpace(cur.b.String())
		if t == "" {
			return
		}
		n := utf8.RuneCountInString(t)
		switch {
		case cur.links >= 2 && cur.linked*10 > cur.runes*7:
			return // a link list, not prose
		case cur.links >= 1 && cur.linked*10 > cur.runes*9:
			return // a teaser: a block that is nothing but a link
		case n <= 40 && isEndMarker(t):
			if seen >= 150 {
				cut = true
			}
			return
		case inlineMarked(t) && (cur.links > 0 || n < 200):
			return
		}
		seen += n
		out = append(out, t)
	}
	rootRunes, _, _ := textStats(root)
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		switch n.Type {
		case html.TextNode:
			cur.b.WriteString(n.Data)
			c := 0
			for _, r := range n.Data {
				if !unicode.IsSpace(r) {
					c++
				}
			}
			cur.runes += c
			if inLink {
				cur.linked += c
			}
			return
		case html.ElementNode:
		default:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, inLink)
			}
			return
		}
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Button, atom.Select, atom.Svg, atom.Iframe, atom.Template:
			return
		case atom.Br:
			flush()
			return
		case atom.A:
			if !inLink {
				cur.links++
			}
			inLink = true
		case atom.Img, atom.Figure, atom.Figcaption, atom.Caption, atom.Picture, atom.Video, atom.Audio:
			return // captions and credits are not the article's prose
		}
		if n != root && skipClass(n) {
			// A class like "story-body hidden-print" can sit on the
			// article itself: only skip blocks that are a small part.
			if tot, _, _ := textStats(n); tot*3 < rootRunes {
				return
			}
		}
		block := blockTags[n.DataAtom]
		if block {
			flush()
		}
		if n.DataAtom == atom.Li {
			cur.inItem = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
			if block && n.DataAtom == atom.Li {
				cur.inItem = true
			}
		}
		if block {
			flush()
		} else if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
			cur.b.WriteByte(' ')
		}
	}
	walk(root, false)
	flush()
	return out
}

// noiseClass matches class and id values of blocks inside an article
// container that are not its prose: captions, bylines, share bars,
// related boxes, newsletter and subscription prompts.
var noiseClass = regexp.MustCompile(`(?i)caption|credit|byline|dateline|share|social|related|newsletter|promo|subscribe|sign-?in|advert|breadcrumb|toolbar|comment|read-?also|readmore|more-?stories|tags\b|keywords|hidden|visually-hidden|sr-only`)

func skipClass(n *html.Node) bool {
	c, id := attr(n, "class"), attr(n, "id")
	if c == "" && id == "" {
		return false
	}
	return noiseClass.MatchString(c) || noiseClass.MatchString(id)
}

func inAnchor(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.A {
			return true
		}
	}
	return false
}
