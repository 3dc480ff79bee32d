package app

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/feeds"
)

// DiscoverFunc finds the working feeds of a page or feed URL
// (feeds.Discover over a fetch client; tests give their own).
type DiscoverFunc func(ctx context.Context, pageURL string) ([]feeds.Discovered, error)

// Feeds is the use case of following outlets: add a site or a feed (with
// discovery), import and export OPML, list feeds with their health, pause,
// resume and poll now. The `feeds` commands, the admin pages and the admin
// API all call it.
type Feeds struct {
	store    marsad.FeedService
	discover DiscoverFunc
	now      func() time.Time
}

// NewFeeds returns the feed use cases over store; discover may be nil
// when nothing is added by discovery (Add then answers EUNAVAILABLE).
func NewFeeds(store marsad.FeedService, discover DiscoverFunc) *Feeds {
	return &Feeds{store: store, discover: discover, now: time.Now}
}

// WithClock returns f reading the time from now (tests).
func (f *Feeds) WithClock(now func() time.Time) *Feeds {
	c := *f
	c.now = now
	return &c
}

// Added is one feed an Add or Import found: newly followed, or already.
type Added struct {
	Feed  *marsad.Feed
	Added bool // false: the feed was already followed (Feed is the stored one)
}

// Add follows the feeds found at raw: raw itself when it is a feed, else
// the feeds its page links or serves at the usual paths. Feeds already
// followed are reported with Added false. EINVALID for a URL that is not
// http(s) with a host, or a page with no working feed.
func (f *Feeds) Add(ctx context.Context, raw string) ([]Added, error) {
	page, err := checkFeedURL(raw)
	if err != nil {
		return nil, err
	}
	if f.discover == nil {
		return nil, marsad.Errorf(marsad.EUNAVAILABLE, "adding by discovery is not available here")
	}
	found, err := f.discover(ctx, page)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		// The page's fault (unreachable, refused, no feed): the caller
		// shows it as it is.
		return nil, marsad.Errorf(marsad.EINVALID, "%v", err)
	}
	var out []Added
	for _, d := range found {
		a, err := f.follow(ctx, feedFor(d.URL, d.Title, page))
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// follow creates fd, or returns the stored feed of its URL.
func (f *Feeds) follow(ctx context.Context, fd *marsad.Feed) (Added, error) {
	switch err := f.store.CreateFeed(ctx, fd); marsad.ErrorCode(err) {
	case "":
		return Added{Feed: fd, Added: true}, nil
	case marsad.ECONFLICT:
		u := fd.URL
		list, _, ferr := f.store.FindFeeds(ctx, marsad.FeedFilter{URL: &u, Limit: 1})
		if ferr != nil {
			return Added{}, ferr
		}
		if len(list) == 1 {
			return Added{Feed: list[0]}, nil
		}
		return Added{Feed: fd}, nil
	default:
		return Added{}, err
	}
}

// ImportResult tells what an OPML import did: the feeds followed, those
// already followed, and the outlines skipped with why.
type ImportResult struct {
	Read, Added, Existing int
	Problems              []string // "outline N (title): reason"
}

// Import follows every feed of list not followed yet, without fetching
// them (the poller will). An outline whose feed URL is not http(s) with a
// host is skipped with its number and the reason; the rest goes on.
func (f *Feeds) Import(ctx context.Context, list []feeds.OPMLFeed) (ImportResult, error) {
	res := ImportResult{Read: len(list)}
	for i, o := range list {
		u, err := checkFeedURL(o.XMLURL)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("outline %d (%s): %s", i+1, cmp.Or(o.Title, o.XMLURL), marsad.ErrorMessage(err)))
			continue
		}
		a, err := f.follow(ctx, feedFor(u, o.Title, o.HTMLURL))
		if err != nil {
			return res, err
		}
		if a.Added {
			res.Added++
		} else {
			res.Existing++
		}
	}
	return res, nil
}

