package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/related"
	"github.com/marsad/marsad/internal/related/relatedstage"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/internal/tags"
	"github.com/marsad/marsad/internal/tags/tagstage"
)

// Restorer restores the lines of `marsad export` into a store
// (importer.Restorer): each article under its exported id, with the copy
// link, story and tags its store had decided, so an archive moves between
// stores as it was. What is kept and what is computed again:
//
//   - kept: the article's fields and id, its fetched and claimed times, its
//     copy link, its story (with the story's title and the clusterer's
//     state), its tags with their scores and publisher flags;
//   - computed from the text by this analyzer: the search index, content
//     hashes, the near-duplicate index (so new articles find their copies
//     among restored ones), and the statistics the story and tag stages
//     count (the story stage recounts the restored articles when it next
//     loads; the tag corpus is counted here).
//
// A stage is not run on a restored article: its work is completed with the
// exported decision, in the same transaction as the decision, as the stage
// itself would. An article whose line says a stage still owed it stays
// owed to that stage here, and so do its tags when the export was made
// with another analyzer version (tag keys are analyzer terms). The pipeline
// runs the owed work later (the next import, poll or reindex).
type Restorer struct {
	app  *App
	prep *pipeline.Pipeline // validates and analyzes, with the dedup and tag preparers; never commits

	// related computes the related lists' vectors of the restored
	// articles: an export carries no vectors (they are the article's
	// analyzed terms, counted), so they are made again as the import makes
	// them.
	related *relatedstage.Stage

	registered bool
	corpus     *tags.Corpus
	sinceCk    int // articles counted into corpus since it was last saved
	// pending holds copies read before their original, by original id,
	// until the original's line is restored.
	pending map[int64][]pendingCopy
}

// pendingCopy is a copy waiting for its original.
type pendingCopy struct {
	entry marsad.DedupEntry
	keys  []int64
	hash  uint64
	where string
}

// corpusEvery is how many restored articles the tag corpus may run ahead
// of its stored copy, as the tag stage checkpoints it.
const corpusEvery = 2000

// NewRestorer returns a Restorer over the app's store.
func (a *App) NewRestorer() *Restorer {
	prep := pipeline.New(a.Store, a.Analyzer, pipeline.WithLogger(a.Log), pipeline.WithStages(
		dedupstage.New(a.Store, dedup.DefaultConfig()),
		tagstage.New(a.Store, tags.New(a.Analyzer, tags.DefaultParams()))))
	rel := relatedstage.New(a.Store, related.New(a.Store, a.Analyzer.Terms, relatedstage.Params()))
	return &Restorer{app: a, prep: prep, related: rel, pending: map[int64][]pendingCopy{}}
}

// restoring is one valid line on its way into the store.
type restoring struct {
	it *pipeline.Item
	ar *importer.Archived
}

func (r *restoring) owedThere(stage string) bool { return slices.Contains(r.ar.Owed, stage) }

