package extract

import (
	nurl "net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowed lists the elements kept in sanitized HTML and the attributes each
// may carry. Anything else is unwrapped (its text kept) or, for dropped,
// removed with its content.
var allowed = map[atom.Atom][]string{
	atom.P: nil, atom.Br: nil, atom.H2: nil, atom.H3: nil, atom.H4: nil, atom.H5: nil, atom.H6: nil,
	atom.Ul: nil, atom.Ol: nil, atom.Li: nil, atom.Blockquote: nil, atom.Pre: nil, atom.Code: nil,
	atom.Strong: nil, atom.B: nil, atom.Em: nil, atom.I: nil, atom.U: nil, atom.Sub: nil, atom.Sup: nil,
	atom.A: {"href"}, atom.Img: {"src", "alt"}, atom.Figure: nil, atom.Figcaption: nil,
	atom.Table: nil, atom.Thead: nil, atom.Tbody: nil, atom.Tr: nil, atom.Th: nil, atom.Td: nil,
	atom.Dl: nil, atom.Dt: nil, atom.Dd: nil, atom.Hr: nil,
}

var dropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Form: true, atom.Input: true, atom.Button: true, atom.Select: true, atom.Textarea: true,
	atom.Svg: true, atom.Math: true, atom.Noscript: true, atom.Template: true, atom.Head: true,
}

// sanitize renders n as allow-listed HTML: no scripts, styles, event
// handlers or classes; links and images only with absolute http(s) URLs;
// <h1> demoted to <h2> because the page shows the title itself.
func sanitize(n *html.Node, base *nurl.URL) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(html.EscapeString(n.Data))
			return
		case html.ElementNode:
		default:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			return
		}
		if dropped[n.DataAtom] {
			return
		}
		a := n.DataAtom
		if a == atom.H1 {
			a = atom.H2
		}
		attrs, ok := allowed[a]
		if !ok {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			return
		}
		var kept []html.Attribute
		for _, name := range attrs {
			v := strings.TrimSpace(attr(n, name))
			if name == "href" || name == "src" {
				if v = safeURL(base, v); v == "" {
					continue
				}
			}
			kept = append(kept, html.Attribute{Key: name, Val: v})
		}
		if a == atom.Img && len(kept) == 0 || a == atom.Img && attr(n, "src") == "" {
			return
		}
		b.WriteByte('<')
		b.WriteString(a.String())
		for _, k := range kept {
			b.WriteByte(' ')
			b.WriteString(k.Key)
			b.WriteString(`="`)
			b.WriteString(html.EscapeString(k.Val))
			b.WriteByte('"')
		}
		if a == atom.A {
			b.WriteString(` rel="nofollow noopener noreferrer"`)
		}
		b.WriteByte('>')
		if a == atom.Br || a == atom.Img || a == atom.Hr {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		b.WriteString("</")
		b.WriteString(a.String())
		b.WriteByte('>')
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// safeURL resolves ref against base and returns it only when it is http(s).
func safeURL(base *nurl.URL, ref string) string {
	u, err := nurl.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// paragraphsHTML renders plain paragraphs as <p> elements.
func paragraphsHTML(paras []string) string {
	var b strings.Builder
	for _, p := range paras {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(p))
		b.WriteString("</p>")
	}
	return b.String()
}
