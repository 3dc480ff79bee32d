// Package dedupstage runs the near-duplicate detector as a pipeline stage
// (a separate package because the pipeline itself uses dedup.CanonicalURL).
package dedupstage

import (
	"context"
	"fmt"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/pipeline"
)

// Store is what the stage needs of the store (store/sqlite implements it).
type Store interface {
	// DedupBatch runs fn over one transaction and records in it that the
	// stage has processed every article up to upTo.
	DedupBatch(ctx context.Context, stage string, upTo int64, fn func(dedup.Index) error) error
	StageProgress(ctx context.Context, stage string) (int64, error)
	FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error)
}

// Stage links copies to their canonical article. A copy is kept: it only
// gets a canonical_id ("also published by").
type Stage struct {
	store Store
	cfg   dedup.Config
	// sketcher computes shingles and band keys in PrepareItem (it never
	// touches its index).
	sketcher *dedup.Detector
	// terms analyzes text; used only by CatchUp, for articles saved by a
	// run that died before the stage saw them (Process uses the items' terms).
	terms func(string) []string
}

// New returns the dedup stage.
func New(store Store, cfg dedup.Config, terms func(string) []string) *Stage {
	return &Stage{store: store, cfg: cfg, terms: terms, sketcher: dedup.NewDetector(cfg, nil)}
}

// PrepareItem implements pipeline.Preparer: MinHash, the CPU-heavy part of
// the detector, runs in the pipeline's parallel prepare workers.
func (s *Stage) PrepareItem(it *pipeline.Item) {
	var sk dedup.Sketch
	sk.Shingles, sk.Keys = s.sketcher.Sketch(it.BodyTerms)
	it.Prepared[s.Name()] = &sk
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "dedup" }

// Process implements pipeline.Stage.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	docs := make([]dedup.Doc, 0, len(items))
	for _, it := range items {
		sk, _ := it.Prepared[s.Name()].(*dedup.Sketch)
		docs = append(docs, dedup.Doc{ID: it.Article.ID, Source: it.Article.Source, Published: it.Article.Published,
			BodyTerms: it.BodyTerms, Sketch: sk})
	}
	return s.run(ctx, docs)
}

// run checks and links one batch; the links and the stage's progress are
// committed together.
func (s *Stage) run(ctx context.Context, docs []dedup.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	var last int64
	for _, d := range docs {
		last = max(last, d.ID)
	}
	err := s.store.DedupBatch(ctx, s.Name(), last, func(idx dedup.Index) error {
		_, err := dedup.NewDetector(s.cfg, idx).AddBatch(ctx, docs)
		return err
	})
	if err != nil {
		return fmt.Errorf("dedup: %w", err)
	}
	return nil
}

// catchUpBatch is the number of stored articles read and linked at a time
// by CatchUp.
const catchUpBatch = 500

// CatchUp implements pipeline.Stage: the articles saved above the recorded
// progress, in batches in id order (which is arrival order). The detector
// skips any article an earlier run already indexed, and the canonical
// choice does not depend on order (a wire copy or earlier article arriving
// later takes the group over), so the links are those of an uninterrupted run.
func (s *Stage) CatchUp(ctx context.Context) error {
	after, err := s.store.StageProgress(ctx, s.Name())
	if err != nil {
		return fmt.Errorf("dedup catch-up: %w", err)
	}
	for {
		list, _, err := s.store.FindArticles(ctx, marsad.ArticleFilter{AfterID: after, Limit: catchUpBatch})
		if err != nil {
			return fmt.Errorf("dedup catch-up: %w", err)
		}
		if len(list) == 0 {
			return nil
		}
		docs := make([]dedup.Doc, len(list))
		for i, a := range list {
			docs[i] = dedup.Doc{ID: a.ID, Source: a.Source, Published: a.Published, BodyTerms: s.terms(a.Body)}
			after = max(after, a.ID)
		}
		if err := s.run(ctx, docs); err != nil {
			return err
		}
	}
}
