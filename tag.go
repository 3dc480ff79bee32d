package marsad

import (
	"context"
	"time"
)

// ArticleTag is one tag of an article, as the tag stage found it.
type ArticleTag struct {
	// Key is the tag's identity: the analyzer's terms of its words, so
	// that every spelling of one tag is one key.
	Key string `json:"key"`
	// Surface is the tag as this article writes it; Display the form the
	// archive writes most often, which readers see.
	Surface   string  `json:"surface"`
	Display   string  `json:"display"`
	Score     float64 `json:"score"`
	Publisher bool    `json:"publisher"` // named by the publisher
}

// ArticleTags are the tags of one article, best first.
type ArticleTags struct {
	ArticleID int64
	Tags      []ArticleTag
}

// TagCount is how many articles carry a tag in a time range.
type TagCount struct {
	Key      string `json:"key"`
	Display  string `json:"display"`
	Articles int    `json:"articles"`
}

// TagStore persists the tag stage's results and answers the tag pages.
type TagStore interface {
	// SaveTags stores the tags of the articles of batch that stage still
	// owes (replacing any they had; an article no longer owed was tagged by
	// another process and is left alone), marks them done, and, when
	// corpus is not nil, replaces the stored corpus statistics, all in one
	// transaction. It returns the ids it saved.
	SaveTags(ctx context.Context, stage string, batch []ArticleTags, corpus []byte) ([]int64, error)
	// TagCorpus returns the stored corpus statistics (the tags package's
	// encoding), nil when none was stored.
	TagCorpus(ctx context.Context) ([]byte, error)
	// ResetTags forgets every tag and the corpus statistics and makes stage
	// owe every article again (after an analyzer change keys change).
	ResetTags(ctx context.Context, stage string) error
	// TagsOf returns an article's tags, best first. ENOTFOUND when no
	// article has the id.
	TagsOf(ctx context.Context, articleID int64) ([]ArticleTag, error)
	// TagArticles returns the tag with key (Articles: how many carry it)
	// and up to limit of its articles after the first offset, latest
	// first. ENOTFOUND when no article carries the key.
	TagArticles(ctx context.Context, key string, offset, limit int) (*TagCount, []*Article, error)
	// TagCounts returns, for every tag carried by an article published in
	// [from, to), how many such articles carry it.
	TagCounts(ctx context.Context, from, to time.Time) ([]TagCount, error)
	// LatestPublished returns the publication time of the newest article
	// (zero for an empty store): "now" for an archive.
	LatestPublished(ctx context.Context) (time.Time, error)
}
