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
	ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*marsad.Feed, error)
	FindFeeds(ctx context.Context, f marsad.FeedFilter) ([]*marsad.Feed, int, error)
	UpdateFeed(ctx context.Context, id int64, upd marsad.FeedUpdate) (*marsad.Feed, error)
	SeenFeedItems(ctx context.Context, feedID int64, keys []string) (map[string]bool, error)
	AddFeedItems(ctx context.Context, feedID int64, keys []string) (int, error)
}

// ErrStore marks a poll that stopped because the store (or the pipeline
// writing to it) failed. It is never a feed's fault: no feed's error count
// or backoff moves, and the claimed feeds are polled again when their
// lease ends.
var ErrStore = errors.New("the store failed; no feed was blamed")

func storeErr(what string, err error) error { return fmt.Errorf("%w: %s: %w", ErrStore, what, err) }

// Options tune the poller; zero fields take the defaults noted.
type Options struct {
	MinInterval time.Duration // shortest polling interval, default 2 min
	MaxInterval time.Duration // longest polling interval, default 2 h
	MaxBackoff  time.Duration // longest wait after failures, default 24 h
	Workers     int           // feeds polled at once, default 32 (per-host limits live in fetch.Client)
	PageWorkers int           // article pages fetched at once per feed, default 4
	// ChunkItems is how many new items of one feed are fetched, stored and
	// recorded together, default 200: a feed of 100,000 items is stored as
	// it goes, and an interrupt keeps every stored chunk.
	ChunkItems int
	// Lease is how long a claimed feed is this poller's alone (other
	// pollers sharing the store skip it), default 15 min; it is renewed
	// after every chunk, so a long feed keeps it while it works.
	Lease time.Duration
	// Tick is how often Run looks for due feeds (a feed added meanwhile is
	// polled within it), default 5 s; StoreRetry how long it waits after the
	// store failed, default 30 s.
	Tick, StoreRetry time.Duration
	// FetchPages fetches and extracts the page of items that carry only a
	// summary. Default true; set SkipPages to turn it off.
	SkipPages bool
	Logger    *slog.Logger
	Now       func() time.Time
	// OnPoll, when set, is told each poll's outcome: ok, not_modified,
	// failed, unreachable (a network failure) or stopped (metrics).
	OnPoll func(outcome string)
}

// DefaultWorkers is how many feeds a poller polls at once unless
// Options.Workers says otherwise.
const DefaultWorkers = 32

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
	orDefault(&opts.MinInterval, 2*time.Minute)
	orDefault(&opts.MaxInterval, 2*time.Hour)
	orDefault(&opts.MaxBackoff, 24*time.Hour)
	orDefault(&opts.Workers, DefaultWorkers)
	orDefault(&opts.PageWorkers, 4)
	orDefault(&opts.ChunkItems, 200)
	orDefault(&opts.Lease, 15*time.Minute)
	orDefault(&opts.Tick, 5*time.Second)
	orDefault(&opts.StoreRetry, 30*time.Second)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Poller{store: store, ingest: ing, client: client, opts: opts, log: opts.Logger}
}

// orDefault sets an option left at zero (or below) to its default.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// PassStats counts what one pass (or one round of Run) did.
type PassStats struct {
	Feeds, OK, NotModified, Failed int
	NewItems, Pages, PageErrors    int
	Imported                       int
	// Stopped counts feeds left unfinished because the pass stopped (the
	// store failed or ctx ended); their leases end and they are polled again.
	Stopped int
	// Outage is true when every host failed at the network level: the
	// failures were not counted against the feeds.
	Outage bool
}

func (s *PassStats) add(o PassStats) {
	s.Feeds += o.Feeds
	s.OK += o.OK
	s.NotModified += o.NotModified
	s.Failed += o.Failed
	s.NewItems += o.NewItems
	s.Pages += o.Pages
	s.PageErrors += o.PageErrors
	s.Imported += o.Imported
	s.Stopped += o.Stopped
	s.Outage = s.Outage || o.Outage
}

