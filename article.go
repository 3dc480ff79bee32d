package marsad

import (
	"context"
	"strings"
	"time"
)

// Article is one stored article: the clean copy of what an outlet published.
// Title, Body and HTML are display text and are never normalized; analysis
// works on copies.
type Article struct {
	ID         int64     `json:"id"`
	URL        string    `json:"url"`         // canonical URL, unique in the store
	SourceID   int64     `json:"source_id"`   // the outlet
	Source     string    `json:"source"`      // the outlet's key (e.g. "okaz"), filled on reads
	SourceName string    `json:"source_name"` // the outlet's display name, filled on reads
	ExternalID string    `json:"external_id,omitempty"`
	Title      string    `json:"title"`
	Summary    string    `json:"summary,omitempty"`
	Body       string    `json:"body"`           // plain text, paragraphs separated by "\n"
	HTML       string    `json:"html,omitempty"` // sanitized HTML, optional
	Author     string    `json:"author,omitempty"`
	Category   string    `json:"category,omitempty"`
	Lang       string    `json:"lang"`
	Tags       []string  `json:"tags"` // publisher tags, display form
	Published  time.Time `json:"published"`
	Fetched    time.Time `json:"fetched"`
	// PublishedClaimed is the publication time the input gave when it was
	// more than a day ahead of the arrival (Fetched): Published was set to
	// the arrival instead, so that a wrong or hostile date cannot stay first
	// in newest-first lists. Zero when the claim was taken as it was.
	PublishedClaimed time.Time `json:"published_claimed,omitzero"`
	ContentHash      uint64    `json:"content_hash"` // hash of the analyzed body (exact duplicates)

	// CanonicalID is the article this one is a copy of (0 when it is itself
	// canonical); StoryID the story it belongs to (0 before clustering).
	CanonicalID int64 `json:"canonical_id,omitempty"`
	StoryID     int64 `json:"story_id,omitempty"`
}

// Paragraphs returns the body split into its non-empty paragraphs.
func (a *Article) Paragraphs() []string { return SplitParagraphs(a.Body) }

// URLKey is the identity of the page a canonical URL names: the URL
// without its http: or https: scheme ("//host/path?query"). Outlets serve
// one page under both schemes and archives keep whichever they were
// given, so stores keep one article per key. Other URLs are their own key.
func URLKey(canonical string) string {
	switch {
	case strings.HasPrefix(canonical, "https:"):
		return canonical[len("https:"):]
	case strings.HasPrefix(canonical, "http:"):
		return canonical[len("http:"):]
	}
	return canonical
}

// PreferURL tells whether a page stored under stored should be stored
// under incoming instead: the https:// form of one page replaces its
// http:// form (it is the one that still works when an outlet drops
// http), never the other way round.
func PreferURL(stored, incoming string) bool {
	return strings.HasPrefix(stored, "http:") && strings.HasPrefix(incoming, "https:") &&
		URLKey(stored) == URLKey(incoming)
}

// ArticleFilter selects articles. Zero fields select everything.
type ArticleFilter struct {
	ID *int64
	// URL selects the article stored under this canonical URL or its
	// other scheme's form (URLKey).
	URL      *string
	SourceID *int64
	StoryID  *int64
	From, To time.Time // published range, inclusive From, exclusive To
	IDs      []int64   // any of these ids (at most 1000; EINVALID above)
	AfterID  int64     // keyset pagination by id
	Offset   int
	Limit    int
	Newest   bool // order by published descending (default: id ascending)
	// NoText leaves Body, HTML and Summary empty: lists (a story's members,
	// copies) show titles and never pay for reading the text.
	NoText bool
}

// ArticleService reads and writes articles.
type ArticleService interface {
	// FindArticleByID returns one article. ENOTFOUND if there is none.
	FindArticleByID(ctx context.Context, id int64) (*Article, error)
	// FindArticleByURL returns the article stored under this canonical URL
	// or under its other scheme's form (URLKey): the http:// and https://
	// forms of a page find the same article. ENOTFOUND if none.
	FindArticleByURL(ctx context.Context, url string) (*Article, error)
	// FindArticles returns the articles matching the filter and the total count
	// of matches (ignoring Offset and Limit).
	FindArticles(ctx context.Context, f ArticleFilter) ([]*Article, int, error)
	// SaveArticles inserts the articles in one transaction, skipping those whose
	// page is already stored: one article per URLKey, so the http:// and
	// https:// forms of a URL are one article, whichever came first. When
	// the stored form is http:// and an input brings the https:// form, the
	// stored URL becomes the https:// one (PreferURL) and nothing else
	// changes. It returns, for each input, the stored id and whether it was
	// newly inserted. Sources are created as needed. EINVALID for an article
	// without URL, or with KeepID and no id; ECONFLICT (nothing saved) when a
	// KeepID article's id holds another page.
	SaveArticles(ctx context.Context, batch []*ArticleInput) ([]SaveResult, error)
	// CountArticles returns the number of stored articles.
	CountArticles(ctx context.Context) (int, error)
}

// ArticleInput is an article on its way into the store, with what the
// pipeline computed for it: index terms and the source it belongs to.
type ArticleInput struct {
	Article *Article
	Source  *Source
	// TitleTerms and BodyTerms are the analyzed terms, space-joined, written
	// to the search index.
	TitleTerms string
	BodyTerms  string
	// KeepID stores a new article under Article.ID instead of the next
	// free id: an archive restored from an export keeps its ids, so the
	// copy links, stories and readers' links that name them stay true.
	// Without it Article.ID is ignored (a retried save may carry the id of
	// a rolled-back attempt).
	KeepID bool
}

// SaveResult tells what happened to one ArticleInput.
type SaveResult struct {
	ID       int64
	Inserted bool // false: the page was already stored (unchanged, but for an http URL made https)
}
