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

// StageName is the dedup stage's name in the pipeline and in the store's
// work ledger.
const StageName = "dedup"

// Stage links copies to their canonical article. A copy is kept: it only
// gets a canonical_id ("also published by").
type Stage struct {
	store marsad.DedupStore
	cfg   dedup.Config
	// sketcher computes shingles and band keys in PrepareItem (it never
	// touches its index).
	sketcher *dedup.Detector
}

// New returns the dedup stage.
func New(store marsad.DedupStore, cfg dedup.Config) *Stage {
	return &Stage{store: store, cfg: cfg, sketcher: dedup.NewDetector(cfg, nil)}
}

// PrepareItem implements pipeline.Preparer: MinHash, the CPU-heavy part of
// the detector, runs in the pipeline's parallel prepare workers.
func (s *Stage) PrepareItem(it *pipeline.Item) {
	var sk dedup.Sketch
	sk.Shingles, sk.Keys = s.sketcher.Sketch(it.BodyTerms)
	it.Prepared[s.Name()] = &sk
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return StageName }

// Process implements pipeline.Stage: the batch is checked and linked, and
// its work completed, in one transaction. The detector skips an article
// already indexed (another process got to it first), and the canonical
// choice does not depend on arrival order (a wire copy or an earlier
// article arriving later takes the group over), so links are those of one
// uninterrupted run whatever the order of batches.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	if len(items) == 0 {
		return nil
	}
	docs := make([]dedup.Doc, 0, len(items))
	done := make([]int64, 0, len(items))
	for _, it := range items {
		sk, _ := it.Prepared[s.Name()].(*dedup.Sketch)
		docs = append(docs, dedup.Doc{ID: it.Article.ID, Source: it.Article.Source, Published: it.Article.Published,
			BodyTerms: it.BodyTerms, Sketch: sk})
		done = append(done, it.Article.ID)
	}
	err := s.store.DedupBatch(ctx, s.Name(), done, func(idx marsad.DedupIndex) error {
		_, err := dedup.NewDetector(s.cfg, dedup.StoreIndex(idx)).AddBatch(ctx, docs)
		return err
	})
	if err != nil {
		return fmt.Errorf("dedup: %w", err)
	}
	return nil
}
