package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marsad/marsad"
)

// StoryTx implements marsad.StoryStore over one write transaction (BEGIN
// IMMEDIATE: two processes never save on the same generation; the stage
// checks the generation it clustered on before it saves).
func (db *DB) StoryTx(ctx context.Context, fn func(marsad.StoryTx) error) error {
	return db.storyTx(ctx, false, fn)
}

// StoryRead implements marsad.StoryStore over a read-only transaction (a
// deferred BEGIN: a WAL snapshot that takes no write lock), where the
// stage reads what a batch needs and clusters it before it writes.
func (db *DB) StoryRead(ctx context.Context, fn func(marsad.StoryTx) error) error {
	return db.storyTx(ctx, true, fn)
}

func (db *DB) storyTx(ctx context.Context, readOnly bool, fn func(marsad.StoryTx) error) error {
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

// storyTx implements marsad.StoryTx. Statements are prepared once per
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

// Generation implements marsad.StoryTx.
func (x *storyTx) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := x.tx.QueryRowContext(ctx, `SELECT value FROM story_meta WHERE key = 'generation'`).Scan(&g)
	if err != nil {
		return 0, fmt.Errorf("story generation: %w", err)
	}
	return g, nil
}

// Checkpoint implements marsad.StoryTx.
func (x *storyTx) Checkpoint(ctx context.Context, key string) ([]byte, int64, error) {
	var gen int64
	var blob []byte
	err := x.tx.QueryRowContext(ctx, `SELECT value, blob FROM story_meta WHERE key = ?`, key).Scan(&gen, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("story checkpoint %s: %w", key, err)
	}
	return blob, gen, nil
}

// CountedSince implements marsad.StoryTx through the partial index on
// story_gen.
func (x *storyTx) CountedSince(ctx context.Context, gen int64) ([]int64, error) {
	ids, err := queryIDs(ctx, x.tx, `SELECT id FROM articles WHERE story_gen > ? ORDER BY id`, max(gen, 0))
	if err != nil {
		return nil, fmt.Errorf("counted since %d: %w", gen, err)
	}
	return ids, nil
}

// NextStoryID implements marsad.StoryTx: above both the stories stored
// and the highest id ever saved (maxStoryIDKey), so that the id of a
// story merged away or cleared is never given to another one.
func (x *storyTx) NextStoryID(ctx context.Context) (int64, error) {
	id, err := highestStoryID(ctx, x.tx)
	if err != nil {
		return 0, fmt.Errorf("next story id: %w", err)
	}
	return id + 1, nil
}

// maxStoryIDKey is the story_meta row holding the highest story id ever
// saved (in value). Archives from before it have none: their highest
// stored story stands in.
const maxStoryIDKey = "max_story_id"

// highestStoryID returns the highest story id stored or ever saved.
func highestStoryID(ctx context.Context, q execQuerier) (int64, error) {
	var stored, saved int64
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM stories`).Scan(&stored); err != nil {
		return 0, err
	}
	err := q.QueryRowContext(ctx, `SELECT value FROM story_meta WHERE key = ?`, maxStoryIDKey).Scan(&saved)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return max(stored, saved), nil
}

// keepStoryID records id as saved when it is above the highest recorded.
func keepStoryID(ctx context.Context, q execQuerier, id int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO story_meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = CASE WHEN excluded.value > story_meta.value
			THEN excluded.value ELSE story_meta.value END`, maxStoryIDKey, id)
	return err
}

// Owed implements marsad.StoryTx.
func (x *storyTx) Owed(ctx context.Context, stage string, ids []int64) (map[int64]bool, error) {
	m, err := owed(ctx, &x.stmtCache, stage, ids)
	if err != nil {
		return nil, fmt.Errorf("owed %s work: %w", stage, err)
	}
	return m, nil
}

const storyRecordColumns = `id, title, title_article_id, first_seen, last_seen, articles, outlets, sources, coalesce(state, x'')`

func scanStoryRecord(r rowScanner) (*marsad.StoryRecord, error) {
	var st marsad.StoryRecord
	var first, last int64
	var sources string
	if err := r.Scan(&st.ID, &st.Title, &st.TitleArticleID, &first, &last, &st.Articles, &st.Outlets, &sources, &st.State); err != nil {
		return nil, err
	}
	st.FirstSeen, st.LastSeen, st.Sources = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), strings.Fields(sources)
	return &st, nil
}