// Restore implements importer.Restorer.
func (r *Restorer) Restore(ctx context.Context, batch []*importer.Entry) (pipeline.Result, error) {
	store := r.app.Store
	if !r.registered {
		// The restored articles are owed to every stage from the moment
		// they are saved, so a restore cut short leaves them to the
		// pipeline, never undone and forgotten.
		if err := store.RegisterStages(ctx, append(archivedStages(), relatedstage.StageName)); err != nil {
			return pipeline.Result{}, err
		}
		r.registered = true
	}
	raws := make([]*marsad.RawArticle, len(batch))
	byRaw := make(map[*marsad.RawArticle]*importer.Archived, len(batch))
	for i, e := range batch {
		raws[i], byRaw[e.Raw] = e.Raw, e.Archived
	}
	items, res := r.prep.Prepare(ctx, raws)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	refuse := func(it *pipeline.Item, format string, args ...any) {
		res.Invalid++
		res.Problems = append(res.Problems, pipeline.Problem{Where: it.Raw.Where, URL: it.Article.URL, Reason: fmt.Sprintf(format, args...)})
	}
	var list []*restoring
	for _, it := range items {
		ar := byRaw[it.Raw]
		if bad := unknownStage(ar.Owed); bad != "" {
			refuse(it, "marsad.owed: unknown stage %q", bad)
			continue
		}
		a := it.Article
		a.ID, a.Fetched, a.PublishedClaimed = ar.ID, ar.Fetched.UTC(), time.Time{}
		if !ar.PublishedClaimed.IsZero() {
			a.PublishedClaimed = ar.PublishedClaimed.UTC()
		}
		if !it.Raw.Published.IsZero() {
			a.Published = it.Raw.Published.UTC()
		}
		// The stored HTML as it was exported (the pipeline extracts a page
		// only for an article without text, and an exported one has text).
		a.HTML = it.Raw.HTML
		list = append(list, &restoring{it: it, ar: ar})
	}
	list, err := r.dropTakenIDs(ctx, list, refuse)
	if err != nil {
		return res, err
	}
	if len(list) == 0 {
		return res, nil
	}
	in := make([]*marsad.ArticleInput, len(list))
	for i, x := range list {
		a := x.it.Article
		in[i] = &marsad.ArticleInput{Article: a, KeepID: true,
			Source:     &marsad.Source{Key: a.Source, Name: a.SourceName, Domain: marsad.DomainOf(a.URL)},
			TitleTerms: strings.Join(x.it.TitleTerms, " "), BodyTerms: strings.Join(x.it.BodyTerms, " ")}
	}
	res.Timings = map[string]time.Duration{}
	start := time.Now()
	saved, err := store.SaveArticles(ctx, in)
	res.Timings["save"] += time.Since(start)
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	kept := list[:0]
	for i, s := range saved {
		switch {
		case s.ID != list[i].ar.ID:
			refuse(list[i].it, "the URL is stored as article %d here, not %d: its copy link, story and tags are not restored", s.ID, list[i].ar.ID)
			continue
		case s.Inserted:
			res.Imported++
		default:
			res.Unchanged++
		}
		kept = append(kept, list[i])
	}
	if err := r.restoreDecisions(ctx, kept, res.Timings); err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	return res, nil
}

// unknownStage returns the first of names that is no stage an export
// carries, "" when all are.
func unknownStage(names []string) string {
	for _, n := range names {
		if !slices.Contains(archivedStages(), n) {
			return n
		}
	}
	return ""
}

// dropTakenIDs refuses the lines whose id holds another URL in the store:
// the export belongs in a new store (or the one an interrupted restore
// began), not one with articles of its own under the same ids.
func (r *Restorer) dropTakenIDs(ctx context.Context, list []*restoring, refuse func(*pipeline.Item, string, ...any)) ([]*restoring, error) {
	ids := make([]int64, len(list))
	for i, x := range list {
		ids[i] = x.ar.ID
	}
	stored, err := r.articles(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	seen := map[int64]bool{}
	for _, x := range list {
		switch s := stored[x.ar.ID]; {
		case s != nil && s.URL != x.it.Article.URL:
			refuse(x.it, "article id %d holds %s in this store: restore an export into a new store", x.ar.ID, s.URL)
		case seen[x.ar.ID]:
			refuse(x.it, "article id %d is on an earlier line of this batch", x.ar.ID)
		default:
			seen[x.ar.ID] = true
			out = append(out, x)
		}
	}
	return out, nil
}

// articles returns the stored articles among ids (without their text).
func (r *Restorer) articles(ctx context.Context, ids []int64) (map[int64]*marsad.Article, error) {
	out := map[int64]*marsad.Article{}
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(len(ids), start+1000)]
		list, _, err := r.app.Store.FindArticles(ctx, marsad.ArticleFilter{IDs: chunk, Limit: len(chunk), NoText: true})
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out[a.ID] = a
		}
	}
	return out, nil
}

