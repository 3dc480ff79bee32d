package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/internal/tagbatch"
)

// SaveTags implements marsad.TagStore.
//
// The batch is written with as few statements as its content allows: a
// tag is looked up (not upserted, which rewrites its row) once per batch,
// the forms of a batch are counted in memory and added once per (tag,
// form), and a tag's display is recomputed only when a form other than
// the one it shows was counted (counting the shown form cannot dethrone it).
func (db *DB) SaveTags(ctx context.Context, stage string, batch []marsad.ArticleTags, corpus []byte) ([]int64, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	defer tx.Rollback()
	c := newStmtCache(tx)
	defer c.close()
	ids := make([]int64, len(batch))
	for i, b := range batch {
		ids[i] = b.ArticleID
	}
	still, err := owed(ctx, &c, stage, ids)
	if err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	w := tagWriter{c: &c, refs: map[string]tagRef{}, tally: tagbatch.New()}
	var saved []int64
	for _, b := range batch {
		if !still[b.ArticleID] {
			continue
		}
		if err := w.article(ctx, b); err != nil {
			return nil, fmt.Errorf("save tags of article %d: %w", b.ArticleID, err)
		}
		saved = append(saved, b.ArticleID)
	}
	if err := w.finish(ctx); err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	if err := completeWork(ctx, &c, stage, saved); err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	if corpus != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tag_corpus (id, data) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET data = excluded.data`, corpus); err != nil {
			return nil, fmt.Errorf("save tags: corpus: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	return saved, nil
}

// tagRef is a stored tag as one SaveTags call knows it.
type tagRef struct {
	id      int64
	display string
}

// tagWriter writes the tags of one batch inside its transaction (which
// holds the write lock from its start, so what it read stays true).
type tagWriter struct {
	c     *stmtCache
	refs  map[string]tagRef // by key
	tally *tagbatch.Tally
}

// ref returns the tag of key, creating it shown as surface when it is new.
func (w *tagWriter) ref(ctx context.Context, key, surface string) (tagRef, error) {
	if r, ok := w.refs[key]; ok {
		return r, nil
	}
	get, err := w.c.stmt(ctx, `SELECT id, display FROM tags WHERE key = ?`)
	if err != nil {
		return tagRef{}, err
	}
	r := tagRef{}
	err = get.QueryRowContext(ctx, key).Scan(&r.id, &r.display)
	if errors.Is(err, sql.ErrNoRows) {
		ins, err2 := w.c.stmt(ctx, `INSERT INTO tags (key, display) VALUES (?, ?) RETURNING id`)
		if err2 != nil {
			return tagRef{}, err2
		}
		r.display = surface
		err = ins.QueryRowContext(ctx, key, surface).Scan(&r.id)
	}
	if err != nil {
		return tagRef{}, err
	}
	w.refs[key] = r
	return r, nil
}

// article replaces one article's tags.
func (w *tagWriter) article(ctx context.Context, b marsad.ArticleTags) error {
	del, err := w.c.stmt(ctx, `DELETE FROM article_tags WHERE article_id = ?`)
	if err != nil {
		return err
	}
	if _, err := del.ExecContext(ctx, b.ArticleID); err != nil {
		return err
	}
	pub, err := w.c.stmt(ctx, `SELECT published FROM articles WHERE id = ?`)
	if err != nil {
		return err
	}
	var published int64
	if err := pub.QueryRowContext(ctx, b.ArticleID).Scan(&published); err != nil {
		return err
	}
	ins, err := w.c.stmt(ctx, `INSERT INTO article_tags (article_id, tag_id, rank, score, publisher, surface, published)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	for rank, t := range b.Tags {
		r, err := w.ref(ctx, t.Key, t.Surface)
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, b.ArticleID, r.id, rank, t.Score, t.Publisher, t.Surface, published); err != nil {
			return err
		}
		w.tally.Add(r.id, r.display, t.Surface)
	}
	return nil
}

