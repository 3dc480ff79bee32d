package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/story"
)

// storyStage is the stage_progress key of the story stage.
const storyStage = "story"

// StoryTx runs fn with a story.Tx over one write transaction (BEGIN
// IMMEDIATE: two processes never save on the same generation; the stage
// checks the generation it clustered on before it saves).
func (db *DB) StoryTx(ctx context.Context, fn func(story.Tx) error) error {
	return db.storyTx(ctx, false, fn)
}

// StoryRead runs fn with a story.Tx over a read-only transaction (a
// deferred BEGIN: a WAL snapshot that takes no write lock), where the
// stage reads what a batch needs and clusters it before it writes.
func (db *DB) StoryRead(ctx context.Context, fn func(story.Tx) error) error {
	return db.storyTx(ctx, true, fn)
}

func (db *DB) storyTx(ctx context.Context, readOnly bool, fn func(story.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("story tx: %w", err)
	}
	defer tx.Rollback()
	x := &storyTx{stmtCache: newStmtCache(tx), readOnly: readOnly}
	defer x.close()
	if err := fn(x); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("story tx: %w", err)
	}
	return nil
}

// storyTx implements story.Tx. Statements are prepared once per
// transaction (stmtCache) and lookups bind many ids at once.
type storyTx struct {
	stmtCache      // x.tx is the transaction
	readOnly  bool // StoryRead: Save is refused
}

// storyInChunk is how many ids one IN (...) lookup binds.
const storyInChunk = 500

func (x *storyTx) exec(ctx context.Context, query string, args ...any) error {
	s, err := x.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return err
}

// Generation implements story.Tx.
func (x *storyTx) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := x.tx.QueryRowContext(ctx, `SELECT value FROM story_meta WHERE key = 'generation'`).Scan(&g)
	if err != nil {
		return 0, fmt.Errorf("story generation: %w", err)
	}
	return g, nil
}

// Progress implements story.Tx.
func (x *storyTx) Progress(ctx context.Context) (int64, error) {
	var id int64
	err := x.tx.QueryRowContext(ctx, `SELECT last_article_id FROM stage_progress WHERE stage = ?`, storyStage).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("story progress: %w", err)
	}
	return id, nil
}

// DocFreq implements story.Tx.
func (x *storyTx) DocFreq(ctx context.Context) (*story.DocFreq, int64, error) {
	var counted int64
	var blob []byte
	err := x.tx.QueryRowContext(ctx, `SELECT value, blob FROM story_meta WHERE key = 'docfreq'`).Scan(&counted, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("story doc freq: %w", err)
	}
	df := new(story.DocFreq)
	if err := df.UnmarshalBinary(blob); err != nil {
		return nil, 0, err
	}
	return df, counted, nil
}

