package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/extract"
	"github.com/marsad/marsad/internal/fetch"
	"github.com/marsad/marsad/internal/pipeline"
)

// Ingester is the one way articles enter marsad: the pipeline.
type Ingester interface {
	Ingest(ctx context.Context, raws []*marsad.RawArticle) (pipeline.Result, error)
}

// Store is what the poller needs from the store.
type Store interface {
	FindFeeds(ctx context.Context, f marsad.FeedFilter) ([]*marsad.Feed, int, error)
	UpdateFeed(ctx context.Context, id int64, upd marsad.FeedUpdate) (*marsad.Feed, error)
	SeenFeedItems(ctx context.Context, feedID int64, keys []string) (map[string]bool, error)
	AddFeedItems(ctx context.Context, feedID int64, keys []string) (int, error)
}

// Options tune the poller; zero fields take the defaults noted.
type Options struct {
	MinInterval time.Duration // shortest polling interval, default 2 min
	MaxInterval time.Duration // longest polling interval, default 2 h
	MaxBackoff  time.Duration // longest wait after failures, default 24 h
	Workers     int           // feeds polled at once, default 32 (per-host limits live in fetch.Client)
	PageWorkers int           // article pages fetched at once per feed, default 4
	// FetchPages fetches and extracts the page of items that carry only a
	// summary. Default true; set SkipPages to turn it off.
	SkipPages bool
	Logger    *slog.Logger
	Now       func() time.Time
}

// Poller polls due feeds and ingests their new items.
type Poller struct {
	store  Store
	ingest Ingester
	client *fetch.Client
	opts   Options
	log    *slog.Logger
}

