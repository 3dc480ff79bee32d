package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/marsad/marsad"
)

// RegisterStages implements marsad.WorkService. A stage new to the store
// owes every stored article, in the same transaction that registers it.
func (db *DB) RegisterStages(ctx context.Context, stages []string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("register stages: %w", err)
	}
	defer tx.Rollback()
	for i, name := range stages {
		if strings.TrimSpace(name) == "" {
			return marsad.Errorf(marsad.EINVALID, "stage %d has no name", i)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO stages (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, i)
		if err != nil {
			return fmt.Errorf("register stage %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stage_work (stage, article_id) SELECT ?, id FROM articles WHERE true
			ON CONFLICT DO NOTHING`, name); err != nil {
			return fmt.Errorf("register stage %s: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("register stages: %w", err)
	}
	return nil
}

// OwedArticles implements marsad.WorkService through the primary key of
// stage_work.
func (db *DB) OwedArticles(ctx context.Context, stage string, after int64, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = 500
	}
	ids, err := queryIDs(ctx, db.db, `SELECT article_id FROM stage_work WHERE stage = ? AND article_id > ?
		ORDER BY article_id LIMIT ?`, stage, after, limit)
	if err != nil {
		return nil, fmt.Errorf("owed articles of %s: %w", stage, err)
	}
	return ids, nil
}

// OwedCounts implements marsad.WorkService.
func (db *DB) OwedCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT s.name, (SELECT count(*) FROM stage_work w WHERE w.stage = s.name)
		FROM stages s ORDER BY s.position, s.name`)
	if err != nil {
		return nil, fmt.Errorf("owed work: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("owed work: %w", err)
		}
		out[name] = n
	}
	return out, rows.Err()
}

// CompleteWork implements marsad.WorkService.
func (db *DB) CompleteWork(ctx context.Context, stage string, ids []int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("complete %s work: %w", stage, err)
	}
	defer tx.Rollback()
	c := newStmtCache(tx)
	defer c.close()
	if err := completeWork(ctx, &c, stage, ids); err != nil {
		return err
	}
	return tx.Commit()
}

// OweAgain implements marsad.WorkService.
func (db *DB) OweAgain(ctx context.Context, stage string) error {
	return oweAgain(ctx, db.db, stage)
}

func oweAgain(ctx context.Context, q execQuerier, stage string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO stages (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`, stage); err != nil {
		return fmt.Errorf("owe again %s: %w", stage, err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO stage_work (stage, article_id) SELECT ?, id FROM articles WHERE true
		ON CONFLICT DO NOTHING`, stage); err != nil {
		return fmt.Errorf("owe again %s: %w", stage, err)
	}
	return nil
}

// queryIDs runs a query of one int64 column and returns its values.
func queryIDs(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// owed returns which of ids stage still owes, inside tx.
func owed(ctx context.Context, c *stmtCache, stage string, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(len(ids), start+inChunk)]
		st, err := c.stmt(ctx, `SELECT article_id FROM stage_work WHERE stage = ? AND article_id IN (`+placeholders(len(chunk))+`)`)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(ctx, append([]any{stage}, int64Args(chunk)...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// completeWork deletes stage's rows for ids inside tx.
func completeWork(ctx context.Context, c *stmtCache, stage string, ids []int64) error {
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(len(ids), start+inChunk)]
		st, err := c.stmt(ctx, `DELETE FROM stage_work WHERE stage = ? AND article_id IN (`+placeholders(len(chunk))+`)`)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, append([]any{stage}, int64Args(chunk)...)...); err != nil {
			return fmt.Errorf("complete %s work: %w", stage, err)
		}
	}
	return nil
}

// oweNew records, inside the save transaction, that every registered stage
// owes the newly inserted articles.
func oweNew(ctx context.Context, tx *sql.Tx, ids []int64) error {
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(len(ids), start+inChunk)]
		if _, err := tx.ExecContext(ctx, `INSERT INTO stage_work (stage, article_id) SELECT s.name, a.id
			FROM stages s CROSS JOIN articles a WHERE a.id IN (`+placeholders(len(chunk))+`)
			ON CONFLICT DO NOTHING`, int64Args(chunk)...); err != nil {
			return fmt.Errorf("owe new articles: %w", err)
		}
	}
	return nil
}
