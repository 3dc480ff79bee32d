package marsad

import (
	"context"
	"net/url"
	"strings"
)

// Source is an outlet: a newspaper, a wire agency, a broadcaster's site.
type Source struct {
	ID     int64  `json:"id"`
	Key    string `json:"key"`    // short stable identifier, e.g. "okaz" or a domain
	Name   string `json:"name"`   // display name
	Domain string `json:"domain"` // main host, may be empty
}

// SourceService reads sources.
type SourceService interface {
	// FindSources returns every source ordered by key.
	FindSources(ctx context.Context) ([]*Source, error)
	// FindSourceByKey returns one source. ENOTFOUND if there is none.
	FindSourceByKey(ctx context.Context, key string) (*Source, error)
	// EnsureSource returns the stored source with s.Key, creating it from s
	// when it does not exist; s.ID is set.
	EnsureSource(ctx context.Context, s *Source) error
}

// SplitParagraphs splits text at newlines and returns the trimmed,
// non-empty paragraphs.
func SplitParagraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DomainOf returns the outlet domain of the first of urls that has a host:
// lower-cased, without port and without a leading "www.". It is the default
// key of a source that arrives without one (a feed, an imported article), so
// an outlet's feed and its articles land on the same source.
func DomainOf(urls ...string) string {
	for _, raw := range urls {
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Hostname() != "" {
			return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		}
	}
	return ""
}
