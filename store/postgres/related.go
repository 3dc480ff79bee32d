package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

// SaveTermVectors implements marsad.RelatedStore.
func (db *DB) SaveTermVectors(ctx context.Context, stage string, batch []marsad.TermVector) ([]int64, error) {
	if stage == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "save term vectors: no stage")
	}
	for _, v := range batch {
		for _, k := range v.Keys {
			if k.Term == "" || containsSpace(k.Term) {
				return nil, marsad.Errorf(marsad.EINVALID, "save term vectors: article %d: key %q is not one term", v.ArticleID, k.Term)
			}
		}
	}
	var saved []int64
	err := db.inTxOnce(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		ids := make([]int64, len(batch))
		for i, v := range batch {
			ids[i] = v.ArticleID
		}
		still, err := owed(ctx, tx, stage, ids)
		if err != nil {
			return err
		}
		saved = saved[:0]
		var vID, vPub []int64
		var vData [][]byte
		var kTerm []string
		var kPub, kID []int64
		var kW []float64
		for _, v := range batch {
			if !still[v.ArticleID] {
				continue
			}
			still[v.ArticleID] = false // an id twice in the batch is saved once
			saved = append(saved, v.ArticleID)
			pub := v.Published.Unix()
			data := v.Data
			if data == nil {
				data = []byte{}
			}
			vID, vPub, vData = append(vID, v.ArticleID), append(vPub, pub), append(vData, data)
			seen := map[string]bool{}
			for _, k := range v.Keys {
				if seen[k.Term] {
					continue
				}
				seen[k.Term] = true
				kTerm, kPub, kID, kW = append(kTerm, k.Term), append(kPub, pub), append(kID, v.ArticleID), append(kW, k.Weight)
			}
		}
		if len(saved) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM related_keys WHERE article_id = ANY($1)`, saved); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO related_vectors (article_id, published, data)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])
			ON CONFLICT (article_id) DO UPDATE SET published = excluded.published, data = excluded.data`,
			vID, vPub, vData); err != nil {
			return fmt.Errorf("vectors: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO related_keys (term, published, article_id, weight)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::float8[])`,
			kTerm, kPub, kID, kW); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		return completeWork(ctx, tx, stage, saved)
	})
	if err != nil {
		return nil, fmt.Errorf("save term vectors: %w", err)
	}
	return saved, nil
}

func containsSpace(s string) bool {
	for _, r := range s {
		if r == ' ' {
			return true
		}
	}
	return false
}

// TermVectors implements marsad.RelatedStore.
func (db *DB) TermVectors(ctx context.Context, ids []int64) ([]marsad.TermVector, error) {
	rows, err := db.pool.Query(ctx, `SELECT article_id, published, data FROM related_vectors WHERE article_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("term vectors: %w", err)
	}
	byID := make(map[int64]marsad.TermVector, len(ids))
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("term vectors: %w", err)
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

// RelatedCandidates implements marsad.RelatedStore, as store/sqlite's: the
// key rows of the query's terms within [From, To) summed per article from
// the (term, published) primary key, copies grouped among the best
// CandidateCut × Limit matches, and only the page's articles read, without
// their text.
func (db *DB) RelatedCandidates(ctx context.Context, q marsad.CandidateQuery) ([]marsad.SearchHit, error) {
	if len(q.Terms) == 0 {
		return nil, marsad.Errorf(marsad.EINVALID, "related candidates: no term")
	}
	if q.Limit < 0 {
		return nil, marsad.Errorf(marsad.EINVALID, "related candidates: negative limit %d", q.Limit)
	}
	if q.Limit == 0 {
		return nil, nil
	}
	var terms []string
	var weights []float64
	seen := map[string]bool{}
	for _, t := range q.Terms {
		if !seen[t.Term] {
			seen[t.Term] = true
			terms, weights = append(terms, t.Term), append(weights, t.Weight)
		}
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.From.IsZero() {
		from = q.From.Unix()
	}
	if !q.To.IsZero() {
		to = q.To.Unix()
	}
	rows, err := db.pool.Query(ctx, `WITH q AS (SELECT * FROM unnest($1::text[], $2::float8[]) AS q(term, w)),
		m AS MATERIALIZED (SELECT k.article_id AS id, sum(k.weight * q.w) AS score
			FROM q JOIN related_keys k ON k.term = q.term AND k.published >= $3 AND k.published < $4
			GROUP BY k.article_id ORDER BY score DESC, id DESC LIMIT $7),
		h AS MATERIALIZED (SELECT m.id, m.score, coalesce(a.canonical_id, a.id) AS grp
			FROM m JOIN articles a ON a.id = m.id),
		g AS MATERIALIZED (SELECT DISTINCT ON (grp) id, score, count(*) OVER (PARTITION BY grp) AS n
			FROM h WHERE grp <> $5 ORDER BY grp, score DESC, id DESC)
		SELECT `+articleHeadColumns+`, p.score, p.n
		FROM (SELECT id, score, n FROM g ORDER BY score DESC, id DESC LIMIT $6) p
		JOIN articles a ON a.id = p.id JOIN sources s ON s.id = a.source_id
		ORDER BY p.score DESC, p.id DESC`, terms, weights, from, to, q.Exclude, q.Limit, q.Limit*marsad.CandidateCut)
	if err != nil {
		return nil, fmt.Errorf("related candidates: %w", err)
	}
	var hits []marsad.SearchHit
	for rows.Next() {
		var h marsad.SearchHit
		var n int
		a, err := scanArticle(rows, &h.Score, &n)
		if err != nil {
			rows.Close()
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

// ResetTermVectors implements marsad.RelatedStore.
func (db *DB) ResetTermVectors(ctx context.Context, stage string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{`DELETE FROM related_keys`, `DELETE FROM related_vectors`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return oweAgain(ctx, tx, stage)
	})
	if err != nil {
		return fmt.Errorf("reset term vectors: %w", err)
	}
	return nil
}
