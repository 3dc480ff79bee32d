package feeds

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// OPMLFeed is one feed outline of an OPML file.
type OPMLFeed struct {
	Title    string
	XMLURL   string
	HTMLURL  string
	Category string // the enclosing outline's title, if any
}

type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    struct {
		Title       string `xml:"title"`
		DateCreated string `xml:"dateCreated,omitempty"`
	} `xml:"head"`
	Body struct {
		Outlines []opmlOutline `xml:"outline"`
	} `xml:"body"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// ParseOPML reads the feeds of an OPML file, nested outlines included.
// name is used in errors.
func ParseOPML(r io.Reader, name string) ([]OPMLFeed, error) {
	var doc opmlDoc
	dec := xml.NewDecoder(r)
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("opml %s: %w", name, err)
	}
	var out []OPMLFeed
	var walk func([]opmlOutline, string)
	walk = func(os []opmlOutline, cat string) {
		for _, o := range os {
			title := strings.TrimSpace(o.Title)
			if title == "" {
				title = strings.TrimSpace(o.Text)
			}
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				out = append(out, OPMLFeed{Title: title, XMLURL: u, HTMLURL: strings.TrimSpace(o.HTMLURL), Category: cat})
			}
			walk(o.Outlines, title)
		}
	}
	walk(doc.Body.Outlines, "")
	return out, nil
}

// WriteOPML writes feeds as an OPML 2.0 document, grouped by Category.
func WriteOPML(w io.Writer, title string, feeds []OPMLFeed) error {
	var doc opmlDoc
	doc.Version = "2.0"
	doc.Head.Title = title
	doc.Head.DateCreated = time.Now().UTC().Format(time.RFC1123Z)
	groups := map[string]int{}
	for _, f := range feeds {
		o := opmlOutline{Text: f.Title, Title: f.Title, Type: "rss", XMLURL: f.XMLURL, HTMLURL: f.HTMLURL}
		if f.Category == "" {
			doc.Body.Outlines = append(doc.Body.Outlines, o)
			continue
		}
		i, ok := groups[f.Category]
		if !ok {
			i = len(doc.Body.Outlines)
			groups[f.Category] = i
			doc.Body.Outlines = append(doc.Body.Outlines, opmlOutline{Text: f.Category, Title: f.Category})
		}
		doc.Body.Outlines[i].Outlines = append(doc.Body.Outlines[i].Outlines, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

//go:embed default.opml
var defaultOPML string

// DefaultFeeds returns the built-in list of Arabic outlets' public feeds
// that `serve` follows on first start when no feed exists.
func DefaultFeeds() ([]OPMLFeed, error) {
	return ParseOPML(strings.NewReader(defaultOPML), "default.opml")
}
