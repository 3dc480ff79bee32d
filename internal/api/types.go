package api

import (
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/search"
)

// The API's own JSON shapes. They are not the domain types marshalled as
// they are: the API promises these fields (openapi.json describes them),
// and the domain may grow without changing what clients read. Times are
// RFC 3339 in UTC; an absent time is left out, never "0001-01-01".

// Source is an outlet.
type Source struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Domain string `json:"domain,omitempty"`
}

// ArticleRef is an article in a list: no text.
type ArticleRef struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Source      Source    `json:"source"`
	Published   time.Time `json:"published"`
	Lang        string    `json:"lang,omitempty"`
	StoryID     int64     `json:"story_id,omitempty"`
	CanonicalID int64     `json:"canonical_id,omitempty"`
}

// Article is one article with everything its page shows.
type Article struct {
	ArticleRef
	Summary          string       `json:"summary,omitempty"`
	Body             string       `json:"body"`
	HTML             string       `json:"html,omitempty"`
	Author           string       `json:"author,omitempty"`
	Category         string       `json:"category,omitempty"`
	Fetched          time.Time    `json:"fetched"`
	PublishedClaimed *time.Time   `json:"published_claimed,omitempty"`
	Tags             []string     `json:"tags"`
	TagLinks         bool         `json:"tag_links"` // whether /api/v1/tags/{name} knows the tags
	Original         *ArticleRef  `json:"original,omitempty"`
	Copies           []ArticleRef `json:"copies"`
	Story            *Story       `json:"story,omitempty"`
	AlsoCovered      []ArticleRef `json:"also_covered"`
	ReadAlso         []ArticleRef `json:"read_also"`
	Similar          []ArticleRef `json:"similar"`
}

// Story is a story with its outlets.
type Story struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	TitleArticleID int64     `json:"title_article_id"`
	FirstSeen      time.Time `json:"first_seen"`
	LastSeen       time.Time `json:"last_seen"`
	Articles       int       `json:"articles"`
	Outlets        []Source  `json:"outlets"`
}

// CopyGroup is one text of a story and its copies by other outlets.
type CopyGroup struct {
	Article ArticleRef   `json:"article"`
	Copies  []ArticleRef `json:"copies"`
}

// StoryDetail is a story and a page of its coverage.
type StoryDetail struct {
	Story      Story       `json:"story"`
	Groups     []CopyGroup `json:"groups"`
	Total      int         `json:"total"` // copy groups in the story
	NextCursor *string     `json:"next_cursor"`
}

// Outlet is an outlet with its figures.
type Outlet struct {
	Source      Source     `json:"source"`
	Articles    int        `json:"articles"`
	Feeds       int        `json:"feeds"`
	Failing     int        `json:"failing_feeds"`
	LastReached *time.Time `json:"last_reached,omitempty"`
}