// restoreDecisions completes, for the saved lines, the work each stage
// still owes here with the exported decision.
// It adds the time spent on each stage's decisions to timings.
func (r *Restorer) restoreDecisions(ctx context.Context, list []*restoring, timings map[string]time.Duration) error {
	ids := make([]int64, len(list))
	for i, x := range list {
		ids[i] = x.ar.ID
	}
	owed := map[string]map[int64]bool{}
	err := r.app.Store.StoryRead(ctx, func(tx marsad.StoryTx) error {
		for _, st := range archivedStages() {
			o, err := tx.Owed(ctx, st, ids)
			if err != nil {
				return err
			}
			owed[st] = o
		}
		return nil
	})
	if err != nil {
		return err
	}
	pick := func(stage string) []*restoring {
		var out []*restoring
		for _, x := range list {
			if owed[stage][x.ar.ID] && !x.owedThere(stage) {
				out = append(out, x)
			}
		}
		return out
	}
	for _, step := range []struct {
		stage string
		run   func([]*restoring) error
	}{
		{dedupstage.StageName, func(l []*restoring) error { return r.restoreLinks(ctx, l, list) }},
		{story.StageName, func(l []*restoring) error { return r.restoreStories(ctx, l) }},
		{tagstage.StageName, func(l []*restoring) error { return r.restoreTags(ctx, l, false) }},
	} {
		start := time.Now()
		if err := step.run(pick(step.stage)); err != nil {
			return err
		}
		timings[step.stage] += time.Since(start)
	}
	// The related vectors are no decision an export carries: they are
	// computed from the restored terms (the stage saves only those still
	// owed here).
	start := time.Now()
	items := make([]*pipeline.Item, len(list))
	for i, x := range list {
		items[i] = x.it
	}
	if err := r.related.Process(ctx, items); err != nil {
		return err
	}
	timings[relatedstage.StageName] += time.Since(start)
	return nil
}

// restoreLinks indexes the articles for near-duplicate detection and links
// each copy to its exported original. A copy read before its original (a
// wire copy that arrived later took its group over) waits for it.
// saved are all the lines of the batch, originals of waiting copies among
// them.
func (r *Restorer) restoreLinks(ctx context.Context, list, saved []*restoring) error {
	var originals []int64
	for _, x := range list {
		if x.ar.CopyOf != 0 {
			originals = append(originals, x.ar.CopyOf)
		}
	}
	stored, err := r.articles(ctx, originals)
	if err != nil {
		return err
	}
	var entries []marsad.DedupEntry
	var keys [][]int64
	var done []int64
	add := func(e marsad.DedupEntry, k []int64) {
		entries, keys, done = append(entries, e), append(keys, k), append(done, e.ID)
	}
	for _, x := range list {
		a := x.it.Article
		sk, _ := x.it.Prepared[dedupstage.StageName].(*dedup.Sketch)
		if sk == nil {
			sk = &dedup.Sketch{}
		}
		e := marsad.DedupEntry{ID: a.ID, Source: a.Source, Published: a.Published, Sketch: dedup.EncodeShingles(sk.Shingles)}
		switch orig := stored[x.ar.CopyOf]; {
		case x.ar.CopyOf == 0:
			if sk.Keys == nil {
				// Too short to compare: the detector indexes nothing.
				done = append(done, a.ID)
				continue
			}
			add(e, sk.Keys)
		case orig == nil:
			r.pending[x.ar.CopyOf] = append(r.pending[x.ar.CopyOf], pendingCopy{entry: e, keys: sk.Keys, hash: a.ContentHash, where: x.it.Raw.Where})
		default:
			e.CanonicalID = orig.ID
			add(e, twinKeys(sk.Keys, a.ContentHash, orig.ContentHash))
		}
	}
	// Copies that waited for an original of this batch.
	for _, x := range saved {
		for _, p := range r.pending[x.ar.ID] {
			p.entry.CanonicalID = x.ar.ID
			add(p.entry, twinKeys(p.keys, p.hash, x.it.Article.ContentHash))
		}
		delete(r.pending, x.ar.ID)
	}
	if len(done) == 0 {
		return nil
	}
	return r.app.Store.DedupBatch(ctx, dedupstage.StageName, done, func(idx marsad.DedupIndex) error {
		if len(entries) == 0 {
			return nil
		}
		return idx.Put(ctx, entries, keys)
	})
}

