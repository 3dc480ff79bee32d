package story

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
)

// Store is what the story stage needs of the store.
type Store interface {
	marsad.StoryStore
	FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error)
}

// StageName is the story stage's name in the pipeline and in the store's
// work ledger.
const StageName = "story"

// docFreqKey is the key of the document-frequency checkpoint.
const docFreqKey = "docfreq"

// checkpointEvery is how many counted articles the document-frequency
// sketch may run ahead of its stored checkpoint. A restart recounts at most
// this many articles from the store; a smaller value writes the 16 MiB
// sketch more often.
const checkpointEvery = 3000

// Stage clusters newly saved articles into stories. It keeps the active
// stories and the document frequencies in memory (a Model) between
// batches, and writes every batch's changes through to the store in one
// transaction, together with the work it completes; the store stays the
// source of truth, and a stage that finds the store changed by another
// process (the generation moved) reloads. The pipeline serialises calls.
type Stage struct {
	store Store
	p     Params
	terms func(string) []string // recounts and rebuilds: Process uses the items' terms

	m       *Model
	gen     int64
	sinceCk int // articles counted since the stored checkpoint
	// dfAt is the generation m's document frequencies hold exactly (-1
	// while a placement is not saved yet): another writer's articles can
	// then be added to them instead of recounting since the checkpoint.
	dfAt int64
	// stale says m's stories hold a placement that was not saved.
	stale bool
}

// NewStage returns the story stage.
func NewStage(store Store, p Params, terms func(string) []string) *Stage {
	return &Stage{store: store, p: p, terms: terms}
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return StageName }

// PrepareItem implements pipeline.Preparer: the article's raw features
// (term and phrase hashes with their weighted counts, whole and by part)
// are computed in the parallel prepare workers; only the IDF weighting, which depends on the
// batch, is left to Process.
func (s *Stage) PrepareItem(it *pipeline.Item) {
	d := &Doc{TitleTerms: it.TitleTerms, BodyTerms: it.BodyTerms}
	Prepare(d, &s.p)
	if it.Prepared == nil {
		it.Prepared = map[string]any{}
	}
	it.Prepared[s.Name()] = d
}

// Ordered implements pipeline.Ordered: clustering is online, so the same
// articles in another order can make other stories.
func (s *Stage) Ordered() bool { return true }

// Process implements pipeline.Stage. The batch is counted into the
// document frequencies first, then its articles are assigned in published
// order; articles published at the same time keep the order the pipeline
// hands them in (by URL: an order every process computes alike, where ids
// follow whichever process saved first).
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	docs := make([]*Doc, 0, len(items))
	for _, it := range items {
		d := &Doc{ID: it.Article.ID, Source: it.Article.Source, Published: it.Article.Published,
			Title: it.Article.Title, Category: it.Article.Category, TitleTerms: it.TitleTerms, BodyTerms: it.BodyTerms}
		if f, ok := it.Prepared[s.Name()].(*Doc); ok {
			d.Feat, d.Parts = f.Feat, f.Parts
		}
		docs = append(docs, d)
	}
	slices.SortStableFunc(docs, func(a, b *Doc) int { return a.Published.Compare(b.Published) })
	return s.run(ctx, docs, true)
}

