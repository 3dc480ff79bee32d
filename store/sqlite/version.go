package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/marsad/marsad"
)

var _ marsad.VersionService = (*DB)(nil)

// dataVersion holds one connection that only ever asks SQLite's
// data_version: its value changes whenever another connection — of this
// process or of any other one on the same file — has committed since the
// last call. The connection never writes, so every commit counts.
type dataVersion struct {
	mu      sync.Mutex
	conn    *sql.Conn
	last    int64 // data_version seen last
	version int64 // what DataVersion returns: bumped on every change
}

// DataVersion implements marsad.VersionService: one PRAGMA on a held
// connection (a few microseconds), no table read.
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	v := &db.ver
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn == nil {
		c, err := db.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("data version: %w", err)
		}
		v.conn = c
		v.version++ // a new connection has seen nothing yet
	}
	var dv int64
	if err := v.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&dv); err != nil {
		// Drop the connection: the next call starts over and counts as a change.
		v.conn.Close()
		v.conn = nil
		return 0, fmt.Errorf("data version: %w", err)
	}
	if dv != v.last {
		v.last = dv
		v.version++
	}
	return v.version, nil
}

func (v *dataVersion) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn != nil {
		v.conn.Close()
		v.conn = nil
	}
}
