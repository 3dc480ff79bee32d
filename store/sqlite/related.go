package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/marsad/marsad"
)

// SaveTermVectors implements marsad.RelatedStore.
func (db *DB) SaveTermVectors(ctx context.Context, stage string, batch []marsad.TermVector) ([]int64, error) {
	if stage == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "save term vectors: no stage")
	}
	for _, v := range batch {
		for _, k := range v.Keys {
			if k.Term == "" || strings.ContainsRune(k.Term, ' ') {
				return nil, marsad.Errorf(marsad.EINVALID, "save term vectors: article %d: key %q is not one term", v.ArticleID, k.Term)
			}
		}
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save term vectors: %w", err)
	}
	defer tx.Rollback()
	c := newStmtCache(tx)
	defer c.close()
	ids := make([]int64, len(batch))
	for i, v := range batch {
		ids[i] = v.ArticleID
	}
	still, err := owed(ctx, &c, stage, ids)
	if err != nil {
		return nil, fmt.Errorf("save term vectors: %w", err)
	}
	var saved []int64
	for _, v := range batch {
		if !still[v.ArticleID] {
			continue
		}
		if err := saveVector(ctx, &c, v); err != nil {
			return nil, fmt.Errorf("save term vector of article %d: %w", v.ArticleID, err)
		}
		saved = append(saved, v.ArticleID)
		still[v.ArticleID] = false // an id twice in the batch is saved once
	}
	if err := completeWork(ctx, &c, stage, saved); err != nil {
		return nil, fmt.Errorf("save term vectors: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save term vectors: %w", err)
	}
	return saved, nil
}

// saveVector replaces one article's vector and key rows inside c's
// transaction.
func saveVector(ctx context.Context, c *stmtCache, v marsad.TermVector) error {
	get, err := c.stmt(ctx, `SELECT published, keys FROM related_vectors WHERE article_id = ?`)
	if err != nil {
		return err
	}
	var oldPub int64
	var oldKeys string
	switch err := get.QueryRowContext(ctx, v.ArticleID).Scan(&oldPub, &oldKeys); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		del, err := c.stmt(ctx, `DELETE FROM related_keys WHERE term = ? AND published = ? AND article_id = ?`)
		if err != nil {
			return err
		}
		for _, t := range strings.Fields(oldKeys) {
			if _, err := del.ExecContext(ctx, t, oldPub, v.ArticleID); err != nil {
				return err
			}
		}
	}
	pub := v.Published.Unix()
	terms := make([]string, 0, len(v.Keys))
	for _, k := range v.Keys {
		terms = append(terms, k.Term)
	}
	put, err := c.stmt(ctx, `INSERT INTO related_vectors (article_id, published, keys, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (article_id) DO UPDATE SET published = excluded.published, keys = excluded.keys, data = excluded.data`)
	if err != nil {
		return err
	}
	if _, err := put.ExecContext(ctx, v.ArticleID, pub, strings.Join(terms, " "), v.Data); err != nil {
		return err
	}
	key, err := c.stmt(ctx, `INSERT INTO related_keys (term, published, article_id, weight) VALUES (?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET weight = excluded.weight`)
	if err != nil {
		return err
	}
	for _, k := range v.Keys {
		if _, err := key.ExecContext(ctx, k.Term, pub, v.ArticleID, k.Weight); err != nil {
			return err
		}
	}
	return nil
}

// TermVectors implements marsad.RelatedStore.
func (db *DB) TermVectors(ctx context.Context, ids []int64) ([]marsad.TermVector, error) {
	byID := make(map[int64]marsad.TermVector, len(ids))
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(len(ids), start+inChunk)]
		rows, err := db.db.QueryContext(ctx, `SELECT article_id, published, data FROM related_vectors
			WHERE article_id IN (`+placeholders(len(chunk))+`)`, int64Args(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("term vectors: %w", err)
		}
		for rows.Next() {
			var v marsad.TermVector
			var pub int64
			if err := rows.Scan(&v.ArticleID, &pub, &v.Data); err != nil {
				rows.Close()
				return nil, fmt.Errorf("term vectors: %w", err)
			}
			v.Published = timeOrZero(pub)
			byID[v.ArticleID] = v
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("term vectors: %w", err)
		}
	}
	out := make([]marsad.TermVector, 0, len(byID))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			out = append(out, v)
			delete(byID, id) // an id asked twice is answered once
		}
	}
	return out, nil
}

