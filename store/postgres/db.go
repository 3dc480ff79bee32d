// Package postgres implements marsad.Store on PostgreSQL (pgx, no cgo),
// for archives and deployments that outgrow one SQLite file: several marsad
// processes share one database. It behaves as store/sqlite does, row for
// row (the contract suite store/storetest runs against both); search runs
// over a tsvector of the analyzer's own terms with a GIN index.
//
// Processes coordinate through the database only: a write transaction that
// must run alone (story saves, dedup batches, migrations) takes a
// transaction-scoped advisory lock, keyed by the schema so that stores in
// different schemas of one database never wait for each other.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/marsad/marsad"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Compile-time check that DB is a marsad.Store.
var _ marsad.Store = (*DB)(nil)

// Advisory lock classes (the first key of pg_advisory_xact_lock(int, int);
// the second is the schema's hash).
const (
	lockMigrate int32 = 0x6d617201 + iota // "mar\x01"
	lockStory
	lockDedup
)

// DB is a marsad store in a PostgreSQL database (the schema the
// connection's search_path names first).
type DB struct {
	pool *pgxpool.Pool
	// schemaKey is hashtext(current_schema()): the second key of every
	// advisory lock.
	schemaKey int32
	// Now returns the current time; tests replace it.
	Now func() time.Time
	ver dataVersion
}

// Open connects to the database at url (postgres://… or a libpq
// connection string; a search_path parameter selects the schema) and
// brings its schema up to date.
func Open(ctx context.Context, url string) (*DB, error) {
	if strings.TrimSpace(url) == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "database URL is empty")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL with its password: keep it out.
		return nil, marsad.Errorf(marsad.EINVALID, "database URL is not valid: %v", redactedParseError(err))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db := &DB{pool: pool, Now: time.Now}
	var key *int32
	var path string
	if err := pool.QueryRow(ctx, `SELECT hashtext(current_schema()), current_setting('search_path')`).Scan(&key, &path); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if key == nil {
		pool.Close()
		return nil, marsad.Errorf(marsad.EINVALID, "no schema of the search path %q exists: create it (CREATE SCHEMA name) or leave search_path out of the URL", path)
	}
	db.schemaKey = *key
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate PostgreSQL store: %w", err)
	}
	return db, nil
}

// redactedParseError keeps the kind of a connection-string error without
// the string itself.
func redactedParseError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return "cannot parse it"
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Migrate applies, in name order, every embedded migration not yet
// recorded in schema_migrations, all in one transaction under an advisory
// lock: two processes opening a new database at once apply each migration
// once, the second waiting for the first and then finding nothing to do.
func (db *DB) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockMigrate, db.schemaKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name text PRIMARY KEY, applied bigint NOT NULL)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT name FROM schema_migrations`)
		if err != nil {
			return err
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, name := range names {
			base := strings.TrimPrefix(name, "migrations/")
			if slices.Contains(done, base) {
				continue
			}
			buf, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(buf)); err != nil {
				return fmt.Errorf("%s: %w", base, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied) VALUES ($1, $2)`,
				base, time.Now().Unix()); err != nil {
				return fmt.Errorf("%s: %w", base, err)
			}
		}
		return nil
	})
}

// Migrations returns the names of the applied migrations, in order.
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// maxAttempts bounds the retries of a transaction that PostgreSQL chose as
// a deadlock victim or could not serialize: two processes saving batches
// that share URLs can wait on each other's unique-index entries.
const maxAttempts = 5

// inTx runs fn in a read-write transaction and commits it, running it
// again from the start when PostgreSQL aborted it for a deadlock or a
// serialization failure (fn must hold no state across attempts).
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.inTxOptions(ctx, pgx.TxOptions{}, fn)
}

// inTxOnce runs fn in a transaction with opts and commits it, without
// retries: for the callers' own functions (a stage's batch), which may
// keep state of their own across the call.
func (db *DB) inTxOnce(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, opts, fn)
}

func (db *DB) inTxOptions(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, db.pool, opts, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
		}
	}
}

// retryable tells a deadlock (40P01) or serialization failure (40001).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// Meta returns the value stored under key in the meta table, "" if none.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key in the meta table.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return nil
}

// Stats returns counts of what the store holds.
func (db *DB) Stats(ctx context.Context) (*marsad.Stats, error) {
	var s marsad.Stats
	err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM articles),
		(SELECT count(*) FROM sources),
		(SELECT count(*) FROM articles WHERE canonical_id IS NOT NULL),
		(SELECT count(*) FROM feeds),
		(SELECT count(*) FROM stories),
		(SELECT count(*) FROM tags)`).Scan(&s.Articles, &s.Sources, &s.Copies, &s.Feeds, &s.Stories, &s.Tags)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	pending, err := db.OwedCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	s.Pending = pending
	return &s, nil
}

// OptimizeIndex refreshes the planner's statistics and cleans up the
// GIN index's pending list after a large import (the GIN counterpart of
// SQLite's FTS5 segment merge).
func (db *DB) OptimizeIndex(ctx context.Context) error {
	for _, q := range []string{
		`SELECT gin_clean_pending_list('article_search_tsv'::regclass)`,
		`ANALYZE articles`,
		`ANALYZE article_search`,
		`ANALYZE stage_work`,
		`ANALYZE dedup_keys`,
		// Without fresh statistics after a bulk load the planner reads
		// all of tags for one article's tags (TagsOf: 34 ms a call after
		// restoring 14,129 articles, 0.2–0.4 ms once analyzed): an export
		// from PostgreSQL took 231 s instead of 19 s.
		`ANALYZE dedup_docs`,
		`ANALYZE stories`,
		`ANALYZE tags`,
		`ANALYZE tag_forms`,
		`ANALYZE article_tags`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("optimize index: %w", err)
		}
	}
	return nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// lock takes the advisory lock of class for the rest of tx.
func (db *DB) lock(ctx context.Context, tx pgx.Tx, class int32) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, class, db.schemaKey); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	return nil
}