// PollOnce polls every feed due now and returns when all are done. It
// claims them as workers free up, so that no claimed feed waits in a queue
// past its lease. Feed failures are recorded in the feeds' health, never
// returned; the error is for the store failing (ErrStore: the pass stops at
// once and no feed is blamed) or ctx ending.
func (p *Poller) PollOnce(ctx context.Context) (PassStats, error) {
	now := p.opts.Now()
	s := p.newSession(ctx)
	defer s.cancel()
	var mu sync.Mutex
	var total PassStats
	addRound := func(st PassStats) {
		mu.Lock()
		total.add(st)
		mu.Unlock()
	}
	for s.failure() == nil && s.ctx.Err() == nil {
		free := s.free()
		if free == 0 {
			select {
			case <-s.freed:
			case <-s.ctx.Done():
			}
			continue
		}
		due, err := p.store.ClaimDueFeeds(s.ctx, now, p.opts.Lease, free)
		if err != nil {
			if s.ctx.Err() == nil {
				s.stop(storeErr("claim due feeds", err))
			}
			break
		}
		if len(due) == 0 {
			break
		}
		s.start(due, addRound)
	}
	s.wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if err := s.failure(); err != nil {
		return total, err
	}
	return total, ctx.Err()
}

// Run polls until ctx ends. Every Tick (or as soon as a worker is free) it
// claims as many due feeds as it has free workers, so one slow or long feed
// holds one worker and never the others, nor a feed added meanwhile. When
// the store fails, the feeds in flight stop unblamed, the failure is
// logged, and polling resumes after StoreRetry.
func (p *Poller) Run(ctx context.Context) error {
	for {
		s := p.newSession(ctx)
		err := p.runSession(s)
		s.cancel()
		s.wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.log.Error("polling stopped; retrying", "in", p.opts.StoreRetry, "err", err)
		if !sleepCtx(ctx, p.opts.StoreRetry) {
			return ctx.Err()
		}
	}
}

// runSession dispatches due feeds until the session stops.
func (p *Poller) runSession(s *session) error {
	logRound := func(st PassStats) {
		// Rounds are small (claims follow free workers): only those that
		// brought something or failed are worth a line at Info.
		level := slog.LevelDebug
		if st.Imported > 0 || st.Failed > 0 || st.Stopped > 0 {
			level = slog.LevelInfo
		}
		if st.Feeds > 0 {
			p.log.Log(s.ctx, level, "poll round", "feeds", st.Feeds, "ok", st.OK, "not_modified", st.NotModified, "failed", st.Failed,
				"new_items", st.NewItems, "imported", st.Imported, "stopped", st.Stopped, "outage", st.Outage)
		}
	}
	for {
		if err := s.failure(); err != nil {
			return err
		}
		if free := s.free(); free > 0 {
			now := p.opts.Now()
			// A read first: an idle poller must not take the write lock
			// every tick.
			next, _, err := p.store.FindFeeds(s.ctx, marsad.FeedFilter{DueBy: &now, Limit: 1})
			if err == nil && len(next) > 0 {
				var due []*marsad.Feed
				due, err = p.store.ClaimDueFeeds(s.ctx, now, p.opts.Lease, free)
				if err == nil {
					s.start(due, logRound)
				}
			}
			if err != nil && s.ctx.Err() == nil {
				s.stop(storeErr("look for due feeds", err))
				continue
			}
		}
		t := time.NewTimer(p.opts.Tick)
		select {
		case <-s.ctx.Done():
			t.Stop()
			if err := s.failure(); err != nil {
				return err
			}
			return s.ctx.Err()
		case <-s.freed:
			t.Stop()
		case <-t.C:
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// session is a set of workers polling claimed feeds, stopped as a whole
// when the store fails.
type session struct {
	p      *Poller
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{} // one per busy worker
	freed  chan struct{} // a worker finished
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error // the store failure that stopped the session
	hosts  map[string]hostSeen
}

// hostSeen is when a host last gave a feed document, or any answer, and
// when it last failed at the network level.
type hostSeen struct{ up, down time.Time }

// outageWindow is how far back the hosts' answers are looked at to tell an
// outage: feeds are claimed a few at a time as workers free up, so one
// claim alone rarely spans enough hosts.
const outageWindow = 2 * time.Minute

func (p *Poller) newSession(ctx context.Context) *session {
	ctx, cancel := context.WithCancel(ctx)
	return &session{p: p, ctx: ctx, cancel: cancel, slots: make(chan struct{}, p.opts.Workers), freed: make(chan struct{}, 1),
		hosts: map[string]hostSeen{}}
}

func (s *session) stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
		s.cancel()
	}
}

func (s *session) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *session) free() int { return cap(s.slots) - len(s.slots) }

// start polls feeds as one round, each in a worker of its own as workers
// free up; done gets the round's counts when its last feed is finished.
func (s *session) start(feeds []*marsad.Feed, done func(PassStats)) {
	r := &round{s: s, fetching: len(feeds), running: len(feeds), done: done}
	r.st.Feeds = len(feeds)
	if len(feeds) == 0 {
		done(r.st)
		return
	}
	for i, f := range feeds {
		select {
		case s.slots <- struct{}{}:
		case <-s.ctx.Done():
			for range feeds[i:] {
				r.skipped()
			}
			return
		}
		s.wg.Add(1)
		go func() {
			defer func() {
				<-s.slots
				select {
				case s.freed <- struct{}{}:
				default:
				}
				s.wg.Done()
			}()
			s.p.pollFeed(s.ctx, f, r)
		}()
	}
}

