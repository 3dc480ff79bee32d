package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/dedup"
)

// DedupBatch runs fn with a dedup.Index over one transaction, so that a
// batch of articles is checked and linked atomically.
func (db *DB) DedupBatch(ctx context.Context, fn func(dedup.Index) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dedup batch: %w", err)
	}
	defer tx.Rollback()
	if err := fn(&dedupIndex{q: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

type dedupIndex struct{ q txQuerier }

// txQuerier is what the stage indexes need of a transaction.
type txQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func encodeShingles(s []uint32) []byte {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

func decodeShingles(b []byte) []uint32 {
	s := make([]uint32, len(b)/4)
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return s
}

const dedupEntryColumns = `a.id, s.key, a.published, a.content_hash, coalesce(a.canonical_id, 0), coalesce(d.shingles, x'')`

func scanDedupEntry(r rowScanner) (dedup.Entry, error) {
	var e dedup.Entry
	var pub, hash int64
	var sh []byte
	if err := r.Scan(&e.ID, &e.Source, &pub, &hash, &e.CanonicalID, &sh); err != nil {
		return e, err
	}
	e.Published, e.Hash, e.Shingles = time.Unix(pub, 0).UTC(), uint64(hash), decodeShingles(sh)
	return e, nil
}

// Lookup implements dedup.Index through the band-key and content-hash indexes.
func (x *dedupIndex) Lookup(ctx context.Context, hash uint64, keys []int64, exclude int64) ([]dedup.Entry, error) {
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, int64(hash), exclude)
	rows, err := x.q.QueryContext(ctx, `SELECT `+dedupEntryColumns+`
		FROM articles a JOIN sources s ON s.id = a.source_id JOIN dedup_docs d ON d.article_id = a.id
		WHERE a.id IN (SELECT article_id FROM dedup_bands WHERE band_key IN (`+placeholders(len(keys))+`)
			UNION SELECT id FROM articles WHERE content_hash = ?)
		AND a.id <> ? ORDER BY a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dedup.Entry
	for rows.Next() {
		e, err := scanDedupEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entry implements dedup.Index.
func (x *dedupIndex) Entry(ctx context.Context, id int64) (dedup.Entry, bool, error) {
	e, err := scanDedupEntry(x.q.QueryRowContext(ctx, `SELECT `+dedupEntryColumns+`
		FROM articles a JOIN sources s ON s.id = a.source_id LEFT JOIN dedup_docs d ON d.article_id = a.id
		WHERE a.id = ?`, id))
	if err == sql.ErrNoRows {
		return e, false, nil
	}
	return e, err == nil, err
}

// Put implements dedup.Index: the content hash and canonical link go to
// the article row, shingles and band keys to their tables.
func (x *dedupIndex) Put(ctx context.Context, e dedup.Entry, keys []int64) error {
	var canon any
	if e.CanonicalID != 0 {
		canon = e.CanonicalID
	}
	if _, err := x.q.ExecContext(ctx, `UPDATE articles SET content_hash = ?, canonical_id = ? WHERE id = ?`,
		int64(e.Hash), canon, e.ID); err != nil {
		return err
	}
	if len(e.Shingles) == 0 {
		return nil
	}
	if _, err := x.q.ExecContext(ctx, `INSERT INTO dedup_docs (article_id, shingles) VALUES (?, ?)
		ON CONFLICT (article_id) DO UPDATE SET shingles = excluded.shingles`, e.ID, encodeShingles(e.Shingles)); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := x.q.ExecContext(ctx, `INSERT INTO dedup_bands (band_key, article_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, k, e.ID); err != nil {
			return err
		}
	}
	return nil
}

// Relink implements dedup.Index through the canonical_id index.
func (x *dedupIndex) Relink(ctx context.Context, oldCanonical, newCanonical int64) error {
	if _, err := x.q.ExecContext(ctx, `UPDATE articles SET canonical_id = ? WHERE (canonical_id = ? OR id = ?) AND id <> ?`,
		newCanonical, oldCanonical, oldCanonical, newCanonical); err != nil {
		return err
	}
	_, err := x.q.ExecContext(ctx, `UPDATE articles SET canonical_id = NULL WHERE id = ?`, newCanonical)
	return err
}

// FindCopies returns the other members of an article's copy group.
// ENOTFOUND when the article does not exist.
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

// StageProgress returns the highest article id a stage has processed.
func (db *DB) StageProgress(ctx context.Context, stage string) (int64, error) {
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT last_article_id FROM stage_progress WHERE stage = ?`, stage).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

// SetStageProgress records the highest article id a stage has processed.
func (db *DB) SetStageProgress(ctx context.Context, stage string, id int64) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO stage_progress (stage, last_article_id) VALUES (?, ?)
		ON CONFLICT (stage) DO UPDATE SET last_article_id = CASE WHEN excluded.last_article_id > stage_progress.last_article_id
		THEN excluded.last_article_id ELSE stage_progress.last_article_id END`, stage, id)
	return err
}
