package marsad

import (
	"context"
	"time"
)

// Feed is a followed RSS/Atom/JSON feed and its polling health. Each feed
// belongs to a source (outlet); its items become articles of that source.
type Feed struct {
	ID         int64  `json:"id"`
	URL        string `json:"url"` // the feed document's URL, unique
	SiteURL    string `json:"site_url,omitempty"`
	Title      string `json:"title"`
	SourceID   int64  `json:"source_id"`
	Source     string `json:"source"`      // outlet key; filled on reads, used by CreateFeed
	SourceName string `json:"source_name"` // outlet display name; filled on reads

	// Conditional GET validators from the last 200 response.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`

	Created     time.Time `json:"created"`
	LastPolled  time.Time `json:"last_polled"`  // last attempt, whatever its outcome
	LastSuccess time.Time `json:"last_success"` // last 200 or 304
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at"`
	// ErrorCount is the number of consecutive failures; the backoff grows
	// with it and it returns to 0 on success. A feed is never disabled.
	ErrorCount int           `json:"error_count"`
	NextPoll   time.Time     `json:"next_poll"`
	Interval   time.Duration `json:"interval"` // current polling interval (adaptive)
	ItemsSeen  int           `json:"items_seen"`
	// Paused feeds are never due: an operator stopped polling them (the
	// admin's pause) until they are resumed; their health stays as it was.
	Paused bool `json:"paused"`
}

// FeedFilter selects feeds. Zero fields select everything.
type FeedFilter struct {
	ID  *int64
	URL *string
	// DueBy selects feeds whose NextPoll is at or before this time and
	// that are not paused.
	DueBy  *time.Time
	Offset int
	Limit  int
}

// FeedUpdate changes the non-nil fields of a feed. ItemsSeenAdd is added
// to ItemsSeen.
type FeedUpdate struct {
	Title        *string
	SiteURL      *string
	ETag         *string
	LastModified *string
	LastPolled   *time.Time
	LastSuccess  *time.Time
	LastError    *string
	LastErrorAt  *time.Time
	ErrorCount   *int
	NextPoll     *time.Time
	Interval     *time.Duration
	ItemsSeenAdd int
	Paused       *bool
}

// FeedService reads and writes followed feeds, their health and the items
// already taken from them.
type FeedService interface {
	// FindFeedByID returns one feed. ENOTFOUND if there is none.
	FindFeedByID(ctx context.Context, id int64) (*Feed, error)
	// FindFeeds returns the feeds matching the filter, ordered by id (by
	// NextPoll when DueBy is set), and the total count of matches ignoring
	// Offset and Limit.
	FindFeeds(ctx context.Context, f FeedFilter) ([]*Feed, int, error)
	// CreateFeed stores f, creating its source from f.Source/f.SourceName
	// when needed, and sets f.ID, f.SourceID and f.Created. EINVALID
	// without URL or source key; ECONFLICT when the URL is already followed.
	CreateFeed(ctx context.Context, f *Feed) error
	// UpdateFeed applies upd and returns the updated feed. ENOTFOUND if
	// there is no such feed.
	UpdateFeed(ctx context.Context, id int64, upd FeedUpdate) (*Feed, error)
	// DeleteFeed stops following a feed (its articles stay). ENOTFOUND if
	// there is none.
	DeleteFeed(ctx context.Context, id int64) error
	// ClaimDueFeeds picks up to limit feeds due by now (NextPoll at or
	// before it, not paused; every due feed when limit <= 0), oldest
	// NextPoll first, and
	// in the same atomic step moves their NextPoll to now+lease, so that
	// several pollers sharing a store never poll one feed at once: a claimed
	// feed is not due for anyone else until its lease ends. The poller then
	// sets NextPoll for real (or renews the lease while it works); a poller
	// that dies leaves the feed due again when the lease ends. EINVALID for
	// a lease that is not positive.
	ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Feed, error)
	// SeenFeedItems returns which of keys (item GUIDs or URLs) were already
	// recorded for the feed.
	SeenFeedItems(ctx context.Context, feedID int64, keys []string) (map[string]bool, error)
	// AddFeedItems records keys as taken from the feed, ignoring those
	// already recorded, and returns how many were new. Callers record items
	// only after the pipeline stored them, so a killed poll takes them again.
	AddFeedItems(ctx context.Context, feedID int64, keys []string) (int, error)
}
