package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/marsad/marsad"
)

// DedupBatch implements marsad.DedupStore: fn runs with the index over one
// write transaction, and the stage's work for done is completed in it, so
// a process killed at any point leaves either both or neither.
func (db *DB) DedupBatch(ctx context.Context, stage string, done []int64, fn func(marsad.DedupIndex) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dedup batch: %w", err)
	}
	defer tx.Rollback()
	x := &dedupIndex{stmtCache: newStmtCache(tx)}
	defer x.close()
	if err := fn(x); err != nil {
		return err
	}
	if err := completeWork(ctx, &x.stmtCache, stage, done); err != nil {
		return fmt.Errorf("dedup batch: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("dedup batch: %w", err)
	}
	return nil
}

// dedupIndex implements marsad.DedupIndex over one transaction. Lookups bind up
// to inChunk values in one IN (...) and inserts write many rows per
// statement, through statements prepared once per batch.
type dedupIndex struct {
	stmtCache // x.tx is the transaction
}

// inChunk is how many values one statement binds: a batch of 500 articles
// (17,500 band keys) takes a few dozen statements, far below SQLite's
// limit of 32,766 variables per statement.
const inChunk = 500

// queryIn runs head IN (vals…) tail in chunks and calls scan on each row.
func (x *dedupIndex) queryIn(ctx context.Context, head, tail string, vals []int64, scan func(*sql.Rows) error) error {
	args := make([]any, 0, inChunk)
	for len(vals) > 0 {
		n := min(len(vals), inChunk)
		args = args[:0]
		for _, v := range vals[:n] {
			args = append(args, v)
		}
		st, err := x.stmt(ctx, head+" IN ("+placeholders(n)+") "+tail)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

// execRows runs head VALUES (row), (row), … tail over args, cols values per
// row, as few statements as inChunk allows.
func (x *dedupIndex) execRows(ctx context.Context, head, row, tail string, cols int, args []any) error {
	per := max(1, inChunk/cols)
	for len(args) > 0 {
		n := min(len(args)/cols, per)
		st, err := x.stmt(ctx, head+" VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")+" "+tail)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args[:n*cols]...); err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}

// Indexed implements marsad.DedupIndex (rowid lookups in dedup_docs).
func (x *dedupIndex) Indexed(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := x.queryIn(ctx, `SELECT article_id FROM dedup_docs WHERE article_id`, ``, ids, func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	return out, err
}

// Postings implements marsad.DedupIndex with an index-only read of dedup_keys.
func (x *dedupIndex) Postings(ctx context.Context, keys []int64) ([]marsad.DedupPosting, error) {
	var out []marsad.DedupPosting
	err := x.queryIn(ctx, `SELECT band_key, article_id FROM dedup_keys WHERE band_key`, ``, keys, func(r *sql.Rows) error {
		var p marsad.DedupPosting
		if err := r.Scan(&p.Key, &p.ID); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// Entries implements marsad.DedupIndex; it reads dedup_docs only (and the small
// sources table), never the wide article rows.
func (x *dedupIndex) Entries(ctx context.Context, ids []int64) ([]marsad.DedupEntry, error) {
	var out []marsad.DedupEntry
	err := x.queryIn(ctx, `SELECT d.article_id, coalesce(s.key, ''), d.published, coalesce(d.canonical_id, 0), d.shingles
		FROM dedup_docs d LEFT JOIN sources s ON s.id = d.source_id WHERE d.article_id`, ``, ids, func(r *sql.Rows) error {
		var e marsad.DedupEntry
		var pub int64
		if err := r.Scan(&e.ID, &e.Source, &pub, &e.CanonicalID, &e.Sketch); err != nil {
			return err
		}
		e.Published = timeOrZero(pub)
		out = append(out, e)
		return nil
	})
	return out, err
}

// Put implements marsad.DedupIndex: entries to dedup_docs, band keys (sorted, for
// b-tree locality) to dedup_keys, and the canonical link of copies to their
// article rows. Rewriting an article row is costly (its body is in it), so
// only copies are written.
func (x *dedupIndex) Put(ctx context.Context, entries []marsad.DedupEntry, keys [][]int64) error {
	// An entry already indexed is left as it is: neither its keys nor its
	// article's canonical link change (the first of two in one batch wins).
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	skip, err := x.Indexed(ctx, ids)
	if err != nil {
		return fmt.Errorf("put dedup docs: %w", err)
	}
	fresh := make([]marsad.DedupEntry, 0, len(entries))
	docArgs := make([]any, 0, 5*len(entries))
	type keyRow struct{ key, id int64 }
	var krows []keyRow
	for i, e := range entries {
		if skip[e.ID] {
			continue
		}
		skip[e.ID] = true
		fresh = append(fresh, e)
		var canon any
		if e.CanonicalID != 0 {
			canon = e.CanonicalID
		}
		docArgs = append(docArgs, e.ID, e.Source, unixOrZero(e.Published), canon, e.Sketch)
		for _, k := range keys[i] {
			krows = append(krows, keyRow{k, e.ID})
		}
	}
	if err := x.execRows(ctx, `INSERT INTO dedup_docs (article_id, source_id, published, canonical_id, shingles)`,
		`(?, coalesce((SELECT id FROM sources WHERE key = ?), 0), ?, ?, ?)`, `ON CONFLICT (article_id) DO NOTHING`, 5, docArgs); err != nil {
		return fmt.Errorf("put dedup docs: %w", err)
	}
	slices.SortFunc(krows, func(a, b keyRow) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	keyArgs := make([]any, 0, 2*len(krows))
	for _, r := range krows {
		keyArgs = append(keyArgs, r.key, r.id)
	}
	if err := x.execRows(ctx, `INSERT INTO dedup_keys (band_key, article_id)`, `(?, ?)`, `ON CONFLICT DO NOTHING`, 2, keyArgs); err != nil {
		return fmt.Errorf("put dedup keys: %w", err)
	}
	st, err := x.stmt(ctx, `UPDATE articles SET canonical_id = ? WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("put canonical: %w", err)
	}
	for _, e := range fresh {
		if e.CanonicalID == 0 {
			continue
		}
		if _, err := st.ExecContext(ctx, e.CanonicalID, e.ID); err != nil {
			return fmt.Errorf("put canonical of %d: %w", e.ID, err)
		}
	}
	return nil
}

// Relink implements marsad.DedupIndex through the canonical_id indexes of both
// tables.
func (x *dedupIndex) Relink(ctx context.Context, oldCanonical, newCanonical int64) error {
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`UPDATE articles SET canonical_id = ? WHERE (canonical_id = ? OR id = ?) AND id <> ?`,
			[]any{newCanonical, oldCanonical, oldCanonical, newCanonical}},
		{`UPDATE articles SET canonical_id = NULL WHERE id = ?`, []any{newCanonical}},
		{`UPDATE dedup_docs SET canonical_id = ? WHERE (canonical_id = ? OR article_id = ?) AND article_id <> ?`,
			[]any{newCanonical, oldCanonical, oldCanonical, newCanonical}},
		{`UPDATE dedup_docs SET canonical_id = NULL WHERE article_id = ?`, []any{newCanonical}},
	} {
		st, err := x.stmt(ctx, q.query)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, q.args...); err != nil {
			return err
		}
	}
	return nil
}

// FindCopies returns the other members of an article's copy group: its
// canonical article and the canonical's other copies, oldest first ("also
// published by"). ENOTFOUND when the article does not exist.
func (db *DB) FindCopies(ctx context.Context, articleID int64) ([]*marsad.Article, error) {
	var canon int64
	err := db.db.QueryRowContext(ctx, `SELECT coalesce(canonical_id, id) FROM articles WHERE id = ?`, articleID).Scan(&canon)
	if err == sql.ErrNoRows {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no article with id %d", articleID)
	} else if err != nil {
		return nil, fmt.Errorf("find copies of %d: %w", articleID, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+articleColumns+` FROM articles a JOIN sources s ON s.id = a.source_id
		WHERE (a.id = ? OR a.canonical_id = ?) AND a.id <> ? ORDER BY a.published, a.id`, canon, canon, articleID)
	if err != nil {
		return nil, fmt.Errorf("find copies of %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []*marsad.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("find copies of %d: %w", articleID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ResetDedup implements marsad.DedupStore in one transaction: the pipeline's
// catch-up then rebuilds every sketch and link from the articles.
func (db *DB) ResetDedup(ctx context.Context, stage string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reset dedup: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DELETE FROM dedup_keys`,
		`DELETE FROM dedup_docs`,
		`UPDATE articles SET canonical_id = NULL WHERE canonical_id IS NOT NULL`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset dedup: %w", err)
		}
	}
	if err := oweAgain(ctx, tx, stage); err != nil {
		return fmt.Errorf("reset dedup: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reset dedup: %w", err)
	}
	return nil
}