// Feed is a followed feed and its health.
type Feed struct {
	ID          int64      `json:"id"`
	URL         string     `json:"url"`
	SiteURL     string     `json:"site_url,omitempty"`
	Title       string     `json:"title"`
	Source      Source     `json:"source"`
	Created     time.Time  `json:"created"`
	LastPolled  *time.Time `json:"last_polled,omitempty"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	ErrorCount  int        `json:"error_count"`
	NextPoll    *time.Time `json:"next_poll,omitempty"`
	IntervalSec int64      `json:"interval_seconds"`
	ItemsSeen   int        `json:"items_seen"`
	Paused      bool       `json:"paused"`
}

// AddedFeed is a feed an admin add found: newly followed or already.
type AddedFeed struct {
	Feed  Feed `json:"feed"`
	Added bool `json:"added"`
}

// AddedFeeds is what an admin add found.
type AddedFeeds struct {
	Items []AddedFeed `json:"items"`
}

// FeedImportResult tells what an OPML import did; problems name each
// outline skipped ("outline N (title): reason").
type FeedImportResult struct {
	Read     int      `json:"read"`
	Added    int      `json:"added"`
	Existing int      `json:"existing"`
	Problems []string `json:"problems"`
}

// SearchHit is one story among the results: its best matching article,
// the title and snippet with the matched words marked, and how many other
// of its articles match.
type SearchHit struct {
	Article ArticleRef `json:"article"`
	Story   *Story     `json:"story,omitempty"`
	Others  int        `json:"others"`
	Title   []Segment  `json:"title"`
	Snippet []Segment  `json:"snippet"`
}

// Segment is a piece of original text; Match marks a searched word.
type Segment struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// List is a page of a list: its items and the cursor of the next page
// (null on the last one).
type List[T any] struct {
	Items      []T     `json:"items"`
	Total      int     `json:"total"`
	NextCursor *string `json:"next_cursor"`
}

// SourceDetail is an outlet and a page of its latest articles.
type SourceDetail struct {
	Outlet     Outlet       `json:"outlet"`
	FeedList   []Feed       `json:"feed_list"`
	Articles   []ArticleRef `json:"articles"`
	NextCursor *string      `json:"next_cursor"`
}

// TagDetail is a tag and a page of its articles.
type TagDetail struct {
	Name       string       `json:"name"`
	Articles   []ArticleRef `json:"articles"`
	Total      int          `json:"total"`
	NextCursor *string      `json:"next_cursor"`
}

// Error is every error's body.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// IngestResult is what POST /api/v1/articles did.
type IngestResult struct {
	Read      int           `json:"read"`
	Imported  int           `json:"imported"`
	Unchanged int           `json:"unchanged"`
	Invalid   int           `json:"invalid"`
	Problems  []LineProblem `json:"problems"`
}

// LineProblem is one refused line: its number (1-based) and why.
type LineProblem struct {
	Line   int    `json:"line"`
	URL    string `json:"url,omitempty"`
	Reason string `json:"reason"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func sourceOf(key, name string) Source { return Source{Key: key, Name: name} }

func refOf(a *marsad.Article) ArticleRef {
	return ArticleRef{ID: a.ID, URL: a.URL, Title: a.Title, Source: sourceOf(a.Source, a.SourceName),
		Published: a.Published.UTC(), Lang: a.Lang, StoryID: a.StoryID, CanonicalID: a.CanonicalID}
}

func refsOf(list []*marsad.Article) []ArticleRef {
	out := make([]ArticleRef, 0, len(list))
	for _, a := range list {
		out = append(out, refOf(a))
	}
	return out
}

func sourcesOf(list []*marsad.Source) []Source {
	out := make([]Source, 0, len(list))
	for _, s := range list {
		out = append(out, Source{Key: s.Key, Name: s.Name, Domain: s.Domain})
	}
	return out
}

func storyOf(st *marsad.Story, outlets []*marsad.Source) Story {
	s := Story{ID: st.ID, Title: st.Title, TitleArticleID: st.TitleArticleID, FirstSeen: st.FirstSeen.UTC(),
		LastSeen: st.LastSeen.UTC(), Articles: st.Articles, Outlets: sourcesOf(outlets)}
	if outlets == nil {
		// Without the outlets' names (a story read alone), the keys.
		for _, k := range st.Sources {
			s.Outlets = append(s.Outlets, Source{Key: k, Name: k})
		}
	}
	return s
}

func storyItems(list []app.StoryItem) []Story {
	out := make([]Story, 0, len(list))
	for _, it := range list {
		out = append(out, storyOf(it.Story, it.Outlets))
	}
	return out
}

func articleOf(pg *app.ArticlePage) Article {
	a := pg.Article
	out := Article{ArticleRef: refOf(a), Summary: a.Summary, Body: a.Body, HTML: a.HTML, Author: a.Author,
		Category: a.Category, Fetched: a.Fetched.UTC(), PublishedClaimed: timePtr(a.PublishedClaimed),
		Tags: []string{}, TagLinks: pg.TagLinks, Copies: refsOf(pg.Copies), AlsoCovered: refsOf(pg.AlsoCovered),
		ReadAlso: refsOf(pg.ReadAlso), Similar: refsOf(pg.Similar)}
	for _, t := range pg.Tags {
		out.Tags = append(out.Tags, t.Name)
	}
	if pg.Original != nil {
		r := refOf(pg.Original)
		out.Original = &r
	}
	if pg.Story != nil {
		s := storyOf(pg.Story, nil)
		out.Story = &s
	}
	return out
}

func outletOf(o app.Outlet) Outlet {
	return Outlet{Source: Source{Key: o.Source.Key, Name: o.Source.Name, Domain: o.Source.Domain},
		Articles: o.Articles, Feeds: len(o.Feeds), Failing: o.Failing, LastReached: timePtr(o.LastReached)}
}

func feedOf(f *marsad.Feed) Feed {
	return Feed{ID: f.ID, URL: f.URL, SiteURL: f.SiteURL, Title: f.Title, Source: sourceOf(f.Source, f.SourceName),
		Created: f.Created.UTC(), LastPolled: timePtr(f.LastPolled), LastSuccess: timePtr(f.LastSuccess),
		LastError: f.LastError, LastErrorAt: timePtr(f.LastErrorAt), ErrorCount: f.ErrorCount,
		NextPoll: timePtr(f.NextPoll), IntervalSec: int64(f.Interval.Seconds()), ItemsSeen: f.ItemsSeen, Paused: f.Paused}
}

func segmentsOf(list []search.Segment) []Segment {
	out := make([]Segment, 0, len(list))
	for _, s := range list {
		out = append(out, Segment{Text: s.Text, Match: s.Match})
	}
	return out
}
