package story

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
)

// Store is what the story stage needs of the store (store/sqlite implements
// it).
type Store interface {
	// StoryTx runs fn in one write transaction: nothing else writes
	// stories while it runs.
	StoryTx(ctx context.Context, fn func(Tx) error) error
	// StoryRead runs fn in a read-only transaction: a consistent snapshot
	// that blocks no writer (Save must not be called in it).
	StoryRead(ctx context.Context, fn func(Tx) error) error
	FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error)
}

// Tx is one story transaction.
type Tx interface {
	// Generation is a number every story write changes: a stage whose
	// model was built at another generation reloads it.
	Generation(ctx context.Context) (int64, error)
	// Progress is the highest article id the story stage has placed.
	Progress(ctx context.Context) (int64, error)
	// DocFreq returns the last checkpoint of the document frequencies and
	// the highest article id counted in it (nil, 0 when there is none).
	DocFreq(ctx context.Context) (*DocFreq, int64, error)
	// NextStoryID is one more than the highest story id ever stored.
	NextStoryID(ctx context.Context) (int64, error)
	// StoriesSeen returns the stories with last_seen in [from, to).
	StoriesSeen(ctx context.Context, from, to time.Time) ([]*State, error)
	// CopyStories maps each of articles that belongs to a copy group (dedup
	// canonical_id links) to the group's canonical article and to the story
	// of a member of the group already placed (0 if none).
	CopyStories(ctx context.Context, articles []int64) (canonical, story map[int64]int64, err error)
	// Save writes a batch's changes and the new progress, and changes the
	// generation, returning the new one.
	Save(ctx context.Context, ch *Changes, progress int64) (int64, error)
}

// checkpointEvery is how many counted articles the document-frequency
// sketch may run ahead of its stored checkpoint. A restart recounts at most
// this many articles from the store; a smaller value writes the 16 MiB
// sketch more often.
const checkpointEvery = 3000

// Stage clusters newly saved articles into stories. It keeps the active
// stories and the document frequencies in memory (a Model) between
// batches, and writes every batch's changes through to the store in one
// transaction, together with its progress; the store stays the source of
// truth, and a stage that finds the store changed by another process (the
// generation moved) reloads.
type Stage struct {
	store Store
	p     Params
	terms func(string) []string // CatchUp and recounts: Process uses the items' terms

	m       *Model
	gen     int64
	counted int64 // highest article id counted into m's document frequencies
	saved   int64 // counted at the last checkpoint
}

// NewStage returns the story stage.
func NewStage(store Store, p Params, terms func(string) []string) *Stage {
	return &Stage{store: store, p: p, terms: terms}
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "story" }

// PrepareItem implements pipeline.Preparer: the article's raw features
// (term and phrase hashes with their weighted counts) are computed in the
// parallel prepare workers; only the IDF weighting, which depends on the
// batch, is left to Process.
func (s *Stage) PrepareItem(it *pipeline.Item) {
	d := &Doc{TitleTerms: it.TitleTerms, BodyTerms: it.BodyTerms}
	Prepare(d, &s.p)
	if it.Prepared == nil {
		it.Prepared = map[string]any{}
	}
	it.Prepared[s.Name()] = d.Feat
}

// Process implements pipeline.Stage. The batch is counted into the
// document frequencies first, then its articles are assigned in published
// order.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	docs := make([]*Doc, 0, len(items))
	for _, it := range items {
		d := &Doc{ID: it.Article.ID, Source: it.Article.Source, Published: it.Article.Published,
			Title: it.Article.Title, Category: it.Article.Category, TitleTerms: it.TitleTerms, BodyTerms: it.BodyTerms}
		if f, ok := it.Prepared[s.Name()].(Vector); ok {
			d.Feat = f
		}
		docs = append(docs, d)
	}
	return s.run(ctx, sortByPublished(docs), true)
}