// round is the feeds claimed together. Their failures are recorded once
// every feed of the round has fetched its document, so that an outage (no
// host answering) is told apart; feeds that answered take their items
// meanwhile, and no worker waits for another feed.
type round struct {
	s        *session
	mu       sync.Mutex
	fetching int // feeds whose document is not fetched yet
	running  int // feeds not finished
	failures []failure
	st       PassStats
	done     func(PassStats)
}

// failure is a feed whose document could not be fetched or parsed.
type failure struct {
	feed  *marsad.Feed
	err   error
	retry time.Duration // the server's Retry-After
}

// fetched reports a feed's document: ok, or a failure to record.
func (r *round) fetched(host string, fail *failure, network bool) {
	r.s.saw(host, !network)
	r.mu.Lock()
	if fail != nil {
		r.failures = append(r.failures, *fail)
	}
	r.fetching--
	last := r.fetching == 0
	r.mu.Unlock()
	if last {
		r.recordFailures()
	}
}

// skipped reports a feed not polled, or not to its end, because the
// session stopped.
func (r *round) skipped() {
	r.mu.Lock()
	r.fetching--
	r.st.Stopped++
	last := r.fetching == 0
	r.mu.Unlock()
	if last {
		r.recordFailures()
	}
	r.finish(PassStats{})
}

// saw notes a host's answer (answered: it gave a document or at least an
// HTTP answer) or its failure at the network level.
func (s *session) saw(host string, answered bool) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[host]
	if answered {
		h.up = now
	} else {
		h.down = now
	}
	s.hosts[host] = h
}

// outage tells whether every host heard from within outageWindow failed
// at the network level and none answered: that is our network, not the
// feeds (with three or more hosts that is the likely reading).
func (s *session) outage() bool {
	cutoff := time.Now().Add(-outageWindow)
	s.mu.Lock()
	defer s.mu.Unlock()
	seen, down := 0, 0
	for _, h := range s.hosts {
		switch {
		case h.up.After(cutoff):
			seen++
		case h.down.After(cutoff):
			seen++
			down++
		}
	}
	return seen >= 3 && down == seen
}

// recordFailures writes the round's failures once every document of the
// round is in, an outage not counted against the feeds.
func (r *round) recordFailures() {
	outage := r.s.outage()
	r.mu.Lock()
	r.st.Outage = outage
	fails := r.failures
	r.failures = nil
	r.mu.Unlock()
	for _, f := range fails {
		st := PassStats{Failed: 1}
		if err := r.s.p.recordFailure(r.s.ctx, f, outage); err != nil {
			if r.s.ctx.Err() == nil {
				r.s.stop(err)
			}
			st = PassStats{Stopped: 1}
		}
		r.finish(st)
	}
}

// finish counts one feed of the round as done with st.
func (r *round) finish(st PassStats) {
	r.mu.Lock()
	r.st.add(st)
	r.running--
	last := r.running == 0
	res := r.st
	r.mu.Unlock()
	if last {
		r.done(res)
	}
}

// pollFeed polls one claimed feed: its document, then its new items chunk
// by chunk, then its health. A failure of the feed is handed to the round;
// a failure of the store stops the session and records nothing for the
// feed, whose lease then ends.
func (p *Poller) pollFeed(ctx context.Context, f *marsad.Feed, r *round) {
	var host string
	if u, err := url.Parse(f.URL); err == nil {
		host = u.Host
	}
	start := p.opts.Now()
	resp, parsed, fail, network := p.fetchFeed(ctx, f)
	if fail != nil && ctx.Err() != nil {
		// Stopped, not failed: nothing is recorded against the feed.
		r.skipped()
		return
	}
	r.fetched(host, fail, network)
	if fail != nil {
		if network {
			p.onPoll("unreachable")
		} else {
			p.onPoll("failed")
		}
		return // the round records it and finishes the feed
	}
	var st PassStats
	err := p.takeFeed(ctx, f, start, resp, parsed, &st)
	switch {
	case err == nil:
		st.OK = 1
		if resp.NotModified {
			p.onPoll("not_modified")
		} else {
			p.onPoll("ok")
		}
	case errors.Is(err, ErrStore) && ctx.Err() == nil:
		r.s.stop(err)
		st.Stopped = 1
		p.onPoll("stopped")
	default:
		st.Stopped = 1
		p.onPoll("stopped")
	}
	r.finish(st)
}