// run places docs (in published order). The clustering is computed on
// a read snapshot, outside the write transaction: the stage reads what the
// batch needs (the stories it may join, its copy links), clusters in
// memory, then opens the write transaction only to check that no other
// writer moved the stories meanwhile (the generation) and that the docs are
// still owed, and to save. The write lock is held for the writes alone, so
// the pipeline can save its next batch of articles while this one is
// clustered. When another writer did move the stories (or placed some of
// the docs: two processes catching up the same work), the computed changes
// are dropped and the batch is placed again inside the write transaction
// on a reloaded model. count says whether the docs are owed work, new to
// the document frequencies (false for rebuilds).
func (s *Stage) run(ctx context.Context, docs []*Doc, count bool) error {
	if len(docs) == 0 {
		return nil
	}
	var b *batch
	err := s.store.StoryRead(ctx, func(tx marsad.StoryTx) (err error) {
		b, err = s.plan(ctx, tx, docs, count)
		return err
	})
	if err == nil {
		err = s.store.StoryTx(ctx, func(tx marsad.StoryTx) error {
			gen, err := tx.Generation(ctx)
			if err != nil {
				return err
			}
			stale := gen != b.gen
			if count && !stale {
				owed, err := tx.Owed(ctx, StageName, b.done)
				if err != nil {
					return err
				}
				stale = len(owed) != len(b.done)
			}
			if stale {
				// Another writer changed the stories after the snapshot:
				// what the batch counted is taken back, the model reloaded
				// and the batch placed again under the lock.
				s.m.Forget(b.observed)
				s.dfAt, s.stale = b.gen, true
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
	ch       *marsad.StoryChanges
	done     []int64 // the owed docs placed
	counted  int
	observed []*Doc // counted into the document frequencies by this plan
}

// plan brings the model up to date with tx's snapshot, loads what docs
// may join, and places them in memory.
func (s *Stage) plan(ctx context.Context, tx marsad.StoryTx, docs []*Doc, count bool) (*batch, error) {
	if err := s.sync(ctx, tx); err != nil {
		return nil, err
	}
	b := &batch{gen: s.gen}
	// fresh are the docs not yet counted into the document frequencies:
	// place counts each just before placing it. Owed work is new to the
	// frequencies; a doc no longer owed was placed by another writer (or
	// an earlier run handing the batch over again) and is not placed twice.
	var fresh map[int64]bool
	if count {
		ids := make([]int64, len(docs))
		for i, d := range docs {
			ids[i] = d.ID
		}
		owed, err := tx.Owed(ctx, StageName, ids)
		if err != nil {
			return nil, err
		}
		docs = slices.DeleteFunc(slices.Clone(docs), func(d *Doc) bool { return !owed[d.ID] })
		fresh = make(map[int64]bool, len(docs))
		for _, d := range docs {
			fresh[d.ID] = true
			b.done = append(b.done, d.ID)
		}
		b.counted = len(docs)
	}
	if len(docs) == 0 {
		return b, nil
	}
	if err := s.cover(ctx, tx, docs); err != nil {
		return nil, err
	}
	s.dfAt = -1
	for _, d := range docs {
		if fresh[d.ID] {
			b.observed = append(b.observed, d)
		}
	}
	if err := s.place(ctx, tx, docs, fresh); err != nil {
		return nil, err
	}
	ch, err := changesOf(s.m.TakeChanges())
	if err != nil {
		return nil, err
	}
	ch.Stage, ch.Done, ch.Counted = StageName, b.done, b.done
	if count && s.sinceCk+b.counted >= checkpointEvery {
		blob, err := s.m.DocFreq().MarshalBinary()
		if err != nil {
			return nil, err
		}
		ch.CheckpointKey, ch.Checkpoint = docFreqKey, blob
	}
	b.ch = ch
	return b, nil
}

// changesOf turns the model's changes into what the store writes, with
// merges resolved: every story id it names is final.
func changesOf(ch *Changes) (*marsad.StoryChanges, error) {
	resolve := func(id int64) int64 {
		for {
			into, ok := ch.Merged[id]
			if !ok {
				return id
			}
			id = into
		}
	}
	out := &marsad.StoryChanges{Assigned: make(map[int64]int64, len(ch.Assigned)), Merged: make(map[int64]int64, len(ch.Merged))}
	for _, a := range ch.Assigned {
		out.Assigned[a.Article] = resolve(a.StoryID)
	}
	for from := range ch.Merged {
		out.Merged[from] = resolve(from)
	}
	for _, st := range ch.Stories {
		r, err := st.Record()
		if err != nil {
			return nil, err
		}
		out.Stories = append(out.Stories, r)
	}
	return out, nil
}

// commit saves a planned batch in the write transaction.
func (s *Stage) commit(ctx context.Context, tx marsad.StoryTx, b *batch) error {
	if b.ch == nil {
		return nil
	}
	gen, err := tx.Save(ctx, b.ch)
	if err != nil {
		return err
	}
	s.gen, s.dfAt = gen, gen
	s.sinceCk += b.counted
	if b.ch.Checkpoint != nil {
		s.sinceCk = 0
	}
	s.m.Evict()
	return nil
}

// sync (re)builds the model from the store when there is none or another
// writer changed the stories since this stage's last write: the document
// frequencies from their checkpoint plus a recount of the articles counted
// after it, and no stories yet (cover loads those the batch needs).
func (s *Stage) sync(ctx context.Context, tx marsad.StoryTx) error {
	gen, err := tx.Generation(ctx)
	if err != nil {
		return err
	}
	if s.m != nil && gen == s.gen && !s.stale {
		return nil
	}
	s.stale = false
	next, err := tx.NextStoryID(ctx)
	if err != nil {
		return err
	}
	if s.m != nil && s.dfAt == s.gen {
		// The frequencies are exact at s.gen: add what other writers
		// counted since, and reload the stories (cover does, lazily).
		ids, err := tx.CountedSince(ctx, s.gen)
		if err != nil {
			return err
		}
		m := NewModel(s.p, s.m.DocFreq(), next)
		if err := s.recount(ctx, m, ids); err != nil {
			return err
		}
		s.m, s.gen, s.dfAt = m, gen, gen
		s.sinceCk += len(ids)
		return nil
	}
	blob, ckGen, err := tx.Checkpoint(ctx, docFreqKey)
	if err != nil {
		return err
	}
	var df *DocFreq
	if blob != nil {
		df = new(DocFreq)
		if err := df.UnmarshalBinary(blob); err != nil {
			return fmt.Errorf("document frequencies: %w", err)
		}
	}
	ids, err := tx.CountedSince(ctx, ckGen)
	if err != nil {
		return err
	}
	m := NewModel(s.p, df, next)
	if err := s.recount(ctx, m, ids); err != nil {
		return err
	}
	s.m, s.gen, s.dfAt, s.sinceCk = m, gen, gen, len(ids)
	return nil
}

// recount counts the stored articles ids into m's document frequencies.
func (s *Stage) recount(ctx context.Context, m *Model, ids []int64) error {
	for start := 0; start < len(ids); start += recountBatch {
		chunk := ids[start:min(len(ids), start+recountBatch)]
		list, _, err := s.store.FindArticles(ctx, marsad.ArticleFilter{IDs: chunk, Limit: len(chunk)})
		if err != nil {
			return fmt.Errorf("recount: %w", err)
		}
		m.Observe(s.docs(list))
	}
	return nil
}

// recountBatch is how many articles a recount reads at a time.
const recountBatch = 500

// cover loads the stored stories the batch may join that are not in
// memory yet: those seen within Window before its earliest article.
func (s *Stage) cover(ctx context.Context, tx marsad.StoryTx, docs []*Doc) error {
	from := docs[0].Published.Add(-s.p.Window)
	have := s.m.Covered()
	if !have.IsZero() && !from.Before(have) {
		return nil
	}
	to := have
	if to.IsZero() {
		to = time.Unix(1<<40, 0)
	}
	recs, err := tx.StoriesSeen(ctx, from, to)
	if err != nil {
		return err
	}
	for _, r := range recs {
		st, ok, err := StateOf(r)
		if err != nil {
			return err
		} else if ok {
			s.m.Insert(st)
		}
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
func (s *Stage) place(ctx context.Context, tx marsad.StoryTx, docs []*Doc, fresh map[int64]bool) error {
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

// Rebuild re-clusters the given articles (already detached from their
// stories by the store) in published order, in batches of batchSize, on a
// fresh model that sees no other story: the result depends only on the
// articles and the stored document frequencies, which a rebuild does not
// count again.
func (s *Stage) Rebuild(ctx context.Context, list []*marsad.Article, batchSize int) error {
	docs := sortByPublished(s.docs(list))
	s.m = nil
	err := s.store.StoryRead(ctx, func(tx marsad.StoryTx) error {
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
