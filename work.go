package marsad

import (
	"context"
	"time"
)

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
	// ReadyWork returns up to limit ids of articles stage owes and no
	// stage registered before it still owes (the story stage waits for an
	// article's copy links), in the order of their published time, then
	// URL (byte order), then id: an order every process computes alike
	// from the articles alone, whatever process saved them and whatever
	// ids they got. Empty when nothing is ready. EINVALID for an empty
	// stage name.
	ReadyWork(ctx context.Context, stage string, limit int) ([]int64, error)
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

// LeaseService hands out named leases: a lease has at most one holder at
// a time, until an expiry the holder pushes back by taking it again
// (renewing) while it works. A holder that dies without releasing loses
// the lease when it expires, and nothing else. Times come from the
// callers (as ClaimDueFeeds' do): processes sharing a store must agree on
// the time to well within a lease's length.
type LeaseService interface {
	// TakeLease makes holder the holder of lease name until now+ttl when
	// the lease has no holder, has expired (its expiry at or before now),
	// or is already holder's (a renewal), and reports whether holder holds
	// it after the call. Two callers at once never both get true for a
	// lease that another does not hold or has not let expire. EINVALID for
	// an empty name or holder or a ttl ≤ 0.
	TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease ends holder's lease on name at once; nothing happens
	// when another holder holds it (or nobody does). EINVALID for an empty
	// name or holder.
	ReleaseLease(ctx context.Context, name, holder string) error
	// Leases returns the leases unexpired at now, by name.
	Leases(ctx context.Context, now time.Time) ([]Lease, error)
}

// LeaseCheck names the lease a stage's write must still belong to: a
// holder paused past its lease's end (a stopped process, a long swap) may
// wake up in the middle of a batch after another process took the stage
// over, and must then write nothing.
type LeaseCheck struct {
	Name, Holder string
}

// leaseCheckKey is the context key of a LeaseCheck.
type leaseCheckKey struct{}

// WithLeaseCheck returns ctx carrying lc, for the store writes that honour
// it (StoryTx.Save).
func WithLeaseCheck(ctx context.Context, lc LeaseCheck) context.Context {
	return context.WithValue(ctx, leaseCheckKey{}, lc)
}

// LeaseCheckOf returns the LeaseCheck ctx carries, if any.
func LeaseCheckOf(ctx context.Context) (LeaseCheck, bool) {
	lc, ok := ctx.Value(leaseCheckKey{}).(LeaseCheck)
	return lc, ok
}

// Lease is a named lease's holder and expiry.
type Lease struct {
	Name   string    `json:"name"`
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
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
