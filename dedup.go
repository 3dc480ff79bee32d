package marsad

import (
	"context"
	"time"
)

// DedupEntry is what the near-duplicate index keeps for one compared
// article. Sketch is the detector's own encoding of the article's shingle
// set; the store keeps it as a blob.
type DedupEntry struct {
	ID          int64
	Source      string // outlet key
	Published   time.Time
	Sketch      []byte
	CanonicalID int64 // 0 when the article is canonical itself
}

// DedupPosting says that article ID holds LSH band key Key.
type DedupPosting struct{ Key, ID int64 }

// DedupIndex is the near-duplicate index inside one write transaction.
// Every method takes a whole batch, so that a store answers it with a few
// statements instead of one per article.
type DedupIndex interface {
	// Indexed returns which of ids are indexed already.
	Indexed(ctx context.Context, ids []int64) (map[int64]bool, error)
	// Postings returns the indexed articles holding any of keys.
	Postings(ctx context.Context, keys []int64) ([]DedupPosting, error)
	// Entries returns the indexed entries among ids (unknown ids are left out).
	Entries(ctx context.Context, ids []int64) ([]DedupEntry, error)
	// Put stores new entries, keys[i] being the band keys of entries[i],
	// and links each copy (CanonicalID ≠ 0) to its canonical article. An
	// entry whose ID is already indexed is left as it is.
	Put(ctx context.Context, entries []DedupEntry, keys [][]int64) error
	// Relink points the group of oldCanonical (its copies and itself) to
	// newCanonical, which becomes canonical itself.
	Relink(ctx context.Context, oldCanonical, newCanonical int64) error
}

// DedupStore persists the near-duplicate stage's index.
type DedupStore interface {
	// DedupBatch runs fn over one write transaction and, in the same
	// transaction, marks the articles of done as processed by stage: the
	// links and the stage's work are committed together or not at all.
	DedupBatch(ctx context.Context, stage string, done []int64, fn func(DedupIndex) error) error
	// ResetDedup forgets every near-duplicate link and sketch and makes
	// stage owe every article again (after an analyzer change the stored
	// sketches no longer compare with new ones).
	ResetDedup(ctx context.Context, stage string) error
}
