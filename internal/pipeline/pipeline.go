// Package pipeline is the one way in: every article, whatever brought it
// (JSONL import, feed item, fetched page, API POST), is validated, extracted,
// analyzed, saved and indexed here, then handed to the stages (dedup, story
// clustering, tagging) in published order.
//
//	raw ─▶ validate ─▶ canonical URL ─▶ extract (HTML only) ─▶ analyze ─▶ save+index ─▶ stages
package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/extract"
)

// Analyzer is what the pipeline needs of the Arabic analyzer.
type Analyzer interface {
	Tokenize(s string) []analyzer.Token
}

// Store is what the pipeline needs of the store: saving articles, the
// ledger of the work its stages owe, and reading owed articles back.
type Store interface {
	SaveArticles(ctx context.Context, batch []*marsad.ArticleInput) ([]marsad.SaveResult, error)
	RegisterStages(ctx context.Context, stages []string) error
	OwedArticles(ctx context.Context, stage string, after int64, limit int) ([]int64, error)
	FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error)
}

// DefaultMaxBodyBytes bounds the text of one article: bigger bodies are
// rejected as invalid rather than stored (the longest real news article in
// the development data is about 40 KB).
const DefaultMaxBodyBytes = 2 << 20

// Pipeline turns raw articles into stored, indexed, deduplicated and
// clustered ones. Create it with New. It is safe for concurrent use:
// preparing runs in the callers' goroutines, and one commit (save, then
// every stage) runs at a time, so a stage's model is never changed by two
// goroutines at once.
//
// The pipeline owns the stages' progress: the store records, with every
// saved article, that each stage owes it; a stage completes that work in
// the transaction of its result. A failed stage step is retried with
// backoff; when it still fails, the commit reports the error and the next
// commit first catches up on everything owed, so later batches wait and
// nothing is skipped. Catch-up also runs on the first commit (what a killed
// run left) and every CatchUpEvery (what another process that died left).
type Pipeline struct {
	store        Store
	analyzer     Analyzer
	stages       []Stage
	log          *slog.Logger
	maxBodyBytes int
	workers      int
	now          func() time.Time
	retries      int
	backoff      time.Duration
	catchUpEvery time.Duration

	mu         sync.Mutex // one commit at a time; guards the fields below
	registered bool
	owing      bool      // work may be owed: catch up before the next batch
	caughtUp   time.Time // last catch-up
	lease      *leaseRun // set by WithLeases: stages run in RunStages only
}

// DefaultRetries and DefaultBackoff: a failed stage step (a store busy for
// longer than its own timeout, a transient I/O error) is tried again up to
// DefaultRetries times, waiting DefaultBackoff, then twice as long each
// time (about 6 s in all) before the commit gives up and reports it.
const (
	DefaultRetries = 5
	DefaultBackoff = 200 * time.Millisecond
	// DefaultCatchUpEvery is how often a long-running pipeline looks for
	// work owed by a process that died (its own failures are caught up at
	// once, on the next commit).
	DefaultCatchUpEvery = time.Minute
)

// Option configures a Pipeline.
type Option func(*Pipeline)

// WithStages appends stages that run after each saved batch, in order.
func WithStages(s ...Stage) Option { return func(p *Pipeline) { p.stages = append(p.stages, s...) } }

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Pipeline) { p.log = l } }

// WithMaxBodyBytes sets the largest accepted body (default DefaultMaxBodyBytes).
func WithMaxBodyBytes(n int) Option { return func(p *Pipeline) { p.maxBodyBytes = n } }

// WithWorkers sets how many goroutines prepare articles (default GOMAXPROCS).
func WithWorkers(n int) Option { return func(p *Pipeline) { p.workers = max(1, n) } }

// WithClock sets the clock used for fetched times (tests).
func WithClock(now func() time.Time) Option { return func(p *Pipeline) { p.now = now } }

// WithRetry sets how often a failed stage step is tried again and the
// first wait (doubled each time).
func WithRetry(retries int, backoff time.Duration) Option {
	return func(p *Pipeline) { p.retries, p.backoff = max(0, retries), backoff }
}

// WithCatchUpEvery sets how often owed work is looked for (default
// DefaultCatchUpEvery; 0 checks before every batch).
func WithCatchUpEvery(d time.Duration) Option { return func(p *Pipeline) { p.catchUpEvery = d } }

