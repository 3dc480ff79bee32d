package marsad

import "context"

// WorkService records the work the pipeline's stages still owe: every
// article saved is owed to every registered stage until that stage has
// processed it, and a stage marks an article done in the same transaction
// as its result (see DedupStore.DedupBatch and StoryTx.Save), so a crash,
// a failed step or another process writing at the same time can neither
// skip an article nor do it twice.
type WorkService interface {
	// RegisterStages declares the pipeline's stages. A stage new to the
	// store owes every article already stored (a stage added to an
	// existing archive processes it all); a known stage is left as it is.
	// EINVALID for an empty name.
	RegisterStages(ctx context.Context, stages []string) error
	// OwedArticles returns up to limit ids of articles stage still owes,
	// ascending, above after. Empty when it owes nothing.
	OwedArticles(ctx context.Context, stage string, after int64, limit int) ([]int64, error)
	// OwedCounts returns, for every registered stage, how many articles it
	// still owes (0 included).
	OwedCounts(ctx context.Context) (map[string]int, error)
	// CompleteWork marks ids as processed by stage, for a stage that
	// writes no result of its own in the store (ids not owed are ignored).
	CompleteWork(ctx context.Context, stage string, ids []int64) error
	// OweAgain makes stage owe every stored article again, as after an
	// analyzer change (reindex) when its stored results are dropped.
	OweAgain(ctx context.Context, stage string) error
}

// MetaService keeps store-wide facts such as the analyzer version the
// search index was built with.
type MetaService interface {
	// Meta returns the value stored under key, "" when there is none.
	Meta(ctx context.Context, key string) (string, error)
	// SetMeta stores value under key.
	SetMeta(ctx context.Context, key, value string) error
}

// IndexService maintains the search index of analyzed terms.
type IndexService interface {
	// ReindexArticles rewrites the index terms and content hashes of
	// stored articles (ArticleInput.Article.ID set), for an analyzer
	// change. ENOTFOUND is not reported: unknown ids are ignored.
	ReindexArticles(ctx context.Context, batch []*ArticleInput) error
	// OptimizeIndex compacts the search index after a large import.
	OptimizeIndex(ctx context.Context) error
}
