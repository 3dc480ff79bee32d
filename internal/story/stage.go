package story

import (
	"context"
	"fmt"
	"slices"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
)

// Store is what the story stage needs of the store (store/sqlite implements it).
type Store interface {
	StoryBatch(ctx context.Context, fn func(Index) error) error
	StageProgress(ctx context.Context, stage string) (int64, error)
	SetStageProgress(ctx context.Context, stage string, id int64) error
	FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error)
}

// Stage clusters newly saved articles into stories.
type Stage struct {
	store Store
	p     Params
	terms func(string) []string // CatchUp only: Process uses the items' terms
}

// NewStage returns the story stage.
func NewStage(store Store, p Params, terms func(string) []string) *Stage {
	return &Stage{store: store, p: p, terms: terms}
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "story" }

// Process implements pipeline.Stage. The batch is counted into the document
// frequencies first, then its articles are assigned in published order.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	docs := make([]*Doc, 0, len(items))
	for _, it := range items {
		docs = append(docs, &Doc{ID: it.Article.ID, Source: it.Article.Source, Published: it.Article.Published,
			Title: it.Article.Title, TitleTerms: it.TitleTerms, BodyTerms: it.BodyTerms})
	}
	return s.run(ctx, docs)
}

func (s *Stage) run(ctx context.Context, docs []*Doc) error {
	if len(docs) == 0 {
		return nil
	}
	var last int64
	err := s.store.StoryBatch(ctx, func(idx Index) error {
		c := NewClusterer(s.p, idx)
		if err := c.Observe(ctx, docs); err != nil {
			return err
		}
		for _, d := range docs {
			if _, err := c.Add(ctx, d); err != nil {
				return err
			}
			last = max(last, d.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("story: %w", err)
	}
	return s.store.SetStageProgress(ctx, s.Name(), last)
}

// CatchUp implements pipeline.Stage.
func (s *Stage) CatchUp(ctx context.Context) error {
	after, err := s.store.StageProgress(ctx, s.Name())
	if err != nil {
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
		if err := s.run(ctx, sortByPublished(docs)); err != nil {
			return err
		}
	}
}

// Rebuild re-clusters the given articles (already detached from their
// stories by the store) in published order, in batches of batchSize.
func (s *Stage) Rebuild(ctx context.Context, list []*marsad.Article, batchSize int) error {
	docs := sortByPublished(s.docs(list))
	for start := 0; start < len(docs); start += batchSize {
		if err := s.run(ctx, docs[start:min(len(docs), start+batchSize)]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stage) docs(list []*marsad.Article) []*Doc {
	docs := make([]*Doc, len(list))
	for i, a := range list {
		docs[i] = &Doc{ID: a.ID, Source: a.Source, Published: a.Published, Title: a.Title,
			TitleTerms: s.terms(a.Title), BodyTerms: s.terms(a.Body)}
	}
	return docs
}

func sortByPublished(docs []*Doc) []*Doc {
	slicesSortStable(docs)
	return docs
}

func slicesSortStable(docs []*Doc) {
	slices.SortStableFunc(docs, func(a, b *Doc) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}
