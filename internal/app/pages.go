package app

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/marsad/marsad"
)

// PageStore is what the reader's pages read: the root package's services,
// never a backend's own type.
type PageStore interface {
	marsad.ArticleService
	marsad.SourceService
	marsad.SearchService
	marsad.StoryService
	marsad.FeedService
}

// Tag is one tag of an article as the pages show it: its display form and
// the name its page is found under (/tags/{name}).
type Tag struct {
	Name string
}

// TagSource gives articles' tags. It is optional: internal/tags provides
// it once its stage has tagged the archive; without it pages show the
// publisher's own tags, as plain text.
type TagSource interface {
	// ArticleTags returns an article's tags, most telling first.
	ArticleTags(ctx context.Context, articleID int64) ([]Tag, error)
	// TagArticles returns the articles carrying the tag name (any spelling
	// of it), latest first, with their total, and the tag's display form.
	// ENOTFOUND when no article carries it.
	TagArticles(ctx context.Context, name string, offset, limit int) (*Tag, []*marsad.Article, int, error)
}

// RelatedSource gives an article's "read also" and "similar articles"
// lists. It is optional: internal/related provides it.
type RelatedSource interface {
	// ReadAlso returns up to a few articles from other stories.
	ReadAlso(ctx context.Context, articleID int64) ([]*marsad.Article, error)
	// Similar returns the nearest articles, best first.
	Similar(ctx context.Context, articleID int64) ([]*marsad.Article, error)
}

// relatedReadiness is implemented by a RelatedSource that computes lists
// in the background (internal/related's Source): Ready is false while an
// article's lists are not known yet.
type relatedReadiness interface {
	Ready(articleID int64) bool
}

// Pages are the read-side use cases: what each page of the reader's web
// (and a JSON API) shows, computed from the store. They hold no cache of
// their own; the web layer caches whole pages per data version.
type Pages struct {
	store PageStore
	an    Analyzer
	// Tags and Related, when set, add tags and related lists to the pages.
	Tags    TagSource
	Related RelatedSource
	// Now is the clock (tests set it); top stories never rank a story from
	// the future (a wrong date) first.
	Now func() time.Time
	// Searches bounds the searches running at once (see Search).
	searches chan struct{}
}

// NewPages returns the read-side use cases over store. an analyzes search
// queries and outlet names; concurrentSearches bounds searches running at
// once (at least 1).
func NewPages(store PageStore, an Analyzer, concurrentSearches int) *Pages {
	return &Pages{store: store, an: an, Now: time.Now,
		searches: make(chan struct{}, max(1, concurrentSearches))}
}

// Sizes of lists and bounds on paging. A page number beyond MaxPage is
// refused: deep pages of a listing are what crawlers, not readers, ask for,
// and each costs a walk past every earlier row.
const (
	TopStories     = 10
	StoriesPerPage = 20
	GroupsPerPage  = 30 // copy groups on a story page
	ArticlesPerTag = 20
	MaxPage        = 50
	// storyMembersRead bounds the members of one story read for its page.
	storyMembersRead = 3000
)

// topWindow is how far before the newest story top stories are looked for
// (the newest story, not the clock, anchors it: an archive shows its own
// last days); topHalfLife is how fast a story's claim to the top fades.
const (
	topWindow   = 48 * time.Hour
	topHalfLife = 24 * time.Hour
)

// StoryItem is one story in a list: the story and its outlets.
type StoryItem struct {
	Story   *marsad.Story
	Outlets []*marsad.Source
}

// HomeQuery selects the home page: an optional outlet (key) and tag, and
// the page of the latest stories.
type HomeQuery struct {
	Source string
	Tag    string
	Page   int
}

// HomePage is the home page: the top stories, then the latest stories (no
// story twice on the page: the top ones are left out of the latest).
type HomePage struct {
	Top      []StoryItem
	Latest   []StoryItem
	Page     int
	Pages    int // pages of the latest list
	Total    int // stories in the latest list
	Source   *marsad.Source
	Tag      *Tag
	Articles int              // articles in the archive
	Sources  []*marsad.Source // every outlet by name, for the filter
}

// pageArg checks a 1-based page number.
func pageArg(p int) (int, error) {
	switch {
	case p <= 0:
		return 1, nil
	case p > MaxPage:
		return 0, marsad.Errorf(marsad.EINVALID, "صفحة %d أبعد من آخر صفحة تُعرض (%d).", p, MaxPage)
	}
	return p, nil
}

// pagesOf returns the number of pages of total items.
func pagesOf(total, per int) int {
	return min(MaxPage, max(1, (total+per-1)/per))
}

