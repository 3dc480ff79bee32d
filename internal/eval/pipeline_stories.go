package eval

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/store/sqlite"
)

// StoriesThroughPipeline imports items (arrival order) into a fresh store in
// dir through the pipeline with the dedup and story stages, batchSize per
// batch, and returns the story of every item by corpus id (items sharing a
// URL get the story of the stored copy).
func StoriesThroughPipeline(ctx context.Context, dir string, items []NewsItem, p story.Params, batchSize int) (map[string]string, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dir, "eval-stories.db"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	an := analyzer.New()
	pl := pipeline.New(db, an, pipeline.WithStages(ingest.Stages(db, an, p)...))
	for start := 0; start < len(items); start += batchSize {
		var raws []*marsad.RawArticle
		for _, it := range items[start:min(len(items), start+batchSize)] {
			raws = append(raws, &marsad.RawArticle{URL: it.URL, Title: it.Title, Body: it.Body, Summary: it.Summary,
				Source: it.Source, SourceName: it.Source, Published: it.Published, Category: it.Category, ID: it.ID, Lang: "ar"})
		}
		if _, err := pl.Ingest(ctx, raws); err != nil {
			return nil, fmt.Errorf("eval stories import: %w", err)
		}
	}
	pred := map[string]string{}
	for _, it := range items {
		canon, err := dedup.CanonicalURL(it.URL)
		if err != nil {
			return nil, err
		}
		a, err := db.FindArticleByURL(ctx, canon)
		if err != nil {
			return nil, fmt.Errorf("eval stories: %s: %w", it.ID, err)
		}
		pred[it.ID] = fmt.Sprint(a.StoryID)
	}
	return pred, nil
}