// twinKeys returns the band keys a copy adds to the index: none for an
// exact twin of its original (the same analyzed body), whose keys the
// original holds, as the detector does.
func twinKeys(keys []int64, hash, origHash uint64) []int64 {
	if hash == origHash {
		return nil
	}
	return keys
}

// restoreStories assigns the articles to their exported stories and
// writes the stories first met on these lines. The articles are stamped as
// counted: the story stage, when it next loads, counts them into its
// document frequencies from their stored text.
func (r *Restorer) restoreStories(ctx context.Context, list []*restoring) error {
	if len(list) == 0 {
		return nil
	}
	ch := &marsad.StoryChanges{Stage: story.StageName, Assigned: map[int64]int64{}}
	for _, x := range list {
		ch.Done = append(ch.Done, x.ar.ID)
		if x.ar.Story == 0 {
			continue
		}
		ch.Assigned[x.ar.ID] = x.ar.Story
		ch.Counted = append(ch.Counted, x.ar.ID)
		if s := x.ar.StoryRecord; s != nil {
			ch.Stories = append(ch.Stories, &marsad.StoryRecord{
				Story: marsad.Story{ID: s.ID, Title: s.Title, TitleArticleID: s.TitleArticleID, FirstSeen: s.FirstSeen,
					LastSeen: s.LastSeen, Articles: s.Articles, Outlets: len(s.Sources), Sources: s.Sources},
				Sources: s.Sources, State: s.State})
		}
	}
	return r.app.Store.StoryTx(ctx, func(tx marsad.StoryTx) error {
		_, err := tx.Save(ctx, ch)
		return err
	})
}

// restoreTags stores the exported tags and counts the articles into the
// tag corpus, saving it every corpusEvery articles (and when flush is set),
// as the tag stage does.
func (r *Restorer) restoreTags(ctx context.Context, list []*restoring, flush bool) error {
	if r.corpus == nil {
		blob, err := r.app.Store.TagCorpus(ctx)
		if err != nil {
			return err
		}
		r.corpus = tags.NewCorpus()
		if blob != nil {
			if err := r.corpus.UnmarshalBinary(blob); err != nil {
				return fmt.Errorf("stored tag corpus: %w", err)
			}
		}
	}
	var batch []marsad.ArticleTags
	for _, x := range list {
		if x.ar.Analyzer != analyzer.Version {
			continue // keys of another analyzer: left owed, found again
		}
		p, ok := x.it.Prepared[tagstage.StageName].(*tags.Prepared)
		if !ok {
			return fmt.Errorf("article %d: not prepared for tags", x.ar.ID)
		}
		r.corpus.AddHashed(p.Hashes())
		batch = append(batch, marsad.ArticleTags{ArticleID: x.ar.ID, Tags: x.ar.Tags})
	}
	r.sinceCk += len(batch)
	var blob []byte
	if r.sinceCk >= corpusEvery || flush && r.sinceCk > 0 {
		var err error
		if blob, err = r.corpus.MarshalBinary(); err != nil {
			return err
		}
	}
	if len(batch) == 0 && blob == nil {
		return nil
	}
	if _, err := r.app.Store.SaveTags(ctx, tagstage.StageName, batch, blob); err != nil {
		return err
	}
	if blob != nil {
		r.sinceCk = 0
	}
	return nil
}

// Finish implements importer.Restorer: the tag corpus is saved, and each
// copy whose original never came is reported; it stays owed to the dedup
// stage, which links it by its own judgement later.
func (r *Restorer) Finish(ctx context.Context) (pipeline.Result, error) {
	var res pipeline.Result
	if r.corpus != nil {
		if err := r.restoreTags(ctx, nil, true); err != nil {
			return res, fmt.Errorf("restore: %w", err)
		}
	}
	origs := make([]int64, 0, len(r.pending))
	for id := range r.pending {
		origs = append(origs, id)
	}
	slices.Sort(origs)
	for _, id := range origs {
		for _, p := range r.pending[id] {
			res.Problems = append(res.Problems, pipeline.Problem{Where: p.where,
				Reason: fmt.Sprintf("marsad.copy_of: article %d is neither in the export nor in this store; the copy link is left to the dedup stage", id)})
		}
	}
	clear(r.pending)
	return res, nil
}
