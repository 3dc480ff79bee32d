package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

// SaveTags implements marsad.TagStore.
func (db *DB) SaveTags(ctx context.Context, stage string, batch []marsad.ArticleTags, corpus []byte) ([]int64, error) {
	var saved []int64
	err := db.inTxOnce(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		saved = saved[:0]
		ids := make([]int64, len(batch))
		for i, b := range batch {
			ids[i] = b.ArticleID
		}
		still, err := owed(ctx, tx, stage, ids)
		if err != nil {
			return err
		}
		touched := map[int64]bool{}
		for _, b := range batch {
			if !still[b.ArticleID] {
				continue
			}
			if err := saveArticleTags(ctx, tx, b, touched); err != nil {
				return fmt.Errorf("article %d: %w", b.ArticleID, err)
			}
			saved = append(saved, b.ArticleID)
		}
		for id := range touched {
			if _, err := tx.Exec(ctx, `UPDATE tags SET display = (SELECT surface FROM tag_forms
				WHERE tag_id = tags.id ORDER BY n DESC, surface LIMIT 1) WHERE id = $1`, id); err != nil {
				return fmt.Errorf("display of tag %d: %w", id, err)
			}
		}
		if err := completeWork(ctx, tx, stage, saved); err != nil {
			return err
		}
		if corpus != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO tag_corpus (id, data) VALUES (1, $1)
				ON CONFLICT (id) DO UPDATE SET data = excluded.data`, corpus); err != nil {
				return fmt.Errorf("corpus: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save tags: %w", err)
	}
	return saved, nil
}

// saveArticleTags replaces one article's tags and counts their forms.
func saveArticleTags(ctx context.Context, tx pgx.Tx, b marsad.ArticleTags, touched map[int64]bool) error {
	if _, err := tx.Exec(ctx, `DELETE FROM article_tags WHERE article_id = $1`, b.ArticleID); err != nil {
		return err
	}
	var published int64
	if err := tx.QueryRow(ctx, `SELECT published FROM articles WHERE id = $1`, b.ArticleID).Scan(&published); err != nil {
		return err
	}
	for rank, t := range b.Tags {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO tags (key, display) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id`, t.Key, t.Surface).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tag_forms (tag_id, surface, n) VALUES ($1, $2, 1)
			ON CONFLICT (tag_id, surface) DO UPDATE SET n = tag_forms.n + 1`, id, t.Surface); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO article_tags (article_id, tag_id, rank, score, publisher, surface, published)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			b.ArticleID, id, rank, t.Score, t.Publisher, t.Surface, published); err != nil {
			return err
		}
		touched[id] = true
	}
	return nil
}

// TagCorpus implements marsad.TagStore.
func (db *DB) TagCorpus(ctx context.Context) ([]byte, error) {
	var b []byte
	err := db.pool.QueryRow(ctx, `SELECT data FROM tag_corpus WHERE id = 1`).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tag corpus: %w", err)
	}
	return b, nil
}

// ResetTags implements marsad.TagStore.
func (db *DB) ResetTags(ctx context.Context, stage string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{`DELETE FROM article_tags`, `DELETE FROM tag_forms`, `DELETE FROM tags`, `DELETE FROM tag_corpus`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return oweAgain(ctx, tx, stage)
	})
	if err != nil {
		return fmt.Errorf("reset tags: %w", err)
	}
	return nil
}

// TagsOf implements marsad.TagStore.
func (db *DB) TagsOf(ctx context.Context, articleID int64) ([]marsad.ArticleTag, error) {
	var one int
	if err := db.pool.QueryRow(ctx, `SELECT 1 FROM articles WHERE id = $1`, articleID).Scan(&one); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, marsad.Errorf(marsad.ENOTFOUND, "no article with id %d", articleID)
		}
		return nil, fmt.Errorf("tags of %d: %w", articleID, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT t.key, at.surface, t.display, at.score, at.publisher
		FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = $1 ORDER BY at.rank`, articleID)
	if err != nil {
		return nil, fmt.Errorf("tags of %d: %w", articleID, err)
	}
	var out []marsad.ArticleTag
	var t marsad.ArticleTag
	if _, err := pgx.ForEachRow(rows, []any{&t.Key, &t.Surface, &t.Display, &t.Score, &t.Publisher}, func() error {
		out = append(out, t)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("tags of %d: %w", articleID, err)
	}
	return out, nil
}

// TagArticles implements marsad.TagStore.
func (db *DB) TagArticles(ctx context.Context, key string, offset, limit int) (*marsad.TagCount, []*marsad.Article, error) {
	tc := &marsad.TagCount{Key: key}
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT t.id, t.display, (SELECT count(*) FROM article_tags WHERE tag_id = t.id)
		FROM tags t WHERE t.key = $1`, key).Scan(&id, &tc.Display, &tc.Articles)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && tc.Articles == 0) {
		return nil, nil, marsad.Errorf(marsad.ENOTFOUND, "no article carries the tag %q", key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tag %q: %w", key, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+articleHeadColumns+` FROM article_tags at
		JOIN articles a ON a.id = at.article_id JOIN sources s ON s.id = a.source_id
		WHERE at.tag_id = $1 ORDER BY at.published DESC, a.id DESC LIMIT $2 OFFSET $3`, id, limit, offset)
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
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("tag %q: %w", key, err)
	}
	return tc, out, nil
}

// TagCounts implements marsad.TagStore.
func (db *DB) TagCounts(ctx context.Context, from, to time.Time) ([]marsad.TagCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.key, t.display, count(*) FROM article_tags at
		JOIN tags t ON t.id = at.tag_id WHERE at.published >= $1 AND at.published < $2
		GROUP BY t.id, t.key, t.display`, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	var out []marsad.TagCount
	var c marsad.TagCount
	if _, err := pgx.ForEachRow(rows, []any{&c.Key, &c.Display, &c.Articles}, func() error {
		out = append(out, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	return out, nil
}

// LatestPublished implements marsad.TagStore.
func (db *DB) LatestPublished(ctx context.Context) (time.Time, error) {
	var sec *int64
	if err := db.pool.QueryRow(ctx, `SELECT max(published) FROM articles`).Scan(&sec); err != nil {
		return time.Time{}, fmt.Errorf("latest published: %w", err)
	}
	if sec == nil {
		return time.Time{}, nil
	}
	return timeOrZero(*sec), nil
}
