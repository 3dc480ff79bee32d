package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

// StoryTx implements marsad.StoryStore over one write transaction that
// holds the story lock (an advisory lock) from its first statement: as
// with SQLite's BEGIN IMMEDIATE, two processes never save on the same
// generation, and the stage checks the generation it clustered on before
// it saves.
func (db *DB) StoryTx(ctx context.Context, fn func(marsad.StoryTx) error) error {
	err := db.inTxOnce(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if err := db.lock(ctx, tx, lockStory); err != nil {
			return err
		}
		return fn(&storyTx{tx: tx})
	})
	if err != nil {
		return fmt.Errorf("story tx: %w", err)
	}
	return nil
}

// StoryRead implements marsad.StoryStore over a read-only REPEATABLE READ
// transaction: one snapshot for every read, taking no lock that a writer
// waits for.
func (db *DB) StoryRead(ctx context.Context, fn func(marsad.StoryTx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := db.inTxOnce(ctx, opts, func(tx pgx.Tx) error {
		return fn(&storyTx{tx: tx, readOnly: true})
	})
	if err != nil {
		return fmt.Errorf("story read: %w", err)
	}
	return nil
}

// storyTx implements marsad.StoryTx: every lookup and write is one
// statement over arrays of ids.
type storyTx struct {
	tx       pgx.Tx
	readOnly bool // StoryRead: Save is refused
}

// Generation implements marsad.StoryTx.
func (x *storyTx) Generation(ctx context.Context) (int64, error) {
	var g int64
	if err := x.tx.QueryRow(ctx, `SELECT value FROM story_meta WHERE key = 'generation'`).Scan(&g); err != nil {
		return 0, fmt.Errorf("story generation: %w", err)
	}
	return g, nil
}

// Checkpoint implements marsad.StoryTx.
func (x *storyTx) Checkpoint(ctx context.Context, key string) ([]byte, int64, error) {
	var gen int64
	var blob []byte
	err := x.tx.QueryRow(ctx, `SELECT value, blob FROM story_meta WHERE key = $1`, key).Scan(&gen, &blob)
	if errNoRows(err) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, fmt.Errorf("story checkpoint %s: %w", key, err)
	}
	return blob, gen, nil
}

