package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

// TakeLease implements marsad.LeaseService in one statement. Two callers
// at once: the second's insert waits on the first's row, then PostgreSQL
// evaluates the update's condition on the row the first wrote, so only one
// of them gets it (or the expired lease's former holder keeps nothing).
func (db *DB) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := checkLease(name, holder); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, marsad.Errorf(marsad.EINVALID, "lease %s: ttl %v is not positive", name, ttl)
	}
	var got string
	err := db.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, expires) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= $4
		RETURNING holder`, name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli()).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return got == holder, nil
}

// ReleaseLease implements marsad.LeaseService.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := checkLease(name, holder); err != nil {
		return err
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// Leases implements marsad.LeaseService.
func (db *DB) Leases(ctx context.Context, now time.Time) ([]marsad.Lease, error) {
	rows, err := db.pool.Query(ctx, `SELECT name, holder, expires FROM leases WHERE expires > $1 ORDER BY name`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	var out []marsad.Lease
	var l marsad.Lease
	var ms int64
	if _, err := pgx.ForEachRow(rows, []any{&l.Name, &l.Holder, &ms}, func() error {
		l.Until = time.UnixMilli(ms).UTC()
		out = append(out, l)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	return out, nil
}

func checkLease(name, holder string) error {
	if strings.TrimSpace(name) == "" {
		return marsad.Errorf(marsad.EINVALID, "lease has no name")
	}
	if strings.TrimSpace(holder) == "" {
		return marsad.Errorf(marsad.EINVALID, "lease %s: no holder", name)
	}
	return nil
}

// ReadyWork implements marsad.WorkService as store/sqlite does; URLs
// compare byte by byte (COLLATE "C"), as SQLite's BINARY and Go do, so both
// stores hand the work over in the same order.
func (db *DB) ReadyWork(ctx context.Context, stage string, limit int) ([]int64, error) {
	if strings.TrimSpace(stage) == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "ready work: no stage")
	}
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.pool.Query(ctx, `SELECT w.article_id FROM stage_work w JOIN articles a ON a.id = w.article_id
		WHERE w.stage = $1 AND NOT EXISTS (SELECT 1 FROM stages s JOIN stage_work e ON e.stage = s.name AND e.article_id = w.article_id
			WHERE s.position < (SELECT position FROM stages WHERE name = $1))
		ORDER BY a.published, a.url COLLATE "C", a.id LIMIT $2`, stage, limit)
	if err != nil {
		return nil, fmt.Errorf("ready work of %s: %w", stage, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("ready work of %s: %w", stage, err)
	}
	return ids, nil
}