// finish counts the batch's forms and updates the displays they may change.
func (w *tagWriter) finish(ctx context.Context) error {
	form, err := w.c.stmt(ctx, `INSERT INTO tag_forms (tag_id, surface, n) VALUES (?, ?, ?)
		ON CONFLICT (tag_id, surface) DO UPDATE SET n = n + excluded.n`)
	if err != nil {
		return err
	}
	forms, counts := w.tally.Forms()
	for i, f := range forms {
		if _, err := form.ExecContext(ctx, f.Tag, f.Surface, counts[i]); err != nil {
			return fmt.Errorf("form %q of tag %d: %w", f.Surface, f.Tag, err)
		}
	}
	// A tag shows in the form the archive writes most often.
	upd, err := w.c.stmt(ctx, `UPDATE tags SET display = (SELECT surface FROM tag_forms
		WHERE tag_id = tags.id ORDER BY n DESC, surface LIMIT 1) WHERE id = ?`)
	if err != nil {
		return err
	}
	for _, id := range w.tally.Redisplay() {
		if _, err := upd.ExecContext(ctx, id); err != nil {
			return fmt.Errorf("display of tag %d: %w", id, err)
		}
	}
	return nil
}

// TagCorpus implements marsad.TagStore.
func (db *DB) TagCorpus(ctx context.Context) ([]byte, error) {
	var b []byte
	err := db.db.QueryRowContext(ctx, `SELECT data FROM tag_corpus WHERE id = 1`).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tag corpus: %w", err)
	}
	return b, nil
}

// ResetTags implements marsad.TagStore.
func (db *DB) ResetTags(ctx context.Context, stage string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reset tags: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM article_tags`, `DELETE FROM tag_forms`, `DELETE FROM tags`, `DELETE FROM tag_corpus`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset tags: %w", err)
		}
	}
	if err := oweAgain(ctx, tx, stage); err != nil {
		return fmt.Errorf("reset tags: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reset tags: %w", err)
	}
	return nil
}

// TagsOf implements marsad.TagStore.
func (db *DB) TagsOf(ctx context.Context, articleID int64) ([]marsad.ArticleTag, error) {
	var one int
	if err := db.db.QueryRowContext(ctx, `SELECT 1 FROM articles WHERE id = ?`, articleID).Scan(&one); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, marsad.Errorf(marsad.ENOTFOUND, "no article with id %d", articleID)
		}
		return nil, fmt.Errorf("tags of %d: %w", articleID, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT t.key, at.surface, t.display, at.score, at.publisher
		FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = ? ORDER BY at.rank`, articleID)
	if err != nil {
		return nil, fmt.Errorf("tags of %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []marsad.ArticleTag
	for rows.Next() {
		var t marsad.ArticleTag
		if err := rows.Scan(&t.Key, &t.Surface, &t.Display, &t.Score, &t.Publisher); err != nil {
			return nil, fmt.Errorf("tags of %d: %w", articleID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TagArticles implements marsad.TagStore.
func (db *DB) TagArticles(ctx context.Context, key string, offset, limit int) (*marsad.TagCount, []*marsad.Article, error) {
	tc := &marsad.TagCount{Key: key}
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT t.id, t.display, (SELECT count(*) FROM article_tags WHERE tag_id = t.id)
		FROM tags t WHERE t.key = ?`, key).Scan(&id, &tc.Display, &tc.Articles)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && tc.Articles == 0) {
		return nil, nil, marsad.Errorf(marsad.ENOTFOUND, "no article carries the tag %q", key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tag %q: %w", key, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+articleHeadColumns+` FROM article_tags at
		JOIN articles a ON a.id = at.article_id JOIN sources s ON s.id = a.source_id
		WHERE at.tag_id = ? ORDER BY at.published DESC, a.id DESC LIMIT ? OFFSET ?`, id, limit, offset)
	if err != nil {
		return nil, nil, fmt.Errorf("tag %q: %w", key, err)
	}
	defer rows.Close()
	var out []*marsad.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("tag %q: %w", key, err)
		}
		out = append(out, a)
	}
	return tc, out, rows.Err()
}

// TagCounts implements marsad.TagStore.
func (db *DB) TagCounts(ctx context.Context, from, to time.Time) ([]marsad.TagCount, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT t.key, t.display, count(*) FROM article_tags at
		JOIN tags t ON t.id = at.tag_id WHERE at.published >= ? AND at.published < ?
		GROUP BY t.id, t.key, t.display`, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	defer rows.Close()
	var out []marsad.TagCount
	for rows.Next() {
		var c marsad.TagCount
		if err := rows.Scan(&c.Key, &c.Display, &c.Articles); err != nil {
			return nil, fmt.Errorf("tag counts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LatestPublished implements marsad.TagStore.
func (db *DB) LatestPublished(ctx context.Context) (time.Time, error) {
	var sec sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT max(published) FROM articles`).Scan(&sec); err != nil {
		return time.Time{}, fmt.Errorf("latest published: %w", err)
	}
	return timeOrZero(sec.Int64), nil
}