// CountedSince implements marsad.StoryTx through the partial index on
// story_gen.
func (x *storyTx) CountedSince(ctx context.Context, gen int64) ([]int64, error) {
	rows, err := x.tx.Query(ctx, `SELECT id FROM articles WHERE story_gen > $1 ORDER BY id`, max(gen, 0))
	if err != nil {
		return nil, fmt.Errorf("counted since %d: %w", gen, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
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
// saved (in value), as in store/sqlite.
const maxStoryIDKey = "max_story_id"

// highestStoryID returns the highest story id stored or ever saved.
func highestStoryID(ctx context.Context, q querier) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT greatest((SELECT coalesce(max(id), 0) FROM stories),
		(SELECT coalesce(max(value), 0) FROM story_meta WHERE key = $1))`, maxStoryIDKey).Scan(&id)
	return id, err
}

// keepStoryID records id as saved when it is above the highest recorded.
func keepStoryID(ctx context.Context, q querier, id int64) error {
	_, err := q.Exec(ctx, `INSERT INTO story_meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = greatest(story_meta.value, excluded.value)`, maxStoryIDKey, id)
	return err
}

// Owed implements marsad.StoryTx.
func (x *storyTx) Owed(ctx context.Context, stage string, ids []int64) (map[int64]bool, error) {
	m, err := owed(ctx, x.tx, stage, ids)
	if err != nil {
		return nil, fmt.Errorf("owed %s work: %w", stage, err)
	}
	return m, nil
}

const storyRecordColumns = `id, title, title_article_id, first_seen, last_seen, articles, outlets, sources, coalesce(state, ''::bytea)`

// StoriesSeen implements marsad.StoryTx through the last_seen index.
func (x *storyTx) StoriesSeen(ctx context.Context, from, to time.Time) ([]*marsad.StoryRecord, error) {
	rows, err := x.tx.Query(ctx, `SELECT `+storyRecordColumns+` FROM stories
		WHERE last_seen >= $1 AND last_seen < $2 ORDER BY id`, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("stories seen: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*marsad.StoryRecord, error) {
		var st marsad.StoryRecord
		var first, last int64
		var sources string
		if err := r.Scan(&st.ID, &st.Title, &st.TitleArticleID, &first, &last, &st.Articles, &st.Outlets, &sources, &st.State); err != nil {
			return nil, err
		}
		st.FirstSeen, st.LastSeen, st.Sources = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), strings.Fields(sources)
		return &st, nil
	})
	if err != nil {
		return nil, fmt.Errorf("stories seen: %w", err)
	}
	return out, nil
}

// CopyStories implements marsad.StoryTx: the articles with a canonical
// article or with copies (dedup links), then the lowest story of each
// group's placed members. Every lookup is a seek whatever the size of a
// group, through the primary key and articles_canonical_story
// (canonical_id, story_id), as in store/sqlite.
func (x *storyTx) CopyStories(ctx context.Context, articles []int64) (map[int64]int64, map[int64]int64, error) {
	canon := map[int64]int64{}
	rows, err := x.tx.Query(ctx, `SELECT id, canonical_id FROM articles WHERE id = ANY($1) AND canonical_id IS NOT NULL
		UNION SELECT a.id, a.id FROM articles a WHERE a.id = ANY($1)
			AND EXISTS (SELECT 1 FROM articles c WHERE c.canonical_id = a.id)`, articles)
	if err != nil {
		return nil, nil, fmt.Errorf("copy stories: %w", err)
	}
	var a, c int64
	if _, err := pgx.ForEachRow(rows, []any{&a, &c}, func() error { canon[a] = c; return nil }); err != nil {
		return nil, nil, fmt.Errorf("copy stories: %w", err)
	}
	groups := make([]int64, 0, len(canon))
	for _, g := range canon {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	groupStory := map[int64]int64{}
	if len(groups) > 0 {
		// A group's placed members are its canonical article (grouped
		// under its own canonical when it has one) and the articles whose
		// canonical it is.
		rows, err = x.tx.Query(ctx, `SELECT k, min(s) FROM (
				SELECT coalesce(canonical_id, id) AS k, story_id AS s FROM articles WHERE id = ANY($1)
				UNION ALL
				SELECT a.id, (SELECT c.story_id FROM articles c WHERE c.canonical_id = a.id AND c.story_id IS NOT NULL
					ORDER BY c.story_id LIMIT 1) FROM articles a WHERE a.id = ANY($1)) g
			WHERE s IS NOT NULL GROUP BY k`, groups)
		if err != nil {
			return nil, nil, fmt.Errorf("copy stories: %w", err)
		}
		var g, st int64
		if _, err := pgx.ForEachRow(rows, []any{&g, &st}, func() error { groupStory[g] = st; return nil }); err != nil {
			return nil, nil, fmt.Errorf("copy stories: %w", err)
		}
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
// counted stamps, the completed work and the checkpoint, each one
// statement over arrays.
func (x *storyTx) Save(ctx context.Context, ch *marsad.StoryChanges) (int64, error) {
	if x.readOnly {
		return 0, marsad.Errorf(marsad.EINVALID, "story save in a read-only transaction")
	}
	if lc, ok := marsad.LeaseCheckOf(ctx); ok {
		// FOR SHARE: a TakeLease by another holder waits for this
		// transaction, so the lease cannot pass on while the save runs.
		var holder string
		err := x.tx.QueryRow(ctx, `SELECT holder FROM leases WHERE name = $1 FOR SHARE`, lc.Name).Scan(&holder)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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
	if len(ch.Assigned) > 0 || len(ch.Counted) > 0 {
		ids, sts := sortedPairs(ch.Assigned)
		// One update per article for its story and its counted stamp: a
		// changed story_id or story_gen rewrites the row and every index
		// entry of it (no HOT update for indexed columns), so it is done once.
		counted := ch.Counted
		if counted == nil {
			counted = []int64{}
		}
		if _, err := x.tx.Exec(ctx, `UPDATE articles a SET story_id = coalesce(c.story, a.story_id),
				story_gen = CASE WHEN c.counted THEN $3 ELSE a.story_gen END
			FROM (SELECT coalesce(x.id, y.id) AS id, x.story, y.id IS NOT NULL AS counted
				FROM unnest($1::bigint[], $2::bigint[]) AS x (id, story)
				FULL JOIN (SELECT DISTINCT id FROM unnest($4::bigint[]) AS u (id)) y ON y.id = x.id) c
			WHERE a.id = c.id`, ids, sts, gen, counted); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	if len(ch.Merged) > 0 {
		from, to := sortedPairs(ch.Merged)
		// Merge targets are final (never merged away themselves), so one
		// statement moves every member.
		if _, err := x.tx.Exec(ctx, `UPDATE articles a SET story_id = m.target FROM unnest($1::bigint[], $2::bigint[]) AS m (source, target)
			WHERE a.story_id = m.source`, from, to); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
		if _, err := x.tx.Exec(ctx, `DELETE FROM stories WHERE id = ANY($1)`, from); err != nil {
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
	if n := len(ch.Stories); n > 0 {
		ids, titles, titleIDs := make([]int64, n), make([]string, n), make([]int64, n)
		firsts, lasts, counts, outlets := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		sources, states := make([]string, n), make([][]byte, n)
		for i, st := range ch.Stories {
			ids[i], titles[i], titleIDs[i] = st.ID, st.Title, st.TitleArticleID
			firsts[i], lasts[i], counts[i], outlets[i] = st.FirstSeen.Unix(), st.LastSeen.Unix(), int64(st.Articles), int64(len(st.Sources))
			sources[i], states[i] = strings.Join(st.Sources, " "), st.State
		}
		if _, err := x.tx.Exec(ctx, `INSERT INTO stories (id, title, title_article_id, first_seen, last_seen,
			articles, outlets, sources, state)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
				$6::bigint[], $7::bigint[], $8::text[], $9::bytea[])
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_article_id = excluded.title_article_id,
				first_seen = excluded.first_seen, last_seen = excluded.last_seen,
				articles = excluded.articles, outlets = excluded.outlets, sources = excluded.sources,
				state = excluded.state`,
			ids, titles, titleIDs, firsts, lasts, counts, outlets, sources, states); err != nil {
			return 0, fmt.Errorf("story save: %w", err)
		}
	}
	if err := completeWork(ctx, x.tx, ch.Stage, ch.Done); err != nil {
		return 0, err
	}
	if ch.CheckpointKey != "" {
		if _, err := x.tx.Exec(ctx, `INSERT INTO story_meta (key, value, blob) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, blob = excluded.blob`, ch.CheckpointKey, gen, ch.Checkpoint); err != nil {
			return 0, fmt.Errorf("story checkpoint: %w", err)
		}
	}
	return gen, nil
}

// sortedPairs returns the keys of m in order and their values, as the
// two arrays a statement unnests.
func sortedPairs(m map[int64]int64) (keys, values []int64) {
	keys = slices.Sorted(maps.Keys(m))
	values = make([]int64, len(keys))
	for i, k := range keys {
		values[i] = m[k]
	}
	return keys, values
}

func bumpStoryGeneration(ctx context.Context, tx pgx.Tx) (int64, error) {
	var g int64
	if err := tx.QueryRow(ctx, `UPDATE story_meta SET value = value + 1 WHERE key = 'generation' RETURNING value`).Scan(&g); err != nil {
		return 0, fmt.Errorf("story generation: %w", err)
	}
	return g, nil
}

const storyColumns = `id, title, title_article_id, first_seen, last_seen, articles, outlets, sources`

func scanStory(r pgx.Row) (*marsad.Story, error) {
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
	s, err := scanStory(db.pool.QueryRow(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = $1`, id))
	if errNoRows(err) {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no story with id %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("find story %d: %w", id, err)
	}
	return s, nil
}