// RelatedCandidates implements marsad.RelatedStore. The key rows of the
// query's terms within [From, To) are summed per article from the
// (term, published) primary key alone; only the best CandidateCut × Limit
// articles' small leading columns are read to group copies (an article
// week shares a common term with hundreds), and only the page's rows are
// read in full (without their text).
func (db *DB) RelatedCandidates(ctx context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	if err := checkCandidateQuery(q); err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		return nil, nil
	}
	var err error
	var values []string
	var args []any
	seen := map[string]bool{}
	for _, t := range q.Terms {
		if seen[t.Term] {
			continue
		}
		seen[t.Term] = true
		values = append(values, "(?, ?)")
		args = append(args, t.Term, t.Weight)
	}
	from, to := int64(-1<<62), int64(1<<62)
	if !q.From.IsZero() {
		from = q.From.Unix()
	}
	if !q.To.IsZero() {
		to = q.To.Unix()
	}
	args = append(args, from, to, q.Limit*marsad.CandidateCut, q.Exclude, q.Limit)
	var rows *sql.Rows
	if len(values) <= maxPreparedTerms {
		st, err := db.cands.get(ctx, db.db, len(values), func() string { return candidateQuery(values) })
		if err != nil {
			return nil, fmt.Errorf("related candidates: %w", err)
		}
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = db.db.QueryContext(ctx, candidateQuery(values), args...)
	}
	if err != nil {
		return nil, fmt.Errorf("related candidates: %w", err)
	}
	defer rows.Close()
	var hits []marsad.SearchHit
	for rows.Next() {
		var h marsad.SearchHit
		var n int
		a, err := scanArticle(rows, &h.Score, &n)
		if err != nil {
			return nil, fmt.Errorf("related candidates: %w", err)
		}
		h.Article, h.Copies = a, n-1
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("related candidates: %w", err)
	}
	return hits, nil
}

// maxPreparedTerms bounds the candidate queries kept prepared: one per
// number of terms up to it (related asks with 20).
const maxPreparedTerms = 64

// candidateQuery is the candidate query for the terms' VALUES rows.
func candidateQuery(values []string) string {
	return `WITH q (term, w) AS (VALUES ` + strings.Join(values, ", ") + `),
		m AS MATERIALIZED (SELECT k.article_id AS id, sum(k.weight * q.w) AS score
			FROM q JOIN related_keys k ON k.term = q.term AND k.published >= ? AND k.published < ?
			GROUP BY k.article_id ORDER BY score DESC, id DESC LIMIT ?),
		h AS MATERIALIZED (SELECT m.id, m.score, coalesce(a.canonical_id, a.id) AS grp
			FROM m JOIN articles a INDEXED BY articles_group ON a.id = m.id),
		g AS MATERIALIZED (SELECT id, max(score) AS score, count(*) AS n FROM h WHERE grp <> ? GROUP BY grp)
		SELECT ` + articleHeadColumns + `, p.score, p.n
		FROM (SELECT id, score, n FROM g ORDER BY score DESC, id DESC LIMIT ?) p
		JOIN articles a ON a.id = p.id JOIN sources s ON s.id = a.source_id
		ORDER BY p.score DESC, p.id DESC`
}

// stmtSet keeps statements prepared on the pool, by a small key, for the
// store's life.
type stmtSet struct {
	mu    sync.Mutex
	stmts map[int]*sql.Stmt
}

// get returns the statement of key, preparing query() the first time.
func (s *stmtSet) get(ctx context.Context, db *sql.DB, key int, query func() string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[key]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query())
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = map[int]*sql.Stmt{}
	}
	s.stmts[key] = st
	return st, nil
}

func (s *stmtSet) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
}

// checkCandidateQuery is what both stores refuse in a candidate query.
func checkCandidateQuery(q marsad.CandidateQuery) error {
	if len(q.Terms) == 0 {
		return marsad.Errorf(marsad.EINVALID, "related candidates: no term")
	}
	if q.Limit < 0 {
		return marsad.Errorf(marsad.EINVALID, "related candidates: negative limit %d", q.Limit)
	}
	return nil
}

// ResetTermVectors implements marsad.RelatedStore.
func (db *DB) ResetTermVectors(ctx context.Context, stage string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reset term vectors: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM related_keys`, `DELETE FROM related_vectors`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset term vectors: %w", err)
		}
	}
	if err := oweAgain(ctx, tx, stage); err != nil {
		return fmt.Errorf("reset term vectors: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reset term vectors: %w", err)
	}
	return nil
}
