package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marsad/marsad"
)

// TakeLease implements marsad.LeaseService in one statement: the insert
// takes a lease nobody holds, the update a lease expired or already the
// caller's; SQLite's single writer makes the check and the write one step.
func (db *DB) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := checkLease(name, holder); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, marsad.Errorf(marsad.EINVALID, "lease %s: ttl %v is not positive", name, ttl)
	}
	var got string
	err := db.db.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= ?
		RETURNING holder`, name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli()).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
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
	if _, err := db.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// Leases implements marsad.LeaseService.
func (db *DB) Leases(ctx context.Context, now time.Time) ([]marsad.Lease, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT name, holder, expires FROM leases WHERE expires > ? ORDER BY name`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	defer rows.Close()
	var out []marsad.Lease
	for rows.Next() {
		var l marsad.Lease
		var ms int64
		if err := rows.Scan(&l.Name, &l.Holder, &ms); err != nil {
			return nil, fmt.Errorf("leases: %w", err)
		}
		l.Until = time.UnixMilli(ms).UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
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

// ReadyWork implements marsad.WorkService: stage's owed rows whose article
// no earlier stage (by registered position) still owes, in published, URL
// (BINARY: byte order), id order.
func (db *DB) ReadyWork(ctx context.Context, stage string, limit int) ([]int64, error) {
	if strings.TrimSpace(stage) == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "ready work: no stage")
	}
	if limit <= 0 {
		limit = 500
	}
	ids, err := queryIDs(ctx, db.db, `SELECT w.article_id FROM stage_work w JOIN articles a ON a.id = w.article_id
		WHERE w.stage = ? AND NOT EXISTS (SELECT 1 FROM stages s JOIN stage_work e ON e.stage = s.name AND e.article_id = w.article_id
			WHERE s.position < (SELECT position FROM stages WHERE name = ?))
		ORDER BY a.published, a.url, a.id LIMIT ?`, stage, stage, limit)
	if err != nil {
		return nil, fmt.Errorf("ready work of %s: %w", stage, err)
	}
	return ids, nil
}