// Home returns the home page.
func (p *Pages) Home(ctx context.Context, q HomeQuery) (*HomePage, error) {
	page, err := pageArg(q.Page)
	if err != nil {
		return nil, err
	}
	out := &HomePage{Page: page}
	outlets, err := p.outlets(ctx)
	if err != nil {
		return nil, err
	}
	for _, src := range outlets {
		out.Sources = append(out.Sources, src)
	}
	slices.SortFunc(out.Sources, func(a, b *marsad.Source) int { return cmp.Compare(a.Name, b.Name) })
	if q.Source != "" {
		if out.Source = outlets[q.Source]; out.Source == nil {
			return nil, marsad.Errorf(marsad.ENOTFOUND, "لا مصدر بالمفتاح %q.", q.Source)
		}
	}
	if q.Tag != "" {
		return p.homeByTag(ctx, q, out, outlets)
	}
	top, err := p.topStories(ctx, q.Source)
	if err != nil {
		return nil, err
	}
	if page == 1 {
		out.Top = items(top, outlets)
	}
	latest, total, err := p.latestStories(ctx, q.Source, top, page)
	if err != nil {
		return nil, err
	}
	out.Latest, out.Total = items(latest, outlets), total
	out.Pages = pagesOf(total, StoriesPerPage)
	if out.Articles, err = p.store.CountArticles(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// homeByTag lists the stories of the latest articles carrying a tag.
func (p *Pages) homeByTag(ctx context.Context, q HomeQuery, out *HomePage, outlets map[string]*marsad.Source) (*HomePage, error) {
	if p.Tags == nil {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "الوسوم غير متاحة بعد.")
	}
	tag, arts, _, err := p.Tags.TagArticles(ctx, q.Tag, 0, MaxPage*StoriesPerPage)
	if err != nil {
		return nil, err
	}
	out.Tag = tag
	var stories []*marsad.Story
	seen := map[int64]bool{}
	for _, a := range arts {
		if a.StoryID == 0 || seen[a.StoryID] || (q.Source != "" && a.Source != q.Source) {
			continue
		}
		seen[a.StoryID] = true
		st, err := p.store.FindStoryByID(ctx, a.StoryID)
		if err != nil {
			return nil, err
		}
		stories = append(stories, st)
	}
	out.Total, out.Pages = len(stories), pagesOf(len(stories), StoriesPerPage)
	from := min(len(stories), (out.Page-1)*StoriesPerPage)
	out.Latest = items(stories[from:min(len(stories), from+StoriesPerPage)], outlets)
	return out, nil
}

// outlets returns every source by key.
func (p *Pages) outlets(ctx context.Context) (map[string]*marsad.Source, error) {
	list, err := p.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*marsad.Source, len(list))
	for _, s := range list {
		m[s.Key] = s
	}
	return m, nil
}

func items(list []*marsad.Story, outlets map[string]*marsad.Source) []StoryItem {
	out := make([]StoryItem, len(list))
	for i, st := range list {
		out[i].Story = st
		for _, k := range st.Sources {
			src := outlets[k]
			if src == nil {
				src = &marsad.Source{Key: k, Name: k}
			}
			out[i].Outlets = append(out[i].Outlets, src)
		}
		slices.SortFunc(out[i].Outlets, func(a, b *marsad.Source) int { return cmp.Compare(a.Name, b.Name) })
	}
	return out
}

// TopStories returns the top stories (of one outlet when source is set).
func (p *Pages) TopStories(ctx context.Context, source string) ([]*marsad.Story, error) {
	return p.topStories(ctx, source)
}

// topStories ranks the stories of the topWindow before the newest one by
// how many outlets covered them, fading with age: what many newsrooms found
// worth reporting comes first, and yesterday's big story gives way to
// today's. A story dated ahead of the clock (a wrong date) is ignored, so
// it neither empties the window nor pins itself first.
func (p *Pages) topStories(ctx context.Context, source string) ([]*marsad.Story, error) {
	until := p.Now().Add(time.Hour)
	latest, _, err := p.store.FindStories(ctx, marsad.StoryFilter{To: until, Source: source, Limit: 1})
	if err != nil || len(latest) == 0 {
		return nil, err
	}
	anchor := latest[0].LastSeen
	list, _, err := p.store.FindStories(ctx, marsad.StoryFilter{
		From: anchor.Add(-topWindow), To: until, Source: source, MinArticles: 2, Limit: 500})
	if err != nil {
		return nil, err
	}
	score := func(s *marsad.Story) float64 {
		age := anchor.Sub(s.LastSeen).Hours()
		return (float64(s.Outlets) + 0.25*math.Log(float64(s.Articles))) * math.Exp2(-age/topHalfLife.Hours())
	}
	list = slices.DeleteFunc(list, func(s *marsad.Story) bool { return s.Outlets < 2 })
	slices.SortStableFunc(list, func(a, b *marsad.Story) int {
		return cmp.Or(cmp.Compare(score(b), score(a)), b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.ID, b.ID))
	})
	return list[:min(TopStories, len(list))], nil
}

// latestStories returns page (1-based) of the stories by last_seen, newest
// first, leaving out the top stories, and the size of that list. The store
// orders all stories; the top ones are skipped by walking a window a little
// wider than the page, so no page repeats or loses a story.
func (p *Pages) latestStories(ctx context.Context, source string, top []*marsad.Story, page int) ([]*marsad.Story, int, error) {
	skip := make(map[int64]bool, len(top))
	for _, s := range top {
		skip[s.ID] = true
	}
	want := (page - 1) * StoriesPerPage // index in the latest list
	f := marsad.StoryFilter{Source: source, Offset: want, Limit: StoriesPerPage + 2*len(top)}
	window, total, err := p.store.FindStories(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	// Top stories ordered before the window start shift the latest list.
	before := 0
	if len(window) > 0 {
		first := window[0]
		for _, s := range top {
			if s.LastSeen.After(first.LastSeen) || (s.LastSeen.Equal(first.LastSeen) && s.ID < first.ID) {
				before++
			}
		}
	}
	// window[0] is the latest list's item want-before (when not a top
	// story): skip forward to item want.
	idx := want - before
	var out []*marsad.Story
	for _, s := range window {
		if skip[s.ID] {
			continue
		}
		if idx >= want && len(out) < StoriesPerPage {
			out = append(out, s)
		}
		idx++
	}
	return out, max(0, total-len(top)), nil
}
