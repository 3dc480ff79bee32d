package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/internal/tagbatch"
)

// SaveTags implements marsad.TagStore.
//
// A batch is written with a few set-based statements (arrays bound as
// parameters), not a round trip per tag: a batch of 500 articles holds
// about 5,000 article tags. Keys and forms are written in sorted order so
// that two workers saving overlapping tags at once lock them in the same
// order.
func (db *DB) SaveTags(ctx context.Context, stage string, batch []marsad.ArticleTags, corpus []byte) ([]int64, error) {
	var saved []int64
	err := db.inTxOnce(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		ids := make([]int64, len(batch))
		for i, b := range batch {
			ids[i] = b.ArticleID
		}
		still, err := owed(ctx, tx, stage, ids)
		if err != nil {
			return err
		}
		saved = saved[:0]
		var rows []marsad.ArticleTags
		for _, b := range batch {
			if still[b.ArticleID] {
				saved = append(saved, b.ArticleID)
				rows = append(rows, b)
			}
		}
		if err := saveTagRows(ctx, tx, rows); err != nil {
			return err
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

// saveTagRows replaces the tags of the batch's articles, counts their
// forms and updates the displays those counts may change.
func saveTagRows(ctx context.Context, tx pgx.Tx, batch []marsad.ArticleTags) error {
	if len(batch) == 0 {
		return nil
	}
	ids := make([]int64, len(batch))
	firstForm := map[string]string{} // key → the form a new tag shows first
	for i, b := range batch {
		ids[i] = b.ArticleID
		for _, t := range b.Tags {
			if _, ok := firstForm[t.Key]; !ok {
				firstForm[t.Key] = t.Surface
			}
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM article_tags WHERE article_id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("old tags: %w", err)
	}
	keys := slices.Sorted(maps.Keys(firstForm))
	if len(keys) == 0 {
		return nil
	}
	forms := make([]string, len(keys))
	for i, k := range keys {
		forms[i] = firstForm[k]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO tags (key, display)
		SELECT k, d FROM unnest($1::text[], $2::text[]) AS u(k, d) ORDER BY k
		ON CONFLICT (key) DO NOTHING`, keys, forms); err != nil {
		return fmt.Errorf("new tags: %w", err)
	}
	type ref struct {
		id      int64
		display string
	}
	refs := make(map[string]ref, len(keys))
	r, err := tx.Query(ctx, `SELECT id, key, display FROM tags WHERE key = ANY($1)`, keys)
	if err != nil {
		return fmt.Errorf("tag ids: %w", err)
	}
	for r.Next() {
		var x ref
		var key string
		if err := r.Scan(&x.id, &key, &x.display); err != nil {
			r.Close()
			return fmt.Errorf("tag ids: %w", err)
		}
		refs[key] = x
	}
	r.Close()
	if err := r.Err(); err != nil {
		return fmt.Errorf("tag ids: %w", err)
	}
	tally := tagbatch.New()
	var aID, tID, rank []int64
	var score []float64
	var pub []bool
	var surf []string
	for _, b := range batch {
		for i, t := range b.Tags {
			x, ok := refs[t.Key]
			if !ok {
				return fmt.Errorf("tag %q vanished while saving", t.Key)
			}
			aID, tID, rank = append(aID, b.ArticleID), append(tID, x.id), append(rank, int64(i))
			score, pub, surf = append(score, t.Score), append(pub, t.Publisher), append(surf, t.Surface)
			tally.Add(x.id, x.display, t.Surface)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO article_tags (article_id, tag_id, rank, score, publisher, surface, published)
		SELECT u.a, u.t, u.r, u.s, u.p, u.f, a.published
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::bool[], $6::text[]) AS u(a, t, r, s, p, f)
		JOIN articles a ON a.id = u.a
		ON CONFLICT DO NOTHING`, aID, tID, rank, score, pub, surf); err != nil {
		return fmt.Errorf("article tags: %w", err)
	}
	counted, fN := tally.Forms()
	fTag, fSurf := make([]int64, len(counted)), make([]string, len(counted))
	for i, f := range counted {
		fTag[i], fSurf[i] = f.Tag, f.Surface
	}
	if _, err := tx.Exec(ctx, `INSERT INTO tag_forms (tag_id, surface, n)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])
		ON CONFLICT (tag_id, surface) DO UPDATE SET n = tag_forms.n + excluded.n`, fTag, fSurf, fN); err != nil {
		return fmt.Errorf("tag forms: %w", err)
	}
	redisplay := tally.Redisplay()
	if len(redisplay) == 0 {
		return nil
	}
	// A tag shows in the form the archive writes most often; counting the
	// form it already shows cannot change that.
	if _, err := tx.Exec(ctx, `UPDATE tags SET display = (SELECT surface FROM tag_forms
		WHERE tag_id = tags.id ORDER BY n DESC, surface LIMIT 1) WHERE id = ANY($1)`, redisplay); err != nil {
		return fmt.Errorf("tag displays: %w", err)
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
