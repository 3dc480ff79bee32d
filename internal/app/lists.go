package app

import (
	"context"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/dedup"
)

// Lists of the archive for programs (the JSON API, feeds out, the CLI):
// what the reader's pages show a page at a time, walked by position.

// MaxListLimit bounds one list request; MaxListOffset bounds how deep a
// list ordered by anything but id can be walked (each step costs a walk
// past the earlier rows). An id-ordered walk has no such bound.
const (
	MaxListLimit  = 200
	MaxListOffset = 10000
)

// ArticleQuery selects a list of articles.
type ArticleQuery struct {
	Source string // an outlet's key; empty for all
	// AfterID walks the archive by id ascending (new articles get higher
	// ids, so a client that keeps the last id it saw gets what came since).
	AfterID int64
	// Newest orders by published time, newest first, from Offset.
	Newest bool
	Offset int
	Limit  int
}

// Articles returns a list of articles without their text, and the number
// of articles matching the query. EINVALID for an offset beyond
// MaxListOffset or a limit beyond MaxListLimit; ENOTFOUND for an unknown
// source.
func (p *Pages) Articles(ctx context.Context, q ArticleQuery) ([]*marsad.Article, int, error) {
	if err := listBounds(q.Offset, q.Limit); err != nil {
		return nil, 0, err
	}
	f := marsad.ArticleFilter{AfterID: q.AfterID, Newest: q.Newest, Offset: q.Offset, Limit: q.Limit, NoText: true}
	if q.Newest {
		f.AfterID = 0
	} else {
		f.Offset = 0
	}
	if q.Source != "" {
		s, err := p.store.FindSourceByKey(ctx, q.Source)
		if err != nil {
			return nil, 0, err
		}
		f.SourceID = &s.ID
	}
	return p.store.FindArticles(ctx, f)
}

func listBounds(offset, limit int) error {
	switch {
	case offset < 0 || offset > MaxListOffset:
		return marsad.Errorf(marsad.EINVALID, "offset %d is out of range: lists are walked at most %d items deep", offset, MaxListOffset)
	case limit < 1 || limit > MaxListLimit:
		return marsad.Errorf(marsad.EINVALID, "limit %d is out of range: 1 to %d", limit, MaxListLimit)
	}
	return nil
}

// ArticleByURL returns the page of the article stored under raw's canonical
// URL, canonicalized exactly as every door canonicalizes what it stores
// (dedup.CanonicalURL): a URL as it was imported finds its article, with
// its Arabic letters encoded or not, with tracking parameters or without,
// under http:// or https:// (the store keeps one article per page,
// marsad.URLKey). EINVALID for a URL that is not http(s); ENOTFOUND when
// none is stored.
func (p *Pages) ArticleByURL(ctx context.Context, raw string) (*ArticlePage, error) {
	a, err := FindArticleByURL(ctx, p.store, raw)
	if err != nil {
		return nil, err
	}
	return p.Article(ctx, a.ID)
}

// FindArticleByURL returns the article stored under raw's canonical URL
// (see Pages.ArticleByURL): the one lookup by URL of the CLI, the pages
// and the API.
func FindArticleByURL(ctx context.Context, store marsad.ArticleService, raw string) (*marsad.Article, error) {
	u, err := dedup.CanonicalURL(raw)
	if err != nil {
		return nil, marsad.Errorf(marsad.EINVALID, "url %q: not an http(s) URL with a host", raw)
	}
	a, err := store.FindArticleByURL(ctx, u)
	if marsad.ErrorCode(err) == marsad.ENOTFOUND {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no article stored under %s", u)
	}
	return a, err
}

// LatestStories returns stories by their latest article, newest first, from
// offset, and the number of stories (of one outlet when source is set).
func (p *Pages) LatestStories(ctx context.Context, source string, offset, limit int) ([]StoryItem, int, error) {
	if err := listBounds(offset, limit); err != nil {
		return nil, 0, err
	}
	outlets, err := p.outlets(ctx)
	if err != nil {
		return nil, 0, err
	}
	if source != "" && outlets[source] == nil {
		return nil, 0, marsad.Errorf(marsad.ENOTFOUND, "no source with key %q", source)
	}
	list, total, err := p.store.FindStories(ctx, marsad.StoryFilter{Source: source, Offset: offset, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	return items(list, outlets), total, nil
}

// TopStoryItems returns the top stories (TopStories) with their outlets.
func (p *Pages) TopStoryItems(ctx context.Context, source string) ([]StoryItem, error) {
	outlets, err := p.outlets(ctx)
	if err != nil {
		return nil, err
	}
	if source != "" && outlets[source] == nil {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no source with key %q", source)
	}
	top, err := p.topStories(ctx, source)
	if err != nil {
		return nil, err
	}
	return items(top, outlets), nil
}

// Feeds returns the followed feeds by id from offset, with their health,
// and how many there are.
func (p *Pages) Feeds(ctx context.Context, offset, limit int) ([]*marsad.Feed, int, error) {
	if err := listBounds(offset, limit); err != nil {
		return nil, 0, err
	}
	return p.store.FindFeeds(ctx, marsad.FeedFilter{Offset: offset, Limit: limit})
}
