// Package pipeline is the one way in: every article, whatever brought it
// (JSONL import, feed item, fetched page, API POST), is validated, extracted,
// analyzed, saved and indexed here, then handed to the stages (dedup, story
// clustering, tagging) in published order.
//
//	raw ─▶ validate ─▶ canonical URL ─▶ extract (HTML only) ─▶ analyze ─▶ save+index ─▶ stages
package pipeline

import (
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
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/extract"
)

// Analyzer is what the pipeline needs of the Arabic analyzer.
type Analyzer interface {
	AppendTerms(dst []string, s string) []string
}

// Saver is what the pipeline needs of the store.
type Saver interface {
	SaveArticles(ctx context.Context, batch []*marsad.ArticleInput) ([]marsad.SaveResult, error)
}

// DefaultMaxBodyBytes bounds the text of one article: bigger bodies are
// rejected as invalid rather than stored (the longest real news article in
// the development data is about 40 KB).
const DefaultMaxBodyBytes = 2 << 20

// Pipeline turns raw articles into stored, indexed, deduplicated and
// clustered ones. Create it with New; it is safe for concurrent use, but
// saves are serialized by the store.
type Pipeline struct {
	store        Saver
	analyzer     Analyzer
	stages       []Stage
	log          *slog.Logger
	maxBodyBytes int
	workers      int
	now          func() time.Time

	catchUp sync.Once
	caught  error
}

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

// New returns a pipeline saving into store and analyzing with an.
func New(store Saver, an Analyzer, opts ...Option) *Pipeline {
	p := &Pipeline{
		store:        store,
		analyzer:     an,
		log:          slog.Default(),
		maxBodyBytes: DefaultMaxBodyBytes,
		workers:      runtime.GOMAXPROCS(0),
		now:          time.Now,
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
			var scratch []string
			for i := range next {
				items[i], problems[i], scratch = p.prepare(raws[i], scratch)
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
// newly inserted ones, in published order.
func (p *Pipeline) Commit(ctx context.Context, items []*Item) (Result, error) {
	var res Result
	if err := p.runCatchUp(ctx); err != nil {
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
	saved, err := p.store.SaveArticles(ctx, batch)
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
	slices.SortStableFunc(res.Inserted, func(a, b *Item) int {
		return a.Article.Published.Compare(b.Article.Published)
	})
	for _, st := range p.stages {
		start := time.Now()
		if err := st.Process(ctx, res.Inserted); err != nil {
			return res, fmt.Errorf("pipeline stage %s: %w", st.Name(), err)
		}
		res.Timings[st.Name()] += time.Since(start)
	}
	return res, nil
}

// runCatchUp lets every stage process what an earlier, interrupted run
// saved but did not hand over; once per pipeline.
func (p *Pipeline) runCatchUp(ctx context.Context) error {
	p.catchUp.Do(func() {
		for _, st := range p.stages {
			if err := st.CatchUp(ctx); err != nil {
				p.caught = fmt.Errorf("pipeline stage %s catch-up: %w", st.Name(), err)
				return
			}
		}
	})
	return p.caught
}

// prepare turns one raw article into an Item, or says why it cannot.
func (p *Pipeline) prepare(raw *marsad.RawArticle, scratch []string) (*Item, string, []string) {
	if msg := checkFields(raw, p.maxBodyBytes); msg != "" {
		return nil, msg, scratch
	}
	for _, f := range [...]struct{ name, s string }{{"url", raw.URL}, {"title", raw.Title},
		{"body", raw.Body}, {"html", raw.HTML}, {"summary", raw.Summary}, {"author", raw.Author},
		{"source", raw.Source}, {"source_name", raw.SourceName}, {"category", raw.Category},
		{"id", raw.ID}, {"lang", raw.Lang}} {
		if !utf8.ValidString(f.s) {
			return nil, "invalid UTF-8 in " + f.name, scratch
		}
	}
	if strings.TrimSpace(raw.URL) == "" {
		return nil, "no url", scratch
	}
	canon, err := dedup.CanonicalURL(raw.URL)
	if err != nil {
		return nil, "bad url: " + err.Error(), scratch
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
			return nil, "html: " + err.Error(), scratch
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
		return nil, "no text (no title, body, html or summary)", scratch
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
	it.TitleTerms = p.analyzer.AppendTerms(nil, a.Title)
	scratch = p.analyzer.AppendTerms(scratch[:0], a.Body)
	it.BodyTerms = slices.Clone(scratch)
	a.ContentHash = dedup.ContentHash(it.BodyTerms)
	for _, st := range p.stages {
		if pr, ok := st.(Preparer); ok {
			if it.Prepared == nil {
				it.Prepared = make(map[string]any, len(p.stages))
			}
			pr.PrepareItem(it)
		}
	}
	return it, "", scratch
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