// New returns a pipeline saving into store and analyzing with an.
func New(store Store, an Analyzer, opts ...Option) *Pipeline {
	p := &Pipeline{
		store:        store,
		analyzer:     an,
		log:          slog.Default(),
		maxBodyBytes: DefaultMaxBodyBytes,
		workers:      runtime.GOMAXPROCS(0),
		now:          time.Now,
		retries:      DefaultRetries,
		backoff:      DefaultBackoff,
		catchUpEvery: DefaultCatchUpEvery,
		owing:        true,
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Problem is one raw article the pipeline refused, with where it came from
// and why.
type Problem struct {
	Where  string
	URL    string
	Reason string
}

func (p Problem) String() string {
	if p.Where != "" {
		return p.Where + ": " + p.Reason
	}
	return p.URL + ": " + p.Reason
}

// Result counts what happened to a run's articles.
type Result struct {
	Read      int // raw articles received
	Imported  int // newly stored
	Unchanged int // already stored under the same canonical URL
	Invalid   int // refused; see Problems
	Problems  []Problem
	Inserted  []*Item // the newly stored items, in published order
	// Time spent saving and in each stage, for benchmarks: "save", "dedup", …
	Timings map[string]time.Duration
}

// Add accumulates o into r (without Inserted items).
func (r *Result) Add(o Result) {
	r.Read += o.Read
	r.Imported += o.Imported
	r.Unchanged += o.Unchanged
	r.Invalid += o.Invalid
	r.Problems = append(r.Problems, o.Problems...)
	for k, d := range o.Timings {
		if r.Timings == nil {
			r.Timings = map[string]time.Duration{}
		}
		r.Timings[k] += d
	}
}

// Ingest runs raws through the whole pipeline as one batch: prepared in
// parallel, saved in one transaction, then handed to the stages. Invalid
// articles are counted and reported in Result.Problems; they never stop the
// rest. The error is for failures of the store or a stage.
func (p *Pipeline) Ingest(ctx context.Context, raws []*marsad.RawArticle) (Result, error) {
	items, res := p.Prepare(ctx, raws)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	saved, err := p.Commit(ctx, items)
	saved.Add(res)
	return saved, err
}

// Prepare validates, extracts and analyzes raws in parallel. It returns the
// valid items in input order and a Result counting Read and Invalid.
func (p *Pipeline) Prepare(ctx context.Context, raws []*marsad.RawArticle) ([]*Item, Result) {
	items := make([]*Item, len(raws))
	problems := make([]string, len(raws))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(p.workers, len(raws)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				items[i], problems[i] = p.prepare(raws[i])
			}
		}()
	}
feed:
	for i := range raws {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	res := Result{Read: len(raws)}
	out := items[:0:0]
	for i, it := range items {
		if problems[i] != "" {
			res.Invalid++
			res.Problems = append(res.Problems, Problem{Where: raws[i].Where, URL: raws[i].URL, Reason: problems[i]})
			continue
		}
		if it != nil {
			out = append(out, it)
		}
	}
	return out, res
}

// Commit saves prepared items in one transaction and runs the stages on the
// newly inserted ones, in published order, after any work the stages still
// owe.
func (p *Pipeline) Commit(ctx context.Context, items []*Item) (Result, error) {
	var res Result
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.catchUpIfDue(ctx); err != nil {
		return res, err
	}
	if len(items) == 0 {
		return res, nil
	}
	batch := make([]*marsad.ArticleInput, len(items))
	for i, it := range items {
		batch[i] = &marsad.ArticleInput{
			Article:    it.Article,
			Source:     &marsad.Source{Key: it.Article.Source, Name: it.Article.SourceName, Domain: marsad.DomainOf(it.Article.URL)},
			TitleTerms: strings.Join(it.TitleTerms, " "),
			BodyTerms:  strings.Join(it.BodyTerms, " "),
		}
	}
	res.Timings = map[string]time.Duration{}
	start := time.Now()
	var saved []marsad.SaveResult
	err := p.retry(ctx, "save", func() (err error) {
		saved, err = p.store.SaveArticles(ctx, batch)
		return err
	})
	res.Timings["save"] += time.Since(start)
	if err != nil {
		return res, fmt.Errorf("pipeline: %w", err)
	}
	for i, s := range saved {
		items[i].Article.ID = s.ID
		if s.Inserted {
			items[i].Inserted = true
			res.Imported++
			res.Inserted = append(res.Inserted, items[i])
		} else {
			res.Unchanged++
		}
	}
	sortByPublished(res.Inserted)
	if p.lease != nil {
		return res, nil // owed to the stages, done by their leases' holders
	}
	for _, st := range p.stages {
		start := time.Now()
		if err := p.retry(ctx, st.Name(), func() error { return st.Process(ctx, res.Inserted) }); err != nil {
			// The batch is saved and owed to this stage and the ones after
			// it: the next commit catches up on it before its own batch.
			p.owing = true
			return res, fmt.Errorf("pipeline stage %s: %w", st.Name(), err)
		}
		res.Timings[st.Name()] += time.Since(start)
	}
	return res, nil
}

// CatchUp hands every stage the stored articles it still owes, in id
// batches and in published order within each, stage by stage. Ingest and
// Commit call it when work may be owed; a command that only repairs (a
// reindex) calls it directly.
func (p *Pipeline) CatchUp(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.owing = true
	return p.catchUpIfDue(ctx)
}

func (p *Pipeline) catchUpIfDue(ctx context.Context) error {
	if err := p.register(ctx); err != nil {
		return err
	}
	if p.lease != nil {
		return nil // the stages' leases' holders catch up, in RunStages
	}
	if !p.owing && time.Since(p.caughtUp) < p.catchUpEvery {
		return nil
	}
	for _, st := range p.stages {
		if err := p.catchUpStage(ctx, st); err != nil {
			return fmt.Errorf("pipeline stage %s catch-up: %w", st.Name(), err)
		}
	}
	p.owing, p.caughtUp = false, time.Now()
	return nil
}

// register declares the stages to the store once.
func (p *Pipeline) register(ctx context.Context) error {
	if p.registered {
		return nil
	}
	names := make([]string, len(p.stages))
	for i, st := range p.stages {
		names[i] = st.Name()
	}
	if err := p.retry(ctx, "register", func() error { return p.store.RegisterStages(ctx, names) }); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	p.registered = true
	return nil
}

// catchUpBatch is how many owed articles catch-up reads at a time.
const catchUpBatch = 500

// catchUpStage is the one catch-up loop of every stage: the owed articles
// are read back from the store, analyzed again (the stored text is the
// truth; terms are not stored), prepared, and processed like a new batch.
func (p *Pipeline) catchUpStage(ctx context.Context, st Stage) error {
	var after int64
	for {
		var ids []int64
		err := p.retry(ctx, "owed", func() (err error) {
			ids, err = p.store.OwedArticles(ctx, st.Name(), after, catchUpBatch)
			return err
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		after = ids[len(ids)-1]
		n, err := p.processStored(ctx, st, ids)
		if err != nil {
			return err
		}
		p.log.Info("caught up", "stage", st.Name(), "articles", n, "through_id", after)
	}
}

// processStored hands st the stored articles ids, read back, analyzed again
// and in published order, as catch-up and the leased stages do; it returns
// how many it handed.
func (p *Pipeline) processStored(ctx context.Context, st Stage, ids []int64) (int, error) {
	list, _, err := p.store.FindArticles(ctx, marsad.ArticleFilter{IDs: ids, Limit: len(ids)})
	if err != nil {
		return 0, err
	}
	items := p.restore(ctx, list, st)
	sortByPublished(items)
	if err := p.retry(ctx, st.Name(), func() error { return st.Process(ctx, items) }); err != nil {
		return 0, err
	}
	return len(items), nil
}

// restore turns stored articles back into items for st, analyzing them on
// the pipeline's workers.
func (p *Pipeline) restore(ctx context.Context, list []*marsad.Article, st Stage) []*Item {
	items := make([]*Item, len(list))
	pr, _ := st.(Preparer)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(p.workers, len(list)); w++ {
		wg.Go(func() {
			for i := range next {
				it := &Item{Article: list[i], Inserted: true, Prepared: map[string]any{}}
				p.analyze(it)
				if pr != nil {
					pr.PrepareItem(it)
				}
				it.TitleTokens, it.BodyTokens = nil, nil
				items[i] = it
			}
		})
	}
	for i := range list {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return slices.DeleteFunc(items, func(it *Item) bool { return it == nil })
}

// retry runs fn until it succeeds, ctx ends or p.retries more attempts
// failed, waiting p.backoff, then twice as long each time.
func (p *Pipeline) retry(ctx context.Context, what string, fn func() error) error {
	wait := p.backoff
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || attempt >= p.retries || ctx.Err() != nil || marsad.ErrorCode(err) == marsad.EINVALID {
			return err
		}
		p.log.Warn("retrying", "step", what, "attempt", attempt+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// sortByPublished orders items by published time, then URL, then id: the
// order ReadyWork hands work over in. Articles published at the same
// second are ordered by what they are (the URL), not by the id their save
// happened to get, so that processes saving the same articles in another
// order hand them to the stages alike.
func sortByPublished(items []*Item) {
	slices.SortStableFunc(items, func(a, b *Item) int {
		if c := a.Article.Published.Compare(b.Article.Published); c != 0 {
			return c
		}
		if c := strings.Compare(a.Article.URL, b.Article.URL); c != 0 {
			return c
		}
		return cmp.Compare(a.Article.ID, b.Article.ID)
	})
}

// prepare turns one raw article into an Item, or says why it cannot.
func (p *Pipeline) prepare(raw *marsad.RawArticle) (*Item, string) {
	if msg := checkFields(raw, p.maxBodyBytes); msg != "" {
		return nil, msg
	}
	for _, f := range [...]struct{ name, s string }{{"url", raw.URL}, {"title", raw.Title},
		{"body", raw.Body}, {"html", raw.HTML}, {"summary", raw.Summary}, {"author", raw.Author},
		{"source", raw.Source}, {"source_name", raw.SourceName}, {"category", raw.Category},
		{"id", raw.ID}, {"lang", raw.Lang}} {
		if !utf8.ValidString(f.s) {
			return nil, "invalid UTF-8 in " + f.name
		}
	}
	if strings.TrimSpace(raw.URL) == "" {
		return nil, "no url"
	}
	canon, err := dedup.CanonicalURL(raw.URL)
	if err != nil {
		return nil, "bad url: " + err.Error()
	}
	a := &marsad.Article{
		URL:        canon,
		ExternalID: raw.ID,
		Title:      strings.TrimSpace(raw.Title),
		Summary:    strings.TrimSpace(raw.Summary),
		Body:       cleanBody(raw.Body),
		Author:     strings.TrimSpace(raw.Author),
		Category:   raw.Category,
		Lang:       raw.Lang,
		Tags:       cleanTags(raw.Tags),
		Published:  raw.Published.UTC(),
		Fetched:    p.now().UTC(),
		Source:     strings.TrimSpace(raw.Source),
		SourceName: strings.TrimSpace(raw.SourceName),
	}
	if a.Body == "" && raw.HTML != "" {
		ex, err := extract.Extract([]byte(raw.HTML), canon)
		if err != nil {
			return nil, "html: " + err.Error()
		}
		a.Body, a.HTML = ex.Text, ex.HTML
		if a.Title == "" {
			a.Title = ex.Title
		}
		if a.Author == "" {
			a.Author = ex.Author
		}
		if a.Published.IsZero() {
			a.Published = ex.Published.UTC()
		}
		if a.Lang == "" {
			a.Lang = ex.Lang
		}
		if a.Category == "" {
			// Feeds rarely say which section an item is from; the page
			// does, and the story clusterer weighs words by section.
			a.Category = strings.TrimSpace(ex.Section)
		}
		a.Tags = cleanTags(append(a.Tags, ex.Tags...))
		capExtracted(a)
	}
	if a.Body == "" && a.Summary != "" {
		a.Body = a.Summary
	}
	if a.Title == "" && a.Body == "" {
		return nil, "no text (no title, body, html or summary)"
	}
	if a.Source == "" {
		a.Source = marsad.DomainOf(canon)
	}
	if a.SourceName == "" {
		a.SourceName = a.Source
	}
	if a.Lang == "" {
		a.Lang = "ar"
	}
	if a.Published.IsZero() {
		a.Published = a.Fetched
	}
	settleFuture(a)
	it := &Item{Raw: raw, Article: a}
	p.analyze(it)
	a.ContentHash = dedup.ContentHash(it.BodyTerms)
	for _, st := range p.stages {
		if pr, ok := st.(Preparer); ok {
			if it.Prepared == nil {
				it.Prepared = make(map[string]any, len(p.stages))
			}
			pr.PrepareItem(it)
		}
	}
	it.TitleTokens, it.BodyTokens = nil, nil
	return it, ""
}

// analyze sets the item's tokens and terms.
func (p *Pipeline) analyze(it *Item) {
	it.TitleTokens = p.analyzer.Tokenize(it.Article.Title)
	it.BodyTokens = p.analyzer.Tokenize(it.Article.Body)
	it.TitleTerms = termsOf(it.TitleTokens)
	it.BodyTerms = termsOf(it.BodyTokens)
}

// termsOf returns the index terms of toks (stopwords left out).
func termsOf(toks []analyzer.Token) []string {
	n := 0
	for _, t := range toks {
		if t.Term != "" {
			n++
		}
	}
	out := make([]string, 0, n)
	for _, t := range toks {
		if t.Term != "" {
			out = append(out, t.Term)
		}
	}
	return out
}

// cleanBody trims every paragraph and drops empty ones, keeping "\n"
// between paragraphs. The text itself is not altered.
func cleanBody(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Join(marsad.SplitParagraphs(s), "\n")
}

// cleanTags trims tags and drops empty and repeated ones, keeping order.
func cleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
