package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

// RegisterStages implements marsad.WorkService. A stage new to the store
// owes every stored article, in the same transaction that registers it.
func (db *DB) RegisterStages(ctx context.Context, stages []string) error {
	for i, name := range stages {
		if strings.TrimSpace(name) == "" {
			return marsad.Errorf(marsad.EINVALID, "stage %d has no name", i)
		}
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for i, name := range stages {
			tag, err := tx.Exec(ctx, `INSERT INTO stages (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, i)
			if err != nil {
				return fmt.Errorf("register stage %s: %w", name, err)
			}
			if tag.RowsAffected() == 0 {
				continue
			}
			if err := oweAll(ctx, tx, name); err != nil {
				return fmt.Errorf("register stage %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("register stages: %w", err)
	}
	return nil
}

// oweAll makes stage owe every stored article. It first waits for the
// transactions saving articles to end and holds new ones off (SHARE mode
// conflicts with their inserts): a save that began before the stage
// existed owes the new articles to the stages it saw, and its articles
// would otherwise be visible to neither statement.
func oweAll(ctx context.Context, tx pgx.Tx, stage string) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE articles IN SHARE MODE`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO stage_work (stage, article_id) SELECT $1, id FROM articles
		ON CONFLICT DO NOTHING`, stage)
	return err
}

// OwedArticles implements marsad.WorkService through the primary key of
// stage_work.
func (db *DB) OwedArticles(ctx context.Context, stage string, after int64, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.pool.Query(ctx, `SELECT article_id FROM stage_work WHERE stage = $1 AND article_id > $2
		ORDER BY article_id LIMIT $3`, stage, after, limit)
	if err != nil {
		return nil, fmt.Errorf("owed articles of %s: %w", stage, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("owed articles of %s: %w", stage, err)
	}
	return ids, nil
}

// OwedCounts implements marsad.WorkService.
func (db *DB) OwedCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT s.name, (SELECT count(*) FROM stage_work w WHERE w.stage = s.name)
		FROM stages s ORDER BY s.position, s.name`)
	if err != nil {
		return nil, fmt.Errorf("owed work: %w", err)
	}
	out := map[string]int{}
	var name string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { out[name] = n; return nil }); err != nil {
		return nil, fmt.Errorf("owed work: %w", err)
	}
	return out, nil
}

// CompleteWork implements marsad.WorkService.
func (db *DB) CompleteWork(ctx context.Context, stage string, ids []int64) error {
	if err := completeWork(ctx, db.pool, stage, ids); err != nil {
		return err
	}
	return nil
}

// OweAgain implements marsad.WorkService.
func (db *DB) OweAgain(ctx context.Context, stage string) error {
	if err := db.inTx(ctx, func(tx pgx.Tx) error { return oweAgain(ctx, tx, stage) }); err != nil {
		return err
	}
	return nil
}

func oweAgain(ctx context.Context, tx pgx.Tx, stage string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO stages (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`, stage); err != nil {
		return fmt.Errorf("owe again %s: %w", stage, err)
	}
	if err := oweAll(ctx, tx, stage); err != nil {
		return fmt.Errorf("owe again %s: %w", stage, err)
	}
	return nil
}

// owed returns which of ids stage still owes.
func owed(ctx context.Context, q querier, stage string, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT article_id FROM stage_work WHERE stage = $1 AND article_id = ANY($2)`, stage, ids)
	if err != nil {
		return nil, err
	}
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { out[id] = true; return nil }); err != nil {
		return nil, err
	}
	return out, nil
}

// completeWork deletes stage's rows for ids.
func completeWork(ctx context.Context, q querier, stage string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := q.Exec(ctx, `DELETE FROM stage_work WHERE stage = $1 AND article_id = ANY($2)`, stage, ids); err != nil {
		return fmt.Errorf("complete %s work: %w", stage, err)
	}
	return nil
}

// oweNew records, inside the save transaction, that every registered stage
// owes the newly inserted articles.
func oweNew(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO stage_work (stage, article_id) SELECT s.name, i
		FROM stages s CROSS JOIN unnest($1::bigint[]) i ON CONFLICT DO NOTHING`, ids); err != nil {
		return fmt.Errorf("owe new articles: %w", err)
	}
	return nil
}
