// Package feeds follows outlets: it parses RSS 0.9x/1.0/2.0, Atom, RDF and
// JSON Feed documents, discovers feeds from HTML pages, reads and writes
// OPML, and polls feeds on an adaptive schedule with backoff, handing new
// items to the one pipeline.
package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// ErrNotAFeed means the document is not a feed (an HTML page, an error page).
var ErrNotAFeed = errors.New("not a feed")

// Feed is a parsed feed document.
type Feed struct {
	Title   string
	SiteURL string
	// TTL is the RSS <ttl> (minutes in the document), 0 when absent.
	TTL   time.Duration
	Items []Item
}

// Item is one entry of a feed.
type Item struct {
	GUID      string
	URL       string
	Title     string
	Summary   string // description / summary, may be HTML
	Content   string // full content (content:encoded, Atom content), may be HTML
	Published time.Time
	Author    string
	Tags      []string
}

// Key identifies the item within its feed: the GUID when there is one,
// else the link, else the title.
func (it *Item) Key() string {
	switch {
	case it.GUID != "":
		return it.GUID
	case it.URL != "":
		return it.URL
	}
	return "title:" + it.Title
}

var (
	xmlProlog = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])`)
	rssTTL    = regexp.MustCompile(`<ttl>\s*(\d+)\s*</ttl>`)
)

// Parse reads a feed document that is already UTF-8 (fetch.GetText
// converts it). feedURL is used in errors only.
func Parse(body []byte, feedURL string) (*Feed, error) {
	// The bytes are UTF-8 now; a prolog still naming windows-1256 would make
	// the XML decoder convert them a second time.
	if m := xmlProlog.FindSubmatchIndex(body); m != nil {
		body = append(append(append([]byte{}, body[:m[4]]...), "utf-8"...), body[m[5]:]...)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("parse feed %s: empty document: %w", feedURL, ErrNotAFeed)
	}
	p := gofeed.NewParser()
	gf, err := p.Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, fmt.Errorf("parse feed %s: %w", feedURL, ErrNotAFeed)
	} else if err != nil {
		return nil, fmt.Errorf("parse feed %s: %w", feedURL, err)
	}
	f := &Feed{Title: strings.TrimSpace(gf.Title), SiteURL: strings.TrimSpace(gf.Link)}
	if m := rssTTL.FindSubmatch(body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil && n > 0 {
			f.TTL = time.Duration(n) * time.Minute
		}
	}
	for _, gi := range gf.Items {
		it := Item{
			GUID:    strings.TrimSpace(gi.GUID),
			URL:     strings.TrimSpace(gi.Link),
			Title:   strings.TrimSpace(gi.Title),
			Summary: strings.TrimSpace(gi.Description),
			Content: strings.TrimSpace(gi.Content),
			Tags:    gi.Categories,
		}
		if it.URL == "" && len(gi.Links) > 0 {
			it.URL = gi.Links[0]
		}
		if gi.PublishedParsed != nil {
			it.Published = gi.PublishedParsed.UTC()
		} else if gi.UpdatedParsed != nil {
			it.Published = gi.UpdatedParsed.UTC()
		}
		if len(gi.Authors) > 0 && gi.Authors[0] != nil {
			it.Author = gi.Authors[0].Name
		}
		if it.URL == "" && it.Title == "" && it.Content == "" && it.Summary == "" {
			continue
		}
		f.Items = append(f.Items, it)
	}
	return f, nil
}