// run places docs (in published order). The clustering is computed on
// a read snapshot, outside the write transaction: the stage reads what the
// batch needs (the stories it may join, its copy links), clusters in
// memory, then opens the write transaction only to check that no other
// writer moved the stories meanwhile (the generation) and to save. The
// write lock is held for the writes alone, so the pipeline can save its
// next batch of articles while this one is clustered. When another writer
// did move the stories, the computed changes are dropped and the batch is
// placed again inside the write transaction on a reloaded model. count
// says whether the docs are new to the document frequencies (false for
// rebuilds).
func (s *Stage) run(ctx context.Context, docs []*Doc, count bool) error {
	if len(docs) == 0 {
		return nil
	}
	var b *batch
	err := s.store.StoryRead(ctx, func(tx Tx) (err error) {
		b, err = s.plan(ctx, tx, docs, count)
		return err
	})
	if err == nil {
		err = s.store.StoryTx(ctx, func(tx Tx) error {
			gen, err := tx.Generation(ctx)
			if err != nil {
				return err
			}
			if gen != b.gen {
				// Another writer changed the stories after the snapshot:
				// the model is rebuilt and the batch placed under the lock.
				s.m = nil
				if b, err = s.plan(ctx, tx, docs, count); err != nil {
					return err
				}
			}
			return s.commit(ctx, tx, b)
		})
	}
	if err != nil {
		s.m = nil // the model may hold changes the store rolled back
		return fmt.Errorf("story: %w", err)
	}
	return nil
}

// batch is a batch placed in memory, ready to be saved.
type batch struct {
	gen      int64 // store generation the model was read at
	ch       *Changes
	progress int64 // new stage progress (0: unchanged)
	empty    bool  // nothing to save
}

// plan brings the model up to date with tx's snapshot, loads what docs
// may join, and places them in memory.
func (s *Stage) plan(ctx context.Context, tx Tx, docs []*Doc, count bool) (*batch, error) {
	if err := s.sync(ctx, tx); err != nil {
		return nil, err
	}
	b := &batch{gen: s.gen}
	progress, err := tx.Progress(ctx)
	if err != nil {
		return nil, err
	}
	// fresh are the docs not yet counted into the document frequencies:
	// place counts each just before placing it.
	var fresh map[int64]bool
	if count {
		// A batch the stage placed already (a resumed run handing it
		// over again) is not placed twice.
		docs = slices.DeleteFunc(slices.Clone(docs), func(d *Doc) bool { return d.ID <= progress })
		fresh = map[int64]bool{}
		counted := s.counted
		for _, d := range docs {
			if d.ID > counted {
				fresh[d.ID] = true
				s.counted = max(s.counted, d.ID)
			}
		}
	}
	if len(docs) == 0 {
		b.empty = true
		return b, nil
	}
	if err := s.cover(ctx, tx, docs); err != nil {
		return nil, err
	}
	if err := s.place(ctx, tx, docs, fresh); err != nil {
		return nil, err
	}
	b.ch = s.m.TakeChanges()
	if s.counted-s.saved >= checkpointEvery {
		b.ch.DocFreq, b.ch.Counted = s.m.DocFreq(), s.counted
	}
	if count {
		// A rebuild does not move the stage's progress.
		for _, d := range docs {
			b.progress = max(b.progress, d.ID)
		}
	}
	return b, nil
}

// commit saves a planned batch in the write transaction.
func (s *Stage) commit(ctx context.Context, tx Tx, b *batch) error {
	if b.empty {
		return nil
	}
	gen, err := tx.Save(ctx, b.ch, b.progress)
	if err != nil {
		return err
	}
	s.gen = gen
	if b.ch.DocFreq != nil {
		s.saved = s.counted
	}
	s.m.Evict()
	return nil
}

// sync (re)builds the model from the store when there is none or another
// writer changed the stories since this stage's last write: the document
// frequencies from their checkpoint plus a recount of the articles placed
// after it, and no stories yet (cover loads those the batch needs).
func (s *Stage) sync(ctx context.Context, tx Tx) error {
	gen, err := tx.Generation(ctx)
	if err != nil {
		return err
	}
	if s.m != nil && gen == s.gen {
		return nil
	}
	df, counted, err := tx.DocFreq(ctx)
	if err != nil {
		return err
	}
	progress, err := tx.Progress(ctx)
	if err != nil {
		return err
	}
	next, err := tx.NextStoryID(ctx)
	if err != nil {
		return err
	}
	m := NewModel(s.p, df, next)
	saved := counted
	for counted < progress {
		list, _, err := s.store.FindArticles(ctx, marsad.ArticleFilter{AfterID: counted, Limit: 500})
		if err != nil {
			return fmt.Errorf("recount: %w", err)
		}
		var docs []*Doc
		for _, d := range s.docs(list) {
			if d.ID <= progress {
				docs = append(docs, d)
			}
			counted = max(counted, d.ID)
		}
		m.Observe(docs)
		if len(list) == 0 {
			break
		}
	}
	s.m, s.gen, s.counted, s.saved = m, gen, min(counted, progress), saved
	return nil
}

