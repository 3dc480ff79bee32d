package marsad

import (
	"context"
	"time"
)

// Story is one real-world event as reported by one or more outlets: what the
// home page shows once, with every outlet that covered it.
type Story struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`            // representative headline (display text)
	TitleArticleID int64     `json:"title_article_id"` // the article the title comes from
	FirstSeen      time.Time `json:"first_seen"`       // earliest published member
	LastSeen       time.Time `json:"last_seen"`        // latest published member
	Articles       int       `json:"articles"`         // member articles
	Outlets        int       `json:"outlets"`          // distinct sources among members
	Sources        []string  `json:"sources"`          // keys of those sources, sorted
}

// StoryFilter selects stories. Zero fields select everything.
type StoryFilter struct {
	From, To    time.Time // stories whose last_seen is in [From, To)
	MinArticles int       // at least this many articles
	Source      string    // only stories with an article of this source (key)
	Offset      int
	Limit       int
}

// StoryService reads stories and duplicate links. The pipeline's dedup and
// story stages write them.
type StoryService interface {
	// FindStoryByID returns one story. ENOTFOUND if there is none.
	FindStoryByID(ctx context.Context, id int64) (*Story, error)
	// FindStories returns the stories matching the filter, latest last_seen
	// first (then id), and the total count of matches (ignoring Offset and
	// Limit).
	FindStories(ctx context.Context, f StoryFilter) ([]*Story, int, error)
	// FindCopies returns the other members of an article's copy group (its
	// canonical article and the canonical's other copies), oldest first, for
	// "also published by". Empty when the article has no copies; ENOTFOUND
	// when the article does not exist.
	FindCopies(ctx context.Context, articleID int64) ([]*Article, error)
}

// StoryRecord is a story as the story stage stores it: the display fields
// every reader uses, plus the clusterer's own state (centroid, members,
// decayed mass …) in its own encoding, which the store keeps as a blob.
type StoryRecord struct {
	Story
	Sources []string // outlet keys of the members, sorted
	State   []byte
}

// StoryChanges are what one batch of the story stage changed, written in
// one transaction. Merges are already resolved by the clusterer: every
// story id in Assigned and Merged is the final one.
type StoryChanges struct {
	Stage    string          // the stage whose work Done completes
	Assigned map[int64]int64 // article → story
	// Merged maps a story merged away to the story that took its articles;
	// the merged story is deleted.
	Merged  map[int64]int64
	Stories []*StoryRecord // created or updated stories
	// Counted are the articles newly counted into the stage's corpus
	// statistics by this batch: the store stamps them with the new
	// generation, so a reload recounts exactly those after a checkpoint.
	Counted []int64
	// Done are the articles whose story work this batch completes.
	Done []int64
	// Checkpoint, when set, is saved under CheckpointKey with the new
	// generation, replacing the previous one.
	CheckpointKey string
	Checkpoint    []byte
}

// StoryTx is one story-stage transaction (read snapshot or write).
type StoryTx interface {
	// Generation is a number every story write changes: a stage whose
	// model was built at another generation reloads it.
	Generation(ctx context.Context) (int64, error)
	// Checkpoint returns the blob saved under key and the generation it
	// was saved at (nil, 0 when there is none).
	Checkpoint(ctx context.Context, key string) ([]byte, int64, error)
	// CountedSince returns the ids of the articles counted at a generation
	// after gen, ascending (what a checkpoint taken at gen does not hold).
	CountedSince(ctx context.Context, gen int64) ([]int64, error)
	// NextStoryID is one more than the highest story id ever stored.
	NextStoryID(ctx context.Context) (int64, error)
	// StoriesSeen returns the stories with last_seen in [from, to), by id.
	StoriesSeen(ctx context.Context, from, to time.Time) ([]*StoryRecord, error)
	// CopyStories maps each of articles that belongs to a copy group (dedup
	// canonical_id links) to the group's canonical article and to the story
	// of a member of the group already placed (0 if none).
	CopyStories(ctx context.Context, articles []int64) (canonical, story map[int64]int64, err error)
	// Owed returns which of ids stage still owes.
	Owed(ctx context.Context, stage string, ids []int64) (map[int64]bool, error)
	// Save writes a batch's changes, completes its work and changes the
	// generation, returning the new one. EINVALID in a read transaction.
	// When ctx carries a LeaseCheck (WithLeaseCheck), ECONFLICT and
	// nothing written unless its holder holds the lease; the lease then
	// cannot change hands before the transaction ends.
	Save(ctx context.Context, ch *StoryChanges) (int64, error)
}

// StoryStore runs the story stage's transactions.
type StoryStore interface {
	// StoryTx runs fn in one write transaction: nothing else writes
	// stories while it runs.
	StoryTx(ctx context.Context, fn func(StoryTx) error) error
	// StoryRead runs fn in a read-only transaction: a consistent snapshot
	// that blocks no writer (Save fails in it).
	StoryRead(ctx context.Context, fn func(StoryTx) error) error
	// ClearStories detaches the articles published in [from, to) from
	// their stories, for a rebuild: stories left without members are
	// deleted, the others keep their remaining members with counts and
	// times recomputed. The generation changes, so running stages reload.
	ClearStories(ctx context.Context, from, to time.Time) error
}