// NewPoller returns a poller over store, handing items to ing.
func NewPoller(store Store, ing Ingester, client *fetch.Client, opts Options) *Poller {
	if opts.MinInterval <= 0 {
		opts.MinInterval = 2 * time.Minute
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = 2 * time.Hour
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 24 * time.Hour
	}
	if opts.Workers <= 0 {
		opts.Workers = 32
	}
	if opts.PageWorkers <= 0 {
		opts.PageWorkers = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Poller{store: store, ingest: ing, client: client, opts: opts, log: opts.Logger}
}

// PassStats counts what one pass did.
type PassStats struct {
	Feeds, OK, NotModified, Failed int
	NewItems, Pages, PageErrors    int
	Imported                       int
	// Outage is true when every host failed at the network level: the
	// failures were not counted against the feeds.
	Outage bool
}

// outcome is one feed's poll result, applied at the end of the pass for
// failures so that a network-wide outage can be told apart.
type outcome struct {
	feed    *marsad.Feed
	host    string
	err     error
	network bool // the host never answered (DNS, connect, timeout)
	retry   time.Duration
	stats   PassStats
}

// PollOnce polls every feed due now, waits for every page it queued, and
// returns. Feed failures are recorded in the feeds' health, never returned;
// the error is for the store failing or ctx ending.
func (p *Poller) PollOnce(ctx context.Context) (PassStats, error) {
	now := p.opts.Now()
	due, _, err := p.store.FindFeeds(ctx, marsad.FeedFilter{DueBy: &now})
	if err != nil {
		return PassStats{}, fmt.Errorf("poll: %w", err)
	}
	jobs := make(chan *marsad.Feed)
	results := make([]outcome, 0, len(due))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(p.opts.Workers, max(len(due), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				o := p.pollFeed(ctx, f)
				mu.Lock()
				results = append(results, o)
				mu.Unlock()
			}
		}()
	}
feedLoop:
	for _, f := range due {
		select {
		case jobs <- f:
		case <-ctx.Done():
			break feedLoop
		}
	}
	close(jobs)
	wg.Wait()

	var st PassStats
	hosts, downHosts := map[string]bool{}, map[string]bool{}
	for _, o := range results {
		hosts[o.host] = true
		if o.err != nil && o.network {
			downHosts[o.host] = true
		}
	}
	for _, o := range results {
		if o.err == nil {
			delete(downHosts, o.host) // a host that answered once is up
		}
	}
	// Every host failing at once is our network, not the feeds: with three
	// or more hosts that is the likely reading.
	st.Outage = len(hosts) >= 3 && len(downHosts) == len(hosts)
	var firstErr error
	for _, o := range results {
		st.Feeds++
		st.NewItems += o.stats.NewItems
		st.Pages += o.stats.Pages
		st.PageErrors += o.stats.PageErrors
		st.Imported += o.stats.Imported
		st.NotModified += o.stats.NotModified
		if o.err == nil {
			st.OK++
			continue
		}
		st.Failed++
		if err := p.recordFailure(ctx, o, st.Outage); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if err := ctx.Err(); err != nil && firstErr == nil {
		firstErr = err
	}
	return st, firstErr
}

// Run polls until ctx ends, sleeping until the next feed is due.
func (p *Poller) Run(ctx context.Context) error {
	for {
		st, err := p.PollOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			p.log.Error("poll pass", "err", err)
		} else if st.Feeds > 0 {
			p.log.Info("poll pass", "feeds", st.Feeds, "ok", st.OK, "not_modified", st.NotModified, "failed", st.Failed,
				"new_items", st.NewItems, "imported", st.Imported, "outage", st.Outage)
		}
		wait := p.opts.MaxInterval
		far := p.opts.Now().Add(wait)
		if next, _, err := p.store.FindFeeds(ctx, marsad.FeedFilter{DueBy: &far, Limit: 1}); err == nil && len(next) > 0 {
			wait = time.Until(next[0].NextPoll)
		}
		wait = max(wait, 5*time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (p *Poller) pollFeed(ctx context.Context, f *marsad.Feed) outcome {
	o := outcome{feed: f}
	if u, err := url.Parse(f.URL); err == nil {
		o.host = u.Host
	}
	start := p.opts.Now()
	resp, err := p.client.GetText(ctx, fetch.Request{URL: f.URL, ETag: f.ETag, LastModified: f.LastModified,
		Accept: "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"})
	if err != nil {
		o.err = err
		var se *fetch.StatusError
		if errors.As(err, &se) {
			o.retry = se.RetryAfter
		} else {
			o.network = isNetworkError(err)
		}
		return o
	}
	interval := f.Interval
	if interval <= 0 {
		interval = 30 * time.Minute
	}
	upd := marsad.FeedUpdate{LastPolled: &start, LastSuccess: &start}
	if resp.NotModified {
		o.stats.NotModified = 1
	} else {
		parsed, err := Parse(resp.Body, f.URL)
		if err != nil {
			o.err = err
			return o
		}
		if err := p.takeItems(ctx, f, parsed, &o.stats); err != nil {
			o.err = err
			return o
		}
		interval = p.adaptiveInterval(parsed.Items, interval, start)
		interval = max(interval, min(parsed.TTL, p.opts.MaxBackoff))
		etag, lm := resp.ETag, resp.LastModified
		upd.ETag, upd.LastModified = &etag, &lm
		if f.Title == "" && parsed.Title != "" {
			upd.Title = &parsed.Title
		}
		if f.SiteURL == "" && parsed.SiteURL != "" {
			upd.SiteURL = &parsed.SiteURL
		}
	}
	// Server hints may only lengthen the interval.
	interval = max(interval, min(resp.MaxAge, p.opts.MaxBackoff), min(resp.RetryAfter, p.opts.MaxBackoff))
	next := start.Add(interval)
	zero, empty := 0, ""
	upd.ErrorCount, upd.LastError, upd.NextPoll, upd.Interval = &zero, &empty, &next, &interval
	if _, err := p.store.UpdateFeed(ctx, f.ID, upd); err != nil {
		o.err = fmt.Errorf("record poll of %s: %w", f.URL, err)
	}
	return o
}

// takeItems ingests the items of parsed not taken before, fetching the
// page of those that carry only a summary. Items are recorded as taken
// only after the pipeline stored them, so a killed poll takes them again
// (the pipeline skips URLs it already holds).
func (p *Poller) takeItems(ctx context.Context, f *marsad.Feed, parsed *Feed, st *PassStats) error {
	keys := make([]string, 0, len(parsed.Items))
	byKey := map[string]*Item{}
	for i := range parsed.Items {
		it := &parsed.Items[i]
		k := it.Key()
		if _, dup := byKey[k]; dup {
			continue
		}
		byKey[k] = it
		keys = append(keys, k)
	}
	seen, err := p.store.SeenFeedItems(ctx, f.ID, keys)
	if err != nil {
		return fmt.Errorf("poll %s: %w", f.URL, err)
	}
	var fresh []string
	for _, k := range keys {
		if !seen[k] {
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	st.NewItems += len(fresh)
	raws := make([]*marsad.RawArticle, len(fresh))
	sem := make(chan struct{}, p.opts.PageWorkers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, k := range fresh {
		it := byKey[k]
		raw := p.rawArticle(f, it)
		raws[i] = raw
		if raw.Body != "" || p.opts.SkipPages || it.URL == "" {
			if raw.Body == "" {
				raw.Body = raw.Summary
			}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := p.fetchPage(ctx, raw)
			mu.Lock()
			st.Pages++
			if err != nil {
				st.PageErrors++
			}
			mu.Unlock()
			if err != nil {
				// Nothing is lost: the summary stands in for the body.
				p.log.Debug("article page", "url", raw.URL, "err", err)
				raw.Body = raw.Summary
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	var valid []*marsad.RawArticle
	for _, r := range raws {
		if r.Body != "" || r.HTML != "" || r.Title != "" {
			valid = append(valid, r)
		}
	}
	res, err := p.ingest.Ingest(ctx, valid)
	if err != nil {
		return fmt.Errorf("ingest items of %s: %w", f.URL, err)
	}
	st.Imported += res.Imported
	if _, err := p.store.AddFeedItems(ctx, f.ID, fresh); err != nil {
		return fmt.Errorf("poll %s: %w", f.URL, err)
	}
	return nil
}

// minContentRunes is the length from which an item's own content is taken
// as the article body rather than fetching the page.
const minContentRunes = 400

func (p *Poller) rawArticle(f *marsad.Feed, it *Item) *marsad.RawArticle {
	raw := &marsad.RawArticle{
		URL: it.URL, Title: it.Title, Source: f.Source, SourceName: f.SourceName,
		Published: it.Published, Author: it.Author, Tags: it.Tags, ID: it.GUID, Where: f.URL,
	}
	summary := extract.FragmentText(it.Summary)
	content := extract.FragmentText(it.Content)
	raw.Summary = summary
	cn, sn := utf8.RuneCountInString(content), utf8.RuneCountInString(summary)
	switch {
	case cn >= minContentRunes, cn > 0 && cn > 2*sn && p.opts.SkipPages:
		raw.Body = content
	case sn >= 3*minContentRunes:
		raw.Body = summary // some feeds put the full text in <description>
	}
	return raw
}

// fetchPage fetches an item's page (robots.txt respected) into raw.HTML;
// the pipeline extracts it.
func (p *Poller) fetchPage(ctx context.Context, raw *marsad.RawArticle) error {
	ok, err := p.client.Allowed(ctx, raw.URL)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("page %s: %w", raw.URL, fetch.ErrRobots)
	}
	resp, err := p.client.GetText(ctx, fetch.Request{URL: raw.URL, Accept: "text/html,application/xhtml+xml"})
	if err != nil {
		return err
	}
	raw.HTML = string(resp.Body)
	return nil
}

// adaptiveInterval sets the interval from the feed's publishing rate: half
// the mean gap between its recent items, so a feed publishing every 10
// minutes is polled every 5, within [MinInterval, MaxInterval]. A feed
// whose newest item is old is polled as slowly as its silence suggests.
func (p *Poller) adaptiveInterval(items []Item, current time.Duration, now time.Time) time.Duration {
	var dates []time.Time
	for _, it := range items {
		if !it.Published.IsZero() && it.Published.Before(now.Add(time.Hour)) {
			dates = append(dates, it.Published)
		}
	}
	if len(dates) < 2 {
		return clampDur(current, p.opts.MinInterval, p.opts.MaxInterval)
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return b.Compare(a) })
	dates = dates[:min(len(dates), 20)]
	gap := dates[0].Sub(dates[len(dates)-1]) / time.Duration(len(dates)-1)
	gap = max(gap, now.Sub(dates[0])/2)
	return clampDur(gap/2, p.opts.MinInterval, p.opts.MaxInterval)
}

func clampDur(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}

// recordFailure stores a failed poll. During an outage the error is shown
// but not counted, and the feed is retried soon.
func (p *Poller) recordFailure(ctx context.Context, o outcome, outage bool) error {
	now := p.opts.Now()
	msg := o.err.Error()
	upd := marsad.FeedUpdate{LastPolled: &now, LastError: &msg, LastErrorAt: &now}
	var next time.Time
	if outage {
		next = now.Add(p.opts.MinInterval)
	} else {
		n := o.feed.ErrorCount + 1
		upd.ErrorCount = &n
		next = now.Add(p.Backoff(n, o.retry))
	}
	upd.NextPoll = &next
	if _, err := p.store.UpdateFeed(ctx, o.feed.ID, upd); err != nil {
		return fmt.Errorf("record failure of %s: %w", o.feed.URL, err)
	}
	p.log.Warn("feed failed", "url", o.feed.URL, "errors", o.feed.ErrorCount+1, "next", next, "outage", outage, "err", o.err)
	return nil
}

// Backoff returns the wait after the n-th consecutive failure: MinInterval
// doubled per failure, ±20 % jitter so that feeds failing together do not
// retry together, at least Retry-After, capped at MaxBackoff. The feed is
// never disabled: after the cap it is retried once per MaxBackoff.
func (p *Poller) Backoff(n int, retryAfter time.Duration) time.Duration {
	d := p.opts.MinInterval
	for i := 1; i < n && d < p.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	d = max(d, retryAfter)
	return min(d, p.opts.MaxBackoff)
}

// isNetworkError tells failures where the host never answered from those
// where it answered badly (status, body, parse): only the former can be an
// outage on our side.
func isNetworkError(err error) bool {
	if errors.Is(err, fetch.ErrTooLarge) || errors.Is(err, fetch.ErrBlockedAddress) || errors.Is(err, fetch.ErrTooManyRedirects) {
		return false
	}
	return !errors.Is(err, context.Canceled)
}
