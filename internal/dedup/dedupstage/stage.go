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
	DedupBatch(ctx context.Context, fn func(dedup.Index) error) error
	StageProgress(ctx context.Context, stage string) (int64, error)
	SetStageProgress(ctx context.Context, stage string, id int64) error
	FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error)
}

// Stage links copies to their canonical article.
type Stage struct {
	store Store
	cfg   dedup.Config
	// terms analyzes text; used only by CatchUp, for articles saved by a
	// run that died before the stage saw them (Process uses the items' terms).
	terms func(string) []string
}

// New returns the dedup stage.
func New(store Store, cfg dedup.Config, terms func(string) []string) *Stage {
	return &Stage{store: store, cfg: cfg, terms: terms}
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "dedup" }

// Process implements pipeline.Stage.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	docs := make([]dedup.Doc, 0, len(items))
	for _, it := range items {
		docs = append(docs, dedup.Doc{ID: it.Article.ID, Source: it.Article.Source, Published: it.Article.Published, BodyTerms: it.BodyTerms})
	}
	return s.run(ctx, docs)
}

func (s *Stage) run(ctx context.Context, docs []dedup.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	var last int64
	err := s.store.DedupBatch(ctx, func(idx dedup.Index) error {
		det := dedup.NewDetector(s.cfg, idx)
		for _, d := range docs {
			if _, err := det.Add(ctx, d); err != nil {
				return err
			}
			last = max(last, d.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dedup: %w", err)
	}
	return s.store.SetStageProgress(ctx, s.Name(), last)
}

// CatchUp implements pipeline.Stage: articles above the recorded progress,
// in published order.
func (s *Stage) CatchUp(ctx context.Context) error {
	after, err := s.store.StageProgress(ctx, s.Name())
	if err != nil {
		return fmt.Errorf("dedup catch-up: %w", err)
	}
	for {
		list, _, err := s.store.FindArticles(ctx, marsad.ArticleFilter{AfterID: after, Limit: 500})
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