func (p *Poller) onPoll(outcome string) {
	if p.opts.OnPoll != nil {
		p.opts.OnPoll(outcome)
	}
}

// fetchFeed fetches and parses a feed's document. fail is nil on success
// (resp.NotModified with no parsed feed included).
func (p *Poller) fetchFeed(ctx context.Context, f *marsad.Feed) (resp *fetch.Response, parsed *Feed, fail *failure, network bool) {
	resp, err := p.client.GetText(ctx, fetch.Request{URL: f.URL, ETag: f.ETag, LastModified: f.LastModified,
		Accept: "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"})
	if err != nil {
		fail = &failure{feed: f, err: err}
		var se *fetch.StatusError
		if errors.As(err, &se) {
			fail.retry = se.RetryAfter
		} else {
			network = isNetworkError(err)
		}
		return nil, nil, fail, network
	}
	if resp.NotModified {
		return resp, nil, nil, false
	}
	parsed, err = Parse(resp.Body, f.URL)
	if err != nil {
		return nil, nil, &failure{feed: f, err: err}, false
	}
	return resp, parsed, nil, false
}

// takeFeed takes the new items of a fetched feed and records its health.
func (p *Poller) takeFeed(ctx context.Context, f *marsad.Feed, start time.Time, resp *fetch.Response, parsed *Feed, st *PassStats) error {
	interval := f.Interval
	if interval <= 0 {
		interval = 30 * time.Minute
	}
	upd := marsad.FeedUpdate{LastPolled: &start, LastSuccess: &start}
	if resp.NotModified {
		st.NotModified = 1
	} else {
		if err := p.takeItems(ctx, f, parsed, st); err != nil {
			return err
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
		return storeErr("record poll of "+f.URL, err)
	}
	return nil
}

// takeItems ingests the items of parsed not taken before, ChunkItems at a
// time: each chunk's summary-only items get their page fetched, then the
// chunk is stored and its items recorded as taken, so a long feed is stored
// as it goes. Items are recorded only after the pipeline stored them, so a
// killed poll takes them again (the pipeline skips URLs it already holds).
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
	renewed := p.opts.Now() // about when the feed was claimed
	for start := 0; start < len(keys); start += p.opts.ChunkItems {
		chunk := keys[start:min(start+p.opts.ChunkItems, len(keys))]
		if err := p.takeChunk(ctx, f, chunk, byKey, st); err != nil {
			return err
		}
		// Keep the lease while the feed takes longer than one; a third of
		// it gone is the time to renew.
		if now := p.opts.Now(); start+len(chunk) < len(keys) && now.Sub(renewed) > p.opts.Lease/3 {
			until := now.Add(p.opts.Lease)
			if _, err := p.store.UpdateFeed(ctx, f.ID, marsad.FeedUpdate{NextPoll: &until}); err != nil {
				return storeErr("renew the lease of "+f.URL, err)
			}
			renewed = now
		}
	}
	return nil
}

// takeChunk stores the items of keys not taken before.
func (p *Poller) takeChunk(ctx context.Context, f *marsad.Feed, keys []string, byKey map[string]*Item, st *PassStats) error {
	seen, err := p.store.SeenFeedItems(ctx, f.ID, keys)
	if err != nil {
		return storeErr("items of "+f.URL, err)
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
		// The pipeline's errors are the store's or a stage's, never the
		// feed's: its bad items are counted in res, not returned.
		return storeErr("ingest items of "+f.URL, err)
	}
	st.Imported += res.Imported
	if _, err := p.store.AddFeedItems(ctx, f.ID, fresh); err != nil {
		return storeErr("record items of "+f.URL, err)
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
func (p *Poller) recordFailure(ctx context.Context, f failure, outage bool) error {
	now := p.opts.Now()
	msg := f.err.Error()
	upd := marsad.FeedUpdate{LastPolled: &now, LastError: &msg, LastErrorAt: &now}
	var next time.Time
	if outage {
		next = now.Add(p.opts.MinInterval)
	} else {
		n := f.feed.ErrorCount + 1
		upd.ErrorCount = &n
		next = now.Add(p.Backoff(n, f.retry))
	}
	upd.NextPoll = &next
	if _, err := p.store.UpdateFeed(ctx, f.feed.ID, upd); err != nil {
		return storeErr("record the failure of "+f.feed.URL, err)
	}
	p.log.Warn("feed failed", "url", f.feed.URL, "errors", f.feed.ErrorCount+1, "next", next, "outage", outage, "err", f.err)
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
