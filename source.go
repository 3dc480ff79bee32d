package marsad

import (
	"context"
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
