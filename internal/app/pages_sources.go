package app

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/marsad/marsad"
)

// maxFeedsRead bounds the feeds read for the outlets page and the notice.
const maxFeedsRead = 5000

// Outlet is one followed or archived outlet with its figures.
type Outlet struct {
	Source   *marsad.Source
	Articles int
	Feeds    []*marsad.Feed
	// LastReached is the latest successful poll of any of its feeds.
	LastReached time.Time
	Failing     int // feeds whose last poll failed
}

// Outlets returns every outlet with its article count and feeds, most
// articles first.
func (p *Pages) Outlets(ctx context.Context) ([]Outlet, error) {
	srcs, err := p.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	feeds, _, err := p.store.FindFeeds(ctx, marsad.FeedFilter{Limit: maxFeedsRead})
	if err != nil {
		return nil, err
	}
	bySource := map[int64][]*marsad.Feed{}
	for _, f := range feeds {
		bySource[f.SourceID] = append(bySource[f.SourceID], f)
	}
	out := make([]Outlet, 0, len(srcs))
	for _, s := range srcs {
		id := s.ID
		_, n, err := p.store.FindArticles(ctx, marsad.ArticleFilter{SourceID: &id, NoText: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		out = append(out, outletOf(s, n, bySource[s.ID]))
	}
	slices.SortStableFunc(out, func(a, b Outlet) int {
		return cmp.Or(cmp.Compare(b.Articles, a.Articles), cmp.Compare(a.Source.Name, b.Source.Name))
	})
	return out, nil
}

func outletOf(s *marsad.Source, articles int, feeds []*marsad.Feed) Outlet {
	o := Outlet{Source: s, Articles: articles, Feeds: feeds}
	for _, f := range feeds {
		if f.LastSuccess.After(o.LastReached) {
			o.LastReached = f.LastSuccess
		}
		if failing(f) {
			o.Failing++
		}
	}
	return o
}

// failing tells whether a feed's last poll failed.
func failing(f *marsad.Feed) bool {
	return f.ErrorCount > 0 && !f.LastErrorAt.Before(f.LastSuccess)
}

// SourcePage is an outlet's page: its feeds' health and its latest
// articles (its own texts and the copies it ran).
type SourcePage struct {
	Outlet   Outlet
	Articles []*marsad.Article
	Page     int
	Pages    int
}

// Source returns an outlet's page. ENOTFOUND when there is no such outlet.
func (p *Pages) Source(ctx context.Context, key string, page int) (*SourcePage, error) {
	page, err := pageArg(page)
	if err != nil {
		return nil, err
	}
	s, err := p.store.FindSourceByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	id := s.ID
	list, total, err := p.store.FindArticles(ctx, marsad.ArticleFilter{SourceID: &id, Newest: true, NoText: true,
		Offset: (page - 1) * StoriesPerPage, Limit: StoriesPerPage})
	if err != nil {
		return nil, err
	}
	feeds, _, err := p.store.FindFeeds(ctx, marsad.FeedFilter{Limit: maxFeedsRead})
	if err != nil {
		return nil, err
	}
	feeds = slices.DeleteFunc(feeds, func(f *marsad.Feed) bool { return f.SourceID != s.ID })
	return &SourcePage{Outlet: outletOf(s, total, feeds), Articles: list, Page: page,
		Pages: pagesOf(total, StoriesPerPage)}, nil
}

// TagPage is the list of a tag's articles.
type TagPage struct {
	Tag      *Tag
	Articles []*marsad.Article
	Page     int
	Pages    int
	Total    int
}

// Tag returns a tag's page. ENOTFOUND when no article carries the tag or
// no TagSource is set.
func (p *Pages) Tag(ctx context.Context, name string, page int) (*TagPage, error) {
	page, err := pageArg(page)
	if err != nil {
		return nil, err
	}
	if p.Tags == nil {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no tag %q: tags are not available", name)
	}
	tag, list, total, err := p.Tags.TagArticles(ctx, name, (page-1)*ArticlesPerTag, ArticlesPerTag)
	if err != nil {
		return nil, err
	}
	return &TagPage{Tag: tag, Articles: list, Page: page, Pages: pagesOf(total, ArticlesPerTag), Total: total}, nil
}

// Status is what the notice at the top of the pages says: on a first run
// (nothing stored yet) which outlets are followed and when each was last
// reached, and when every feed fails at once that the network seems down.
type Status struct {
	Articles int
	Outlets  []Outlet // followed outlets (with feeds), only when a notice shows
	// NetworkDown: every feed's last poll failed, the latest failures
	// within one polling pass of each other, and none succeeded since.
	NetworkDown bool
	LastReached time.Time // the latest success of any feed (zero: never)
	// Newest is the latest story's last article (zero: none): a page
	// computed from an archive whose newest item is days old shows dates,
	// not relative times, and may be kept longer.
	Newest time.Time
}

// Notice tells whether the status warrants a notice on the pages.
func (s *Status) Notice() bool { return s.Articles == 0 || s.NetworkDown }

// outageWindow is how close together every feed's latest failure must be
// for them to count as one outage: about one polling pass.
const outageWindow = 15 * time.Minute

// Status returns the store's status for the notice.
func (p *Pages) Status(ctx context.Context) (*Status, error) {
	n, err := p.store.CountArticles(ctx)
	if err != nil {
		return nil, err
	}
	feeds, _, err := p.store.FindFeeds(ctx, marsad.FeedFilter{Limit: maxFeedsRead})
	if err != nil {
		return nil, err
	}
	st := &Status{Articles: n}
	latest, _, err := p.store.FindStories(ctx, marsad.StoryFilter{To: p.Now().Add(time.Hour), Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(latest) > 0 {
		st.Newest = latest[0].LastSeen
	}
	st.NetworkDown = outage(feeds)
	for _, f := range feeds {
		if f.LastSuccess.After(st.LastReached) {
			st.LastReached = f.LastSuccess
		}
	}
	if !st.Notice() {
		return st, nil
	}
	srcs, err := p.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	bySource := map[int64][]*marsad.Feed{}
	for _, f := range feeds {
		bySource[f.SourceID] = append(bySource[f.SourceID], f)
	}
	for _, s := range srcs {
		if fs := bySource[s.ID]; len(fs) > 0 {
			st.Outlets = append(st.Outlets, outletOf(s, 0, fs))
		}
	}
	slices.SortStableFunc(st.Outlets, func(a, b Outlet) int { return cmp.Compare(a.Source.Name, b.Source.Name) })
	return st, nil
}

// outage tells whether every feed (at least two) failed its last poll
// within outageWindow, with no success since.
func outage(feeds []*marsad.Feed) bool {
	if len(feeds) < 2 {
		return false
	}
	var first, last time.Time
	for _, f := range feeds {
		if !failing(f) || f.LastErrorAt.IsZero() {
			return false
		}
		if first.IsZero() || f.LastErrorAt.Before(first) {
			first = f.LastErrorAt
		}
		if f.LastErrorAt.After(last) {
			last = f.LastErrorAt
		}
	}
	return last.Sub(first) <= outageWindow
}