// StoriesSeen implements marsad.StoryTx through the last_seen index.
func (x *storyTx) StoriesSeen(ctx context.Context, from, to time.Time) ([]*marsad.StoryRecord, error) {
	s, err := x.stmt(ctx, `SELECT `+storyRecordColumns+` FROM stories WHERE last_seen >= ? AND last_seen < ? ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("stories seen: %w", err)
	}
	rows, err := s.QueryContext(ctx, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("stories seen: %w", err)
	}
	defer rows.Close()
	var out []*marsad.StoryRecord
	for rows.Next() {
		st, err := scanStoryRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("stories seen: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
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

// CopyStories implements marsad.StoryTx: the articles with a canonical
// article or with copies (dedup links), then the lowest story of each
// group's placed members. Every lookup is a seek whatever the size of a
// group: the primary key, and articles_canonical_story (canonical_id,
// story_id) for "has copies" and for the lowest story among the copies
// (reading every member of a group made the cost per article grow with
// the copies the archive held).
func (x *storyTx) CopyStories(ctx context.Context, articles []int64) (map[int64]int64, map[int64]int64, error) {
	canon := map[int64]int64{}
	err := x.queryPairs(ctx, articles, 2, func(n int) string {
		in := placeholders(n)
		return `SELECT id, canonical_id FROM articles WHERE id IN (` + in + `) AND canonical_id IS NOT NULL
			UNION SELECT a.id, a.id FROM articles a WHERE a.id IN (` + in + `)
				AND EXISTS (SELECT 1 FROM articles c WHERE c.canonical_id = a.id)`
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
	// A group's placed members are its canonical article (grouped under
	// its own canonical when it has one, as coalesce(canonical_id, id)
	// says) and the articles whose canonical it is.
	groupStory := map[int64]int64{}
	err = x.queryPairs(ctx, groups, 2, func(n int) string {
		in := placeholders(n)
		return `SELECT k, min(s) FROM (
				SELECT coalesce(canonical_id, id) AS k, story_id AS s FROM articles WHERE id IN (` + in + `)
				UNION ALL
				SELECT a.id, (SELECT c.story_id FROM articles c WHERE c.canonical_id = a.id AND c.story_id IS NOT NULL
					ORDER BY c.story_id LIMIT 1) FROM articles a WHERE a.id IN (` + in + `))
			WHERE s IS NOT NULL GROUP BY k`
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

// Save implements marsad.StoryTx: assignments, merges, stories, the
// counted stamps, the completed work and the checkpoint, each with a
// statement prepared once.
func (x *storyTx) Save(ctx context.Context, ch *marsad.StoryChanges) (int64, error) {
	if x.readOnly {
		return 0, marsad.Errorf(marsad.EINVALID, "story save in a read-only transaction")
	}
	if lc, ok := marsad.LeaseCheckOf(ctx); ok {
		// The write transaction holds SQLite's one write lock: no
		// TakeLease can change the holder before it ends.
		var holder string
		err := x.tx.QueryRowContext(ctx, `SELECT holder FROM leases WHERE name = ?`, lc.Name).Scan(&holder)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("story save: lease %s: %w", lc.Name, err)
		}
		if holder != lc.Holder {
			return 0, marsad.Errorf(marsad.ECONFLICT, "story save: lease %s is not %s's (held by %q)", lc.Name, lc.Holder, holder)
		}
	}
	gen, err := bumpStoryGeneration(ctx, x.tx)
	if err != nil {
		return 0, err
	}
	ids := make([]int64, 0, len(ch.Assigned))
	for a := range ch.Assigned {
		ids = append(ids, a)
	}
	slices.Sort(ids)
	// An article row holds its body: each placed article is rewritten
	// once, with its story and (when this batch counted it) the stamp.
	counted := make(map[int64]bool, len(ch.Counted))
	for _, a := range ch.Counted {
		counted[a] = true
	}
	for _, a := range ids {
		if err := x.exec(ctx, `UPDATE articles SET story_id = ?, story_gen = CASE WHEN ? THEN ? ELSE story_gen END WHERE id = ?`,
			ch.Assigned[a], counted[a], gen, a); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
		delete(counted, a)
	}
	for a := range counted { // counted but not assigned: not made by the stage, kept for the contract
		if err := x.exec(ctx, `UPDATE articles SET story_gen = ? WHERE id = ?`, gen, a); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	from := make([]int64, 0, len(ch.Merged))
	for id := range ch.Merged {
		from = append(from, id)
	}
	slices.Sort(from)
	for _, id := range from {
		if err := x.exec(ctx, `UPDATE articles SET story_id = ? WHERE story_id = ?`, ch.Merged[id], id); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
		if err := x.exec(ctx, `DELETE FROM stories WHERE id = ?`, id); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	top := int64(0)
	for from, to := range ch.Merged {
		top = max(top, from, to)
	}
	for _, st := range ch.Stories {
		top = max(top, st.ID)
	}
	if top > 0 {
		if err := keepStoryID(ctx, x.tx, top); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	for _, st := range ch.Stories {
		if err := x.exec(ctx, `INSERT INTO stories (id, title, title_article_id, first_seen, last_seen,
			articles, outlets, sources, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_article_id = excluded.title_article_id,
			first_seen = excluded.first_seen, last_seen = excluded.last_seen,
			articles = excluded.articles, outlets = excluded.outlets, sources = excluded.sources,
			state = excluded.state`,
			st.ID, st.Title, st.TitleArticleID, st.FirstSeen.Unix(), st.LastSeen.Unix(), st.Articles, len(st.Sources),
			strings.Join(st.Sources, " "), st.State); err != nil {
			return 0, fmt.Errorf("story save %d: %w", st.ID, err)
		}
	}
	if err := completeWork(ctx, &x.stmtCache, ch.Stage, ch.Done); err != nil {
		return 0, err
	}
	if ch.CheckpointKey != "" {
		if _, err := x.tx.ExecContext(ctx, `INSERT INTO story_meta (key, value, blob) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, blob = excluded.blob`, ch.CheckpointKey, gen, ch.Checkpoint); err != nil {
			return 0, fmt.Errorf("story checkpoint: %w", err)
		}
	}
	return gen, nil
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
	rows, err := db.db.QueryContext(ctx, `SELECT `+storyColumns+` FROM stories WHERE `+cond+
		` ORDER BY last_seen DESC, id`+limitOffset(f.Limit, f.Offset), args...)
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

// ClearStories implements marsad.StoryStore. The touched stories' source
// lists are rebuilt in Go from their remaining members (no string
// aggregate: its name and syntax differ between databases).
func (db *DB) ClearStories(ctx context.Context, from, to time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	defer tx.Rollback()
	// The stories about to lose members may be deleted: their ids stay
	// taken (NextStoryID).
	top, err := highestStoryID(ctx, tx)
	if err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	if top > 0 {
		if err := keepStoryID(ctx, tx, top); err != nil {
			return fmt.Errorf("clear stories: %w", err)
		}
	}
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
		`UPDATE stories SET (articles, outlets, first_seen, last_seen) = (
			SELECT count(*), count(DISTINCT a.source_id), min(a.published), max(a.published)
			FROM articles a WHERE a.story_id = stories.id)
			WHERE id IN (SELECT id FROM temp.story_clear)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("clear stories: %w", err)
		}
	}
	sources, err := clearedStorySources(ctx, tx)
	if err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	ids := make([]int64, 0, len(sources))
	for id := range sources {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE stories SET sources = ? WHERE id = ?`, strings.Join(sources[id], " "), id); err != nil {
			return fmt.Errorf("clear stories: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM temp.story_clear`); err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	if _, err := bumpStoryGeneration(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// clearedStorySources returns the sorted outlet keys of the remaining
// members of each story listed in temp.story_clear that still exists.
func clearedStorySources(ctx context.Context, tx *sql.Tx) (map[int64][]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT a.story_id, s.key FROM articles a JOIN sources s ON s.id = a.source_id
		WHERE a.story_id IN (SELECT id FROM temp.story_clear) ORDER BY a.story_id, s.key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[id] = append(out[id], key)
	}
	return out, rows.Err()
}
