package pipeline

import (
	"context"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
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
	// The tokens the terms come from, for the preparers (PrepareItem) only:
	// analysis is done once for all stages. The pipeline drops them once
	// the preparers have run.
	TitleTokens, BodyTokens []analyzer.Token
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
// be already stored. The item's tokens (TitleTokens, BodyTokens) are set
// while it runs.
type Preparer interface {
	PrepareItem(it *Item)
}

// Stage is a step that runs after articles are saved, on the newly inserted
// items of a batch, in published order (dedup, story clustering, tagging).
//
// Process must complete the stage's owed work for the items (the store's
// work ledger, under the stage's Name) in the same transaction as its
// result, and must skip an item whose work is no longer owed (another
// process did it): the pipeline hands a stage what it owes — new batches,
// and after a failure, a crash or a restart the owed articles read back
// from the store — and relies on that to do each article exactly once.
type Stage interface {
	// Name is a short name for logs, errors and the work ledger ("dedup",
	// "story").
	Name() string
	// Process handles owed items, in published order.
	Process(ctx context.Context, items []*Item) error
}
