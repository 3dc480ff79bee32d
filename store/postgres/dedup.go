package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

// DedupBatch implements marsad.DedupStore: fn runs with the index over one
// write transaction, and the stage's work for done is completed in it, so
// a process killed at any point leaves either both or neither. Batches run
// one at a time across every process (an advisory lock), as SQLite's single
// writer runs them: a batch compares its articles with everything indexed
// before it, and two batches comparing at once would each miss the other's
// copies.
func (db *DB) DedupBatch(ctx context.Context, stage string, done []int64, fn func(marsad.DedupIndex) error) error {
	err := db.inTxOnce(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if err := db.lock(ctx, tx, lockDedup); err != nil {
			return err
		}
		if err := fn(&dedupIndex{tx: tx}); err != nil {
			return err
		}
		return completeWork(ctx, tx, stage, done)
	})
	if err != nil {
		return fmt.Errorf("dedup batch: %w", err)
	}
	return nil
}

// dedupIndex implements marsad.DedupIndex over one transaction: every
// method is one statement over arrays of ids or keys.
type dedupIndex struct{ tx pgx.Tx }

// Indexed implements marsad.DedupIndex.
func (x *dedupIndex) Indexed(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	rows, err := x.tx.Query(ctx, `SELECT article_id FROM dedup_docs WHERE article_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("dedup indexed: %w", err)
	}
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { out[id] = true; return nil }); err != nil {
		return nil, fmt.Errorf("dedup indexed: %w", err)
	}
	return out, nil
}

// Postings implements marsad.DedupIndex with an index-only read of dedup_keys.
func (x *dedupIndex) Postings(ctx context.Context, keys []int64) ([]marsad.DedupPosting, error) {
	rows, err := x.tx.Query(ctx, `SELECT band_key, article_id FROM dedup_keys WHERE band_key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("dedup postings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (marsad.DedupPosting, error) {
		var p marsad.DedupPosting
		return p, r.Scan(&p.Key, &p.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("dedup postings: %w", err)
	}
	return out, nil
}

// Entries implements marsad.DedupIndex; it reads dedup_docs only (and the
// small sources table), never the wide article rows.
func (x *dedupIndex) Entries(ctx context.Context, ids []int64) ([]marsad.DedupEntry, error) {
	rows, err := x.tx.Query(ctx, `SELECT d.article_id, coalesce(s.key, ''), d.published, coalesce(d.canonical_id, 0), d.shingles
		FROM dedup_docs d LEFT JOIN sources s ON s.id = d.source_id WHERE d.article_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("dedup entries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (marsad.DedupEntry, error) {
		var e marsad.DedupEntry
		var pub int64
		err := r.Scan(&e.ID, &e.Source, &pub, &e.CanonicalID, &e.Sketch)
		e.Published = timeOrZero(pub)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("dedup entries: %w", err)
	}
	return out, nil
}

// Put implements marsad.DedupIndex: entries to dedup_docs, band keys
// (sorted, for b-tree locality) to dedup_keys, and the canonical link of
// copies to their article rows, each as one statement over arrays.
func (x *dedupIndex) Put(ctx context.Context, entries []marsad.DedupEntry, keys [][]int64) error {
	if len(entries) == 0 {
		return nil
	}
	// An entry already indexed is left as it is: neither its keys nor its
	// article's canonical link change (the first of two in one batch wins).
	all := make([]int64, len(entries))
	for i, e := range entries {
		all[i] = e.ID
	}
	skip, err := x.Indexed(ctx, all)
	if err != nil {
		return fmt.Errorf("put dedup docs: %w", err)
	}
	fresh, freshKeys := entries[:0:0], keys[:0:0]
	for i, e := range entries {
		if !skip[e.ID] {
			skip[e.ID] = true
			fresh, freshKeys = append(fresh, e), append(freshKeys, keys[i])
		}
	}
	entries, keys = fresh, freshKeys
	n := len(entries)
	if n == 0 {
		return nil
	}
	ids, sources, pubs, canons := make([]int64, n), make([]string, n), make([]int64, n), make([]*int64, n)
	sketches := make([][]byte, n)
	type keyRow struct{ key, id int64 }
	var krows []keyRow
	var copyIDs, copyCanons []int64
	for i, e := range entries {
		ids[i], sources[i], pubs[i], sketches[i] = e.ID, e.Source, unixOrZero(e.Published), e.Sketch
		if sketches[i] == nil {
			sketches[i] = []byte{}
		}
		if e.CanonicalID != 0 {
			c := e.CanonicalID
			canons[i] = &c
			copyIDs, copyCanons = append(copyIDs, e.ID), append(copyCanons, c)
		}
		for _, k := range keys[i] {
			krows = append(krows, keyRow{k, e.ID})
		}
	}
	if _, err := x.tx.Exec(ctx, `INSERT INTO dedup_docs (article_id, source_id, published, canonical_id, shingles)
		SELECT d.id, coalesce(s.id, 0), d.pub, d.canon, d.sketch
		FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bytea[]) AS d (id, src, pub, canon, sketch)
		LEFT JOIN sources s ON s.key = d.src
		ON CONFLICT (article_id) DO NOTHING`, ids, sources, pubs, canons, sketches); err != nil {
		return fmt.Errorf("put dedup docs: %w", err)
	}
	slices.SortFunc(krows, func(a, b keyRow) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	kk, ki := make([]int64, len(krows)), make([]int64, len(krows))
	for i, r := range krows {
		kk[i], ki[i] = r.key, r.id
	}
	if _, err := x.tx.Exec(ctx, `INSERT INTO dedup_keys (band_key, article_id)
		SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING`, kk, ki); err != nil {
		return fmt.Errorf("put dedup keys: %w", err)
	}
	if len(copyIDs) > 0 {
		if _, err := x.tx.Exec(ctx, `UPDATE articles a SET canonical_id = c.canon
			FROM unnest($1::bigint[], $2::bigint[]) AS c (id, canon) WHERE a.id = c.id`, copyIDs, copyCanons); err != nil {
			return fmt.Errorf("put canonical links: %w", err)
		}
	}
	return nil
}

// Relink implements marsad.DedupIndex through the canonical_id indexes of
// both tables.
func (x *dedupIndex) Relink(ctx context.Context, oldCanonical, newCanonical int64) error {
	for _, q := range []string{
		`UPDATE articles SET canonical_id = $2 WHERE (canonical_id = $1 OR id = $1) AND id <> $2`,
		`UPDATE articles SET canonical_id = NULL WHERE id = $2 AND canonical_id IS NOT NULL AND $1::bigint IS NOT NULL`,
		`UPDATE dedup_docs SET canonical_id = $2 WHERE (canonical_id = $1 OR article_id = $1) AND article_id <> $2`,
		`UPDATE dedup_docs SET canonical_id = NULL WHERE article_id = $2 AND canonical_id IS NOT NULL AND $1::bigint IS NOT NULL`,
	} {
		if _, err := x.tx.Exec(ctx, q, oldCanonical, newCanonical); err != nil {
			return fmt.Errorf("relink %d to %d: %w", oldCanonical, newCanonical, err)
		}
	}
	return nil
}

// FindCopies returns the other members of an article's copy group: its
// canonical article and the canonical's other copies, oldest first ("also
// published by"). ENOTFOUND when the article does not exist.
func (db *DB) FindCopies(ctx context.Context, articleID int64) ([]*marsad.Article, error) {
	var canon int64
	err := db.pool.QueryRow(ctx, `SELECT coalesce(canonical_id, id) FROM articles WHERE id = $1`, articleID).Scan(&canon)
	if errNoRows(err) {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no article with id %d", articleID)
	} else if err != nil {
		return nil, fmt.Errorf("find copies of %d: %w", articleID, err)
	}
	out, err := collectArticles(db.pool.Query(ctx, `SELECT `+articleColumns+` FROM articles a JOIN sources s ON s.id = a.source_id
		WHERE (a.id = $1 OR a.canonical_id = $1) AND a.id <> $2 ORDER BY a.published, a.id`, canon, articleID))
	if err != nil {
		return nil, fmt.Errorf("find copies of %d: %w", articleID, err)
	}
	return out, nil
}

// ResetDedup implements marsad.DedupStore in one transaction: the
// pipeline's catch-up then rebuilds every sketch and link from the articles.
func (db *DB) ResetDedup(ctx context.Context, stage string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := db.lock(ctx, tx, lockDedup); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM dedup_keys`,
			`DELETE FROM dedup_docs`,
			`UPDATE articles SET canonical_id = NULL WHERE canonical_id IS NOT NULL`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return oweAgain(ctx, tx, stage)
	})
	if err != nil {
		return fmt.Errorf("reset dedup: %w", err)
	}
	return nil
}
