package marsad

import (
	"context"
	"time"
)

// Story is one real-world event as reported by one or more outlets: what the
// home page shows once, with every outlet that covered it.
type Story struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`            // representative headline (display text)
	TitleArticleID int64     `json:"title_article_id"` // the article the title comes from
	FirstSeen      time.Time `json:"first_seen"`       // earliest published member
	LastSeen       time.Time `json:"last_seen"`        // latest published member
	Articles       int       `json:"articles"`         // member articles
	Outlets        int       `json:"outlets"`          // distinct sources among members
	Sources        []string  `json:"sources"`          // keys of those sources, sorted
}

// StoryFilter selects stories. Zero fields select everything.
type StoryFilter struct {
	From, To    time.Time // stories whose last_seen is in [From, To)
	MinArticles int       // at least this many articles
	Source      string    // only stories with an article of this source (key)
	Offset      int
	Limit       int
}

// StoryService reads stories and duplicate links. The pipeline's dedup and
// story stages write them.
type StoryService interface {
	// FindStoryByID returns one story. ENOTFOUND if there is none.
	FindStoryByID(ctx context.Context, id int64) (*Story, error)
	// FindStories returns the stories matching the filter, latest last_seen
	// first (then id), and the total count of matches (ignoring Offset and
	// Limit).
	FindStories(ctx context.Context, f StoryFilter) ([]*Story, int, error)
	// FindCopies returns the other members of an article's copy group (its
	// canonical article and the canonical's other copies), oldest first, for
	// "also published by". Empty when the article has no copies; ENOTFOUND
	// when the article does not exist.
	FindCopies(ctx context.Context, articleID int64) ([]*Article, error)
}
