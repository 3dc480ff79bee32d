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
// URL get the story of the stored copy). An item the pipeline rejects (no
// title and no body, say) is its own story, "rejected:ID", so that a
// score still counts it; rejected says how many there were.
func StoriesThroughPipeline(ctx context.Context, dir string, items []NewsItem, p story.Params, batchSize int) (pred map[string]string, rejected int, err error) {
	db, err := sqlite.Open(ctx, filepath.Join(dir, "eval-stories.db"))
	if err != nil {
		return nil, 0, err
	}
	defer db.Close()
	an := analyzer.New()
	pl := pipeline.New(db, an, pipeline.WithStages(ingest.Stages(db, an, p)...))
	for start := 0; start < len(items); start += batchSize {
		var raws []*marsad.RawArticle
		for _, it := range items[start:min(len(items), start+batchSize)] {
			raws = append(raws, it.Raw())
		}
		if _, err := pl.Ingest(ctx, raws); err != nil {
			return nil, 0, fmt.Errorf("eval stories import: %w", err)
		}
	}
	pred = map[string]string{}
	for _, it := range items {
		var a *marsad.Article
		canon, err := dedup.CanonicalURL(it.URL)
		if err == nil {
			a, err = db.FindArticleByURL(ctx, canon)
		}
		switch {
		case a == nil && (canon == "" || marsad.ErrorCode(err) == marsad.ENOTFOUND):
			// The pipeline counted it and went on (an unusable URL, no
			// title and no body).
			pred[it.ID] = "rejected:" + it.ID
			rejected++
		case err != nil:
			return nil, 0, fmt.Errorf("eval stories: %s: %w", it.ID, err)
		default:
			pred[it.ID] = fmt.Sprint(a.StoryID)
		}
	}
	return pred, rejected, nil
}