// FindStories returns the stories matching the filter, latest last_seen
// first, and the total count of matches.
func (db *DB) FindStories(ctx context.Context, f marsad.StoryFilter) ([]*marsad.Story, int, error) {
	var a args
	where := []string{"true"}
	if !f.From.IsZero() {
		where = append(where, "last_seen >= "+a.add(f.From.Unix()))
	}
	if !f.To.IsZero() {
		where = append(where, "last_seen < "+a.add(f.To.Unix()))
	}
	if f.MinArticles > 0 {
		where = append(where, "articles >= "+a.add(f.MinArticles))
	}
	if f.Source != "" {
		// Through articles_source_published: the outlet's articles, not a
		// scan of every story's source list.
		where = append(where, `id IN (SELECT a.story_id FROM articles a JOIN sources s ON s.id = a.source_id
			WHERE s.key = `+a.add(f.Source)+` AND a.story_id IS NOT NULL)`)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM stories WHERE `+cond, a...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	var limit any
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := db.pool.Query(ctx, `SELECT `+storyColumns+` FROM stories WHERE `+cond+
		` ORDER BY last_seen DESC, id LIMIT `+a.add(limit)+` OFFSET `+a.add(max(f.Offset, 0)), a...)
	if err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*marsad.Story, error) { return scanStory(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	return out, total, nil
}

// ClearStories implements marsad.StoryStore under the story lock.
func (db *DB) ClearStories(ctx context.Context, from, to time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := db.lock(ctx, tx, lockStory); err != nil {
			return err
		}
		// The stories about to lose members may be deleted: their ids
		// stay taken (NextStoryID).
		top, err := highestStoryID(ctx, tx)
		if err != nil {
			return err
		}
		if top > 0 {
			if err := keepStoryID(ctx, tx, top); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT story_id FROM articles
			WHERE published >= $1 AND published < $2 AND story_id IS NOT NULL`, from.Unix(), to.Unix())
		if err != nil {
			return err
		}
		touched, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE articles SET story_id = NULL WHERE published >= $1 AND published < $2 AND story_id IS NOT NULL`,
				[]any{from.Unix(), to.Unix()}},
			{`DELETE FROM stories st WHERE st.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = st.id)`,
				[]any{touched}},
			{`UPDATE stories st SET articles = c.n, outlets = c.outlets, first_seen = c.first, last_seen = c.last, sources = c.sources
				FROM (SELECT a.story_id, count(*) AS n, count(DISTINCT a.source_id) AS outlets,
					min(a.published) AS first, max(a.published) AS last,
					string_agg(DISTINCT s.key, ' ' ORDER BY s.key) AS sources
					FROM articles a JOIN sources s ON s.id = a.source_id
					WHERE a.story_id = ANY($1) GROUP BY a.story_id) c
				WHERE st.id = c.story_id`, []any{touched}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		_, err = bumpStoryGeneration(ctx, tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	return nil
}
