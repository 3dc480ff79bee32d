package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/marsad/marsad"
)

// SaveTags implements marsad.TagStore.
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
	var saved []int64
	touched := map[int64]bool{}
	for _, b := range batch {
		if !still[b.ArticleID] {
			continue
		}
		if err := db.saveArticleTags(ctx, &c, b, touched); err != nil {
			return nil, fmt.Errorf("save tags of article %d: %w", b.ArticleID, err)
		}
		saved = append(saved, b.ArticleID)
	}
	// A tag shows in the form the archive writes most often.
	upd, err := c.stmt(ctx, `UPDATE tags SET display = (SELECT surface FROM tag_forms
		WHERE tag_id = tags.id ORDER BY n DESC, surface LIMIT 1) WHERE id = ?`)
	if err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	for id := range touched {
		if _, err := upd.ExecContext(ctx, id); err != nil {
			return nil, fmt.Errorf("save tags: display of tag %d: %w", id, err)
		}
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

// saveArticleTags replaces one article's tags and counts their forms.
func (db *DB) saveArticleTags(ctx context.Context, c *stmtCache, b marsad.ArticleTags, touched map[int64]bool) error {
	del, err := c.stmt(ctx, `DELETE FROM article_tags WHERE article_id = ?`)
	if err != nil {
		return err
	}
	if _, err := del.ExecContext(ctx, b.ArticleID); err != nil {
		return err
	}
	pub, err := c.stmt(ctx, `SELECT published FROM articles WHERE id = ?`)
	if err != nil {
		return err
	}
	var published int64
	if err := pub.QueryRowContext(ctx, b.ArticleID).Scan(&published); err != nil {
		return err
	}
	upsert, err := c.stmt(ctx, `INSERT INTO tags (key, display) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id`)
	if err != nil {
		return err
	}
	form, err := c.stmt(ctx, `INSERT INTO tag_forms (tag_id, surface, n) VALUES (?, ?, 1)
		ON CONFLICT (tag_id, surface) DO UPDATE SET n = n + 1`)
	if err != nil {
		return err
	}
	ins, err := c.stmt(ctx, `INSERT INTO article_tags (article_id, tag_id, rank, score, publisher, surface, published)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	for rank, t := range b.Tags {
		var id int64
		if err := upsert.QueryRowContext(ctx, t.Key, t.Surface).Scan(&id); err != nil {
			return err
		}
		if _, err := form.ExecContext(ctx, id, t.Surface); err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, b.ArticleID, id, rank, t.Score, t.Publisher, t.Surface, published); err != nil {
			return err
		}
		touched[id] = true
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