// NextStoryID implements story.Tx.
func (x *storyTx) NextStoryID(ctx context.Context) (int64, error) {
	var id int64
	if err := x.tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM stories`).Scan(&id); err != nil {
		return 0, fmt.Errorf("next story id: %w", err)
	}
	return id, nil
}

const storyStateColumns = `id, title, title_article_id, title_sim, first_seen, last_seen, articles, sources, centroid, members, mass, mass_at`

func scanStoryState(r rowScanner) (*story.State, error) {
	var st story.State
	var first, last, massAt int64
	var sources string
	var centroid, members []byte
	if err := r.Scan(&st.ID, &st.Title, &st.TitleID, &st.TitleSim, &first, &last, &st.Size, &sources, &centroid, &members,
		&st.Mass, &massAt); err != nil {
		return nil, err
	}
	if massAt != 0 {
		st.At = time.Unix(massAt, 0).UTC()
	}
	st.First, st.Last, st.Sources = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), strings.Fields(sources)
	v, _, err := story.ReadVector(centroid)
	if err != nil {
		return nil, fmt.Errorf("story %d: %w", st.ID, err)
	}
	st.Centroid = v
	if st.Members, err = decodeMembers(members); err != nil {
		return nil, fmt.Errorf("story %d: %w", st.ID, err)
	}
	return &st, nil
}

func encodeMembers(ms []story.Member) []byte {
	b := binary.AppendUvarint(nil, uint64(len(ms)))
	for _, m := range ms {
		b = binary.AppendVarint(b, m.ID)
		b = binary.AppendVarint(b, m.Published.Unix())
		b = story.AppendVector(b, m.Vec)
	}
	return b
}

func decodeMembers(b []byte) ([]story.Member, error) {
	if len(b) == 0 {
		return nil, nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errors.New("corrupt members")
	}
	b = b[k:]
	out := make([]story.Member, n)
	for i := range out {
		id, k1 := binary.Varint(b)
		if k1 <= 0 {
			return nil, errors.New("corrupt members")
		}
		pub, k2 := binary.Varint(b[k1:])
		if k2 <= 0 {
			return nil, errors.New("corrupt members")
		}
		v, rest, err := story.ReadVector(b[k1+k2:])
		if err != nil {
			return nil, err
		}
		out[i], b = story.Member{ID: id, Published: time.Unix(pub, 0).UTC(), Vec: v}, rest
	}
	return out, nil
}

func (x *storyTx) queryStates(ctx context.Context, query string, args ...any) ([]*story.State, error) {
	s, err := x.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*story.State
	for rows.Next() {
		st, err := scanStoryState(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// StoriesSeen implements story.Tx through the last_seen index.
func (x *storyTx) StoriesSeen(ctx context.Context, from, to time.Time) ([]*story.State, error) {
	out, err := x.queryStates(ctx, `SELECT `+storyStateColumns+` FROM stories WHERE last_seen >= ? AND last_seen < ? ORDER BY id`,
		from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("stories seen: %w", err)
	}
	return out, nil
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// queryPairs runs a query returning (int64, int64) rows for each chunk of ids.
// The query binds the chunk reps times (once per IN list).
func (x *storyTx) queryPairs(ctx context.Context, ids []int64, reps int, query func(n int) string, fn func(a, b int64)) error {
	for start := 0; start < len(ids); start += storyInChunk {
		chunk := ids[start:min(len(ids), start+storyInChunk)]
		s, err := x.stmt(ctx, query(len(chunk)))
		if err != nil {
			return err
		}
		var args []any
		for range reps {
			args = append(args, int64Args(chunk)...)
		}
		rows, err := s.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a, b int64
			if err := rows.Scan(&a, &b); err != nil {
				rows.Close()
				return err
			}
			fn(a, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// CopyStories implements story.Tx: the articles with a canonical article
// or with copies (dedup links), then the stories of their groups' members
// already placed, through the primary key and the canonical_id index.
func (x *storyTx) CopyStories(ctx context.Context, articles []int64) (map[int64]int64, map[int64]int64, error) {
	canon := map[int64]int64{}
	err := x.queryPairs(ctx, articles, 2, func(n int) string {
		in := placeholders(n)
		return `SELECT id, canonical_id FROM articles WHERE id IN (` + in + `) AND canonical_id IS NOT NULL
			UNION SELECT canonical_id, canonical_id FROM articles WHERE canonical_id IN (` + in + `)`
	}, func(a, c int64) { canon[a] = c })
	if err != nil {
		return nil, nil, fmt.Errorf("copy stories: %w", err)
	}
	groups := make([]int64, 0, len(canon))
	for _, g := range canon {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	groupStory := map[int64]int64{}
	err = x.queryPairs(ctx, groups, 2, func(n int) string {
		in := placeholders(n)
		return `SELECT coalesce(canonical_id, id), min(story_id) FROM articles
			WHERE (id IN (` + in + `) OR canonical_id IN (` + in + `)) AND story_id IS NOT NULL GROUP BY 1`
	}, func(g, st int64) { groupStory[g] = st })
	if err != nil {
		return nil, nil, fmt.Errorf("copy stories: %w", err)
	}
	stories := map[int64]int64{}
	for a, g := range canon {
		if st := groupStory[g]; st != 0 {
			stories[a] = st
		}
	}
	return canon, stories, nil
}

// Save implements story.Tx: assignments, merges, stories, progress and
// the document-frequency checkpoint, each with a statement prepared once.
func (x *storyTx) Save(ctx context.Context, ch *story.Changes, progress int64) (int64, error) {
	if x.readOnly {
		return 0, errors.New("story save: in a read-only transaction")
	}
	resolve := func(id int64) int64 {
		for {
			into, ok := ch.Merged[id]
			if !ok {
				return id
			}
			id = into
		}
	}
	for _, a := range ch.Assigned {
		if err := x.exec(ctx, `UPDATE articles SET story_id = ? WHERE id = ?`, resolve(a.StoryID), a.Article); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	from := make([]int64, 0, len(ch.Merged))
	for id := range ch.Merged {
		from = append(from, id)
	}
	slices.Sort(from)
	for _, id := range from {
		if err := x.exec(ctx, `UPDATE articles SET story_id = ? WHERE story_id = ?`, resolve(id), id); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
		if err := x.exec(ctx, `DELETE FROM stories WHERE id = ?`, id); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	for _, st := range ch.Stories {
		if err := x.exec(ctx, `INSERT INTO stories (id, title, title_article_id, title_sim, first_seen, last_seen,
			articles, outlets, sources, centroid, members, mass, mass_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_article_id = excluded.title_article_id,
			title_sim = excluded.title_sim, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
			articles = excluded.articles, outlets = excluded.outlets, sources = excluded.sources,
			centroid = excluded.centroid, members = excluded.members, mass = excluded.mass, mass_at = excluded.mass_at`,
			st.ID, st.Title, st.TitleID, st.TitleSim, st.First.Unix(), st.Last.Unix(), st.Size, len(st.Sources),
			strings.Join(st.Sources, " "), story.AppendVector(nil, st.Centroid), encodeMembers(st.Members),
			st.Mass, unixOrZero(st.At)); err != nil {
			return 0, fmt.Errorf("story save %d: %w", st.ID, err)
		}
	}
	if progress > 0 {
		if _, err := x.tx.ExecContext(ctx, `INSERT INTO stage_progress (stage, last_article_id) VALUES (?, ?)
			ON CONFLICT (stage) DO UPDATE SET last_article_id = max(excluded.last_article_id, stage_progress.last_article_id)`,
			storyStage, progress); err != nil {
			return 0, fmt.Errorf("story progress: %w", err)
		}
	}
	if ch.DocFreq != nil {
		blob, err := ch.DocFreq.MarshalBinary()
		if err != nil {
			return 0, err
		}
		if _, err := x.tx.ExecContext(ctx, `INSERT INTO story_meta (key, value, blob) VALUES ('docfreq', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, blob = excluded.blob`, ch.Counted, blob); err != nil {
			return 0, fmt.Errorf("story doc freq checkpoint: %w", err)
		}
	}
	return bumpStoryGeneration(ctx, x.tx)
}

func bumpStoryGeneration(ctx context.Context, tx *sql.Tx) (int64, error) {
	var g int64
	if err := tx.QueryRowContext(ctx, `UPDATE story_meta SET value = value + 1 WHERE key = 'generation' RETURNING value`).Scan(&g); err != nil {
		return 0, fmt.Errorf("story generation: %w", err)
	}
	return g, nil
}

const storyColumns = `id, title, title_article_id, first_seen, last_seen, articles, outlets, sources`

func scanStory(r rowScanner) (*marsad.Story, error) {
	var s marsad.Story
	var first, last int64
	var sources string
	if err := r.Scan(&s.ID, &s.Title, &s.TitleArticleID, &first, &last, &s.Articles, &s.Outlets, &sources); err != nil {
		return nil, err
	}
	s.FirstSeen, s.LastSeen = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	s.Sources = strings.Fields(sources)
	return &s, nil
}

// FindStoryByID returns one story. ENOTFOUND if there is none.
func (db *DB) FindStoryByID(ctx context.Context, id int64) (*marsad.Story, error) {
	s, err := scanStory(db.db.QueryRowContext(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no story with id %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("find story %d: %w", id, err)
	}
	return s, nil
}

// FindStories returns the stories matching the filter, latest last_seen
// first, and the total count of matches.
func (db *DB) FindStories(ctx context.Context, f marsad.StoryFilter) ([]*marsad.Story, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if !f.From.IsZero() {
		where, args = append(where, "last_seen >= ?"), append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		where, args = append(where, "last_seen < ?"), append(args, f.To.Unix())
	}
	if f.MinArticles > 0 {
		where, args = append(where, "articles >= ?"), append(args, f.MinArticles)
	}
	if f.Source != "" {
		// Through articles_source_published: the outlet's articles, not a
		// scan of every story's source list.
		where = append(where, `id IN (SELECT a.story_id FROM articles a JOIN sources s ON s.id = a.source_id
			WHERE s.key = ? AND a.story_id IS NOT NULL)`)
		args = append(args, f.Source)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM stories WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+storyColumns+` FROM stories WHERE `+cond+
		` ORDER BY last_seen DESC, id LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	defer rows.Close()
	var out []*marsad.Story
	for rows.Next() {
		s, err := scanStory(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find stories: %w", err)
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// ClearStories detaches the articles published in [from, to) from their
// stories, for `marsad stories rebuild`: stories left without members are
// deleted, the others keep their remaining members with counts and times
// recomputed. The generation changes, so running stages reload.
func (db *DB) ClearStories(ctx context.Context, from, to time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	defer tx.Rollback()
	const touched = `(SELECT DISTINCT story_id FROM articles WHERE published >= ? AND published < ? AND story_id IS NOT NULL)`
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS story_clear (id INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	for _, q := range []string{
		`DELETE FROM temp.story_clear`,
		`INSERT INTO temp.story_clear (id) SELECT * FROM ` + touched,
		`UPDATE articles SET story_id = NULL WHERE published >= ? AND published < ? AND story_id IS NOT NULL`,
	} {
		args := []any{from.Unix(), to.Unix()}
		if !strings.Contains(q, "?") {
			args = nil
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("clear stories: %w", err)
		}
	}
	for _, q := range []string{
		`DELETE FROM stories WHERE id IN (SELECT id FROM temp.story_clear)
			AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = stories.id)`,
		`UPDATE stories SET (articles, outlets, first_seen, last_seen, sources) = (
			SELECT count(*), count(DISTINCT a.source_id), min(a.published), max(a.published),
				(SELECT group_concat(key, ' ') FROM (SELECT DISTINCT s.key FROM articles b JOIN sources s ON s.id = b.source_id
					WHERE b.story_id = stories.id ORDER BY s.key))
			FROM articles a WHERE a.story_id = stories.id)
			WHERE id IN (SELECT id FROM temp.story_clear)`,
		`DELETE FROM temp.story_clear`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("clear stories: %w", err)
		}
	}
	if _, err := bumpStoryGeneration(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Compile-time check that the store serves the story stage.
var _ story.Store = (*DB)(nil)