// Export returns the followed feeds as OPML outlines and the file's
// title. With no feed followed yet it returns the built-in list `serve`
// follows on its first start (builtIn true), so it can be edited and
// imported.
func (f *Feeds) Export(ctx context.Context) (title string, list []feeds.OPMLFeed, builtIn bool, err error) {
	all, _, err := f.store.FindFeeds(ctx, marsad.FeedFilter{})
	if err != nil {
		return "", nil, false, err
	}
	if len(all) == 0 {
		list, err := feeds.DefaultFeeds()
		return "marsad built-in feeds", list, true, err
	}
	for _, fd := range all {
		list = append(list, feeds.OPMLFeed{Title: cmp.Or(fd.Title, fd.SourceName), XMLURL: fd.URL, HTMLURL: fd.SiteURL, Category: fd.SourceName})
	}
	return "marsad feeds", list, false, nil
}

// List returns the feeds with their health from offset, by id, and how
// many there are.
func (f *Feeds) List(ctx context.Context, offset, limit int) ([]*marsad.Feed, int, error) {
	if offset < 0 || limit < 1 {
		return nil, 0, marsad.Errorf(marsad.EINVALID, "feed list from %d, %d at a time: want an offset from 0 and a limit from 1", offset, limit)
	}
	return f.store.FindFeeds(ctx, marsad.FeedFilter{Offset: offset, Limit: limit})
}

// Pause stops polling a feed until Resume; its health stays. ENOTFOUND.
func (f *Feeds) Pause(ctx context.Context, id int64) (*marsad.Feed, error) {
	yes := true
	return f.store.UpdateFeed(ctx, id, marsad.FeedUpdate{Paused: &yes})
}

// Resume polls a paused feed again, at once. ENOTFOUND.
func (f *Feeds) Resume(ctx context.Context, id int64) (*marsad.Feed, error) {
	no, now := false, f.now().UTC()
	return f.store.UpdateFeed(ctx, id, marsad.FeedUpdate{Paused: &no, NextPoll: &now})
}

// PollNow makes a feed due now, even one backing off after failures: a
// poller sharing the store takes it within its tick (5 s by default).
// ENOTFOUND; ECONFLICT for a paused feed (resume it).
func (f *Feeds) PollNow(ctx context.Context, id int64) (*marsad.Feed, error) {
	fd, err := f.store.FindFeedByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if fd.Paused {
		return nil, marsad.Errorf(marsad.ECONFLICT, "feed %d is paused: resume it to poll it", id)
	}
	now := f.now().UTC()
	return f.store.UpdateFeed(ctx, id, marsad.FeedUpdate{NextPoll: &now})
}

// PollAllNow makes every feed that is not paused due now (`poll --force`)
// and returns how many.
func (f *Feeds) PollAllNow(ctx context.Context) (int, error) {
	all, _, err := f.store.FindFeeds(ctx, marsad.FeedFilter{})
	if err != nil {
		return 0, err
	}
	now, n := f.now().UTC(), 0
	for _, fd := range all {
		if fd.Paused {
			continue
		}
		if _, err := f.store.UpdateFeed(ctx, fd.ID, marsad.FeedUpdate{NextPoll: &now}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// checkFeedURL returns raw trimmed when it is an absolute http(s) URL with
// a host; EINVALID otherwise.
func checkFeedURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return raw, nil
	}
	if raw == "" {
		return "", marsad.Errorf(marsad.EINVALID, "no URL given")
	}
	if err == nil && u.Scheme == "" && !strings.Contains(raw, " ") {
		return "", marsad.Errorf(marsad.EINVALID, "%q has no scheme: write it as https://%s", raw, raw)
	}
	return "", marsad.Errorf(marsad.EINVALID, "%q is not an http(s) URL with a host", raw)
}

// feedFor builds a feed whose source (outlet) is keyed by the site's host.
func feedFor(feedURL, title, siteURL string) *marsad.Feed {
	host := marsad.DomainOf(siteURL, feedURL)
	return &marsad.Feed{URL: feedURL, Title: title, SiteURL: siteURL, Source: host, SourceName: cmp.Or(title, host)}
}
