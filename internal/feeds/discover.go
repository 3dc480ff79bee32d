package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/marsad/marsad/internal/fetch"
)

// commonPaths are where CMSs (WordPress, Drupal, Blogger, Ghost...) put a
// site's main feed when the page does not link it.
var commonPaths = []string{"/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feeds/posts/default", "/?feed=rss2"}

var feedTypes = map[string]bool{
	"application/rss+xml": true, "application/atom+xml": true, "application/rdf+xml": true,
	"application/feed+json": true, "application/json": true, "text/xml": true, "application/xml": true,
}

// Discovered is a feed found for a page.
type Discovered struct {
	URL   string
	Title string
}

// Discover returns the feeds of pageURL: the URL itself when it is a feed,
// else the <link rel="alternate"> feeds of the page, else the first common
// path that serves a feed. Every candidate is fetched and parsed, so only
// working feeds are returned.
func Discover(ctx context.Context, c *fetch.Client, pageURL string) ([]Discovered, error) {
	resp, err := c.GetText(ctx, fetch.Request{URL: pageURL})
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", pageURL, err)
	}
	if f, err := Parse(resp.Body, resp.URL); err == nil {
		return []Discovered{{URL: resp.URL, Title: f.Title}}, nil
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", pageURL, err)
	}
	var out []Discovered
	seen := map[string]bool{}
	try := func(u string) bool {
		if seen[u] {
			return false
		}
		seen[u] = true
		r, err := c.GetText(ctx, fetch.Request{URL: u})
		if err != nil {
			return false
		}
		f, err := Parse(r.Body, r.URL)
		if err != nil {
			return false
		}
		out = append(out, Discovered{URL: r.URL, Title: f.Title})
		return true
	}
	for _, l := range alternateLinks(resp.Body, base) {
		try(l)
	}
	if len(out) == 0 {
		for _, p := range commonPaths {
			if ctx.Err() != nil {
				break
			}
			ref, _ := url.Parse(p)
			if try(base.ResolveReference(ref).String()) {
				break
			}
		}
	}
	if len(out) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("discover %s: %w", pageURL, errors.New("no feed found on the page or at the usual paths"))
	}
	return out, nil
}

// alternateLinks returns the absolute URLs of <link rel="alternate"> feeds.
func alternateLinks(page []byte, base *url.URL) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Link {
			var rel, typ, href string
			for _, a := range n.Attr {
				switch a.Key {
				case "rel":
					rel = strings.ToLower(a.Val)
				case "type":
					typ = strings.ToLower(strings.TrimSpace(a.Val))
				case "href":
					href = strings.TrimSpace(a.Val)
				}
			}
			if strings.Contains(rel, "alternate") && feedTypes[typ] && href != "" {
				if ref, err := url.Parse(href); err == nil {
					out = append(out, base.ResolveReference(ref).String())
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}
