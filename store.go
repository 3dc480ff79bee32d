package marsad

import (
	"context"
	"time"
)

// Store is everything marsad persists. store/sqlite implements it (and
// store/postgres later); one contract test suite checks both.
type Store interface {
	ArticleService
	SourceService
	SearchService
	FeedService
	StoryService
	WorkService
	LeaseService
	MetaService
	IndexService
	DedupStore
	StoryStore
	TagStore
	RelatedStore
	VersionService
	// Stats returns counts of what the store holds.
	Stats(ctx context.Context) (*Stats, error)
	Close() error
}

// Stats are the counts printed by `marsad stats`.
type Stats struct {
	Articles int `json:"articles"`
	Sources  int `json:"sources"`
	Feeds    int `json:"feeds"`
	Stories  int `json:"stories"`
	Tags     int `json:"tags"`
	Copies   int `json:"copies"` // articles linked to a canonical article
	// Pending is the work the pipeline's stages still owe, by stage
	// (articles saved but not yet deduplicated, clustered …).
	Pending map[string]int `json:"pending"`
}

// PendingTotal is the sum of Pending.
func (s *Stats) PendingTotal() int {
	n := 0
	for _, v := range s.Pending {
		n += v
	}
	return n
}

// RawArticle is an article as it arrives from any door (JSONL import, feed
// item, fetched page, API POST), before the pipeline cleans and analyzes it.
type RawArticle struct {
	URL        string    `json:"url"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	HTML       string    `json:"html"`
	Summary    string    `json:"summary"`
	Source     string    `json:"source"`      // outlet key
	SourceName string    `json:"source_name"` // outlet display name
	Published  time.Time `json:"published"`
	Author     string    `json:"author"`
	Tags       []string  `json:"tags"`
	Category   string    `json:"category"`
	ID         string    `json:"id"` // the producer's identifier, kept as ExternalID
	Lang       string    `json:"lang"`
	// Where tells where the article came from ("file.jsonl:12", a feed URL),
	// for error messages.
	Where string `json:"-"`
}