// cover loads the stored stories the batch may join that are not in
// memory yet: those seen within Window before its earliest article.
func (s *Stage) cover(ctx context.Context, tx Tx, docs []*Doc) error {
	from := docs[0].Published.Add(-s.p.Window)
	have := s.m.Covered()
	if !have.IsZero() && !from.Before(have) {
		return nil
	}
	to := have
	if to.IsZero() {
		to = time.Unix(1<<40, 0)
	}
	sts, err := tx.StoriesSeen(ctx, from, to)
	if err != nil {
		return err
	}
	for _, st := range sts {
		s.m.Insert(st)
	}
	s.m.Cover(from)
	return nil
}

// place assigns each doc: a copy joins the story of its copy group while
// that story is active (in the model's window), any other article is
// clustered. A text republished weeks later starts or joins a story of its
// own time: a story is an event, bounded in time, and old stories are never
// brought back into the model, so its size stays bounded by the window
// however many copies the archive holds.
func (s *Stage) place(ctx context.Context, tx Tx, docs []*Doc, fresh map[int64]bool) error {
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	canon, group, err := tx.CopyStories(ctx, ids)
	if err != nil {
		return err
	}
	placed := map[int64]int64{} // copy group → story, for groups completed in this batch
	for _, d := range docs {
		g, isCopy := canon[d.ID]
		st := group[d.ID]
		if st == 0 && isCopy {
			st = placed[g]
		}
		if fresh[d.ID] {
			s.m.Observe([]*Doc{d})
		}
		var a Assignment
		if st != 0 && s.m.Story(st) != nil {
			a = s.m.AddTo(d, st)
		} else {
			a = s.m.Add(d)
		}
		if isCopy {
			placed[g] = a.StoryID
		}
	}
	return nil
}

// CatchUp implements pipeline.Stage: articles above the recorded progress,
// in batches, in published order within each.
func (s *Stage) CatchUp(ctx context.Context) error {
	var after int64
	if err := s.store.StoryRead(ctx, func(tx Tx) (err error) {
		after, err = tx.Progress(ctx)
		return err
	}); err != nil {
		return fmt.Errorf("story catch-up: %w", err)
	}
	for {
		list, _, err := s.store.FindArticles(ctx, marsad.ArticleFilter{AfterID: after, Limit: 500})
		if err != nil {
			return fmt.Errorf("story catch-up: %w", err)
		}
		if len(list) == 0 {
			return nil
		}
		docs := s.docs(list)
		for _, d := range docs {
			after = max(after, d.ID)
		}
		if err := s.run(ctx, sortByPublished(docs), true); err != nil {
			return err
		}
	}
}

// Rebuild re-clusters the given articles (already detached from their
// stories by the store) in published order, in batches of batchSize, on a
// fresh model that sees no other story: the result depends only on the
// articles and the stored document frequencies, which a rebuild does not
// count again.
func (s *Stage) Rebuild(ctx context.Context, list []*marsad.Article, batchSize int) error {
	docs := sortByPublished(s.docs(list))
	s.m = nil
	err := s.store.StoryRead(ctx, func(tx Tx) error {
		if err := s.sync(ctx, tx); err != nil {
			return err
		}
		// Nothing stored is joinable: cover the whole time line.
		s.m.Cover(time.Unix(-1<<40, 0))
		return nil
	})
	if err != nil {
		return fmt.Errorf("story rebuild: %w", err)
	}
	for start := 0; start < len(docs); start += batchSize {
		if err := s.run(ctx, docs[start:min(len(docs), start+batchSize)], false); err != nil {
			return err
		}
	}
	s.m = nil
	return nil
}

func (s *Stage) docs(list []*marsad.Article) []*Doc {
	docs := make([]*Doc, len(list))
	for i, a := range list {
		docs[i] = &Doc{ID: a.ID, Source: a.Source, Published: a.Published, Title: a.Title, Category: a.Category,
			TitleTerms: s.terms(a.Title), BodyTerms: s.terms(a.Body)}
	}
	return docs
}

func sortByPublished(docs []*Doc) []*Doc {
	slices.SortStableFunc(docs, func(a, b *Doc) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return compareID(a.ID, b.ID)
	})
	return docs
}
