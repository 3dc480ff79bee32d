package pipeline

import (
	"context"

	"github.com/marsad/marsad"
)

// Item is one article travelling through the pipeline, with what the
// analyze step computed for it. Later stages read the terms instead of
// analyzing the text again.
type Item struct {
	Raw     *marsad.RawArticle
	Article *marsad.Article // stored form; Article.ID is set once saved
	// Analyzed terms (stopwords removed, stemmed), in text order.
	TitleTerms []string
	BodyTerms  []string
	// Inserted is true when the store did not hold the URL before.
	Inserted bool
	// Prepared holds what stages computed in PrepareItem, by stage name.
	Prepared map[string]any
}

// Preparer is implemented by stages that can do part of their work before
// the batch is saved: PrepareItem runs in the pipeline's parallel prepare
// workers, right after analysis, so CPU work that needs no store (MinHash
// signatures, term vectors) leaves the serial save-and-stage path. It must
// only touch its own item (and may store its result in
// it.Prepared[stage.Name()]); it is called for items that may turn out to
// be already stored.
type Preparer interface {
	PrepareItem(it *Item)
}

// Stage is a step that runs after articles are saved, on the newly inserted
// items of a batch, in published order (dedup, story clustering, tagging).
//
// A stage must be idempotent and must be able to catch up: a process killed
// between saving a batch and running the stages leaves articles the stage
// has not seen, and CatchUp (called by the pipeline before each run) must
// find and process them from the store.
type Stage interface {
	// Name is a short name for logs and errors ("dedup", "story").
	Name() string
	// Process handles the newly inserted items of one saved batch.
	Process(ctx context.Context, items []*Item) error
	// CatchUp processes stored articles that this stage has not handled yet.
	CatchUp(ctx context.Context) error
}
