// Package sqlite implements marsad.Store on one SQLite file (pure Go driver
// modernc.org/sqlite, no cgo) in WAL mode, with FTS5 over analyzed terms.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/marsad/marsad"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Compile-time check that DB is a marsad.Store.
var _ marsad.Store = (*DB)(nil)

// DB is a marsad store in one SQLite file.
type DB struct {
	db   *sql.DB
	path string
	// Now returns the current time; tests replace it.
	Now func() time.Time
	ver dataVersion // DataVersion's own connection (version.go)
	// cands holds the candidate query prepared once per number of terms
	// (related.go): compiling it costs a quarter of running it.
	cands stmtSet
}

// Open opens (creating when needed) the store at path and brings its schema
// up to date. ":memory:" is not supported because the pool shares nothing;
// use a file in a temporary folder instead.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, marsad.Errorf(marsad.EINVALID, "store path is empty")
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(30000)",
		"foreign_keys(ON)",
		"synchronous(NORMAL)",
		"cache_size(-16384)", // 16 MiB page cache per connection
		"temp_store(MEMORY)",
		"wal_autocheckpoint(4096)", // checkpoint every 16 MiB of WAL: fewer copies of hot pages
	} {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE takes the write lock up front, so two writers queue on
	// busy_timeout instead of failing with SQLITE_BUSY halfway through.
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	db := &DB{db: sqldb, path: path, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("migrate store %s: %w", path, err)
	}
	return db, nil
}

// Close closes the store.
func (db *DB) Close() error {
	db.ver.close()
	db.cands.close()
	return db.db.Close()
}

// Path returns the file the store lives in.
func (db *DB) Path() string { return db.path }

// migrate applies, in name order, every embedded migration not yet recorded
// in schema_migrations, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.applyMigration(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, name string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	buf, err := migrationFS.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied) VALUES (?, ?)`, name, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// Meta returns the value stored under key in the meta table, "" if none.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// SetMeta stores value under key in the meta table.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Stats returns counts of what the store holds.
func (db *DB) Stats(ctx context.Context) (*marsad.Stats, error) {
	var s marsad.Stats
	counts := []struct {
		dst   *int
		query string
	}{
		{&s.Articles, `SELECT count(*) FROM articles`},
		{&s.Sources, `SELECT count(*) FROM sources`},
		{&s.Copies, `SELECT count(*) FROM articles WHERE canonical_id IS NOT NULL`},
	}
	for _, c := range counts {
		if err := db.db.QueryRowContext(ctx, c.query).Scan(c.dst); err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
	}
	for _, c := range []struct {
		dst   *int
		query string
	}{
		{&s.Feeds, `SELECT count(*) FROM feeds`},
		{&s.Stories, `SELECT count(*) FROM stories`},
		{&s.Tags, `SELECT count(*) FROM tags`},
	} {
		if err := db.db.QueryRowContext(ctx, c.query).Scan(c.dst); err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
	}
	pending, err := db.OwedCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	s.Pending = pending
	return &s, nil
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// limitOffset returns the LIMIT/OFFSET clause of a page: nothing when the
// page is the whole list. SQLite has no OFFSET without LIMIT; its
// "no limit" is LIMIT -1, which other databases refuse, so it appears
// only for an offset alone.
func limitOffset(limit, offset int) string {
	switch {
	case limit > 0 && offset > 0:
		return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
	case limit > 0:
		return fmt.Sprintf(" LIMIT %d", limit)
	case offset > 0:
		return fmt.Sprintf(" LIMIT -1 OFFSET %d", offset)
	}
	return ""
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

// stmtCache prepares each statement once per transaction and reuses it:
// modernc's driver compiles every Exec and Query anew, which costs more
// than the work itself for the small statements the stages run by the
// thousand.
type stmtCache struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newStmtCache(tx *sql.Tx) stmtCache {
	return stmtCache{tx: tx, stmts: map[string]*sql.Stmt{}}
}

// stmt returns the prepared form of query.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

// close closes every prepared statement.
func (c *stmtCache) close() {
	for _, s := range c.stmts {
		s.Close()
	}
}
