package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/marsad/marsad"
)

var _ marsad.VersionService = (*DB)(nil)

// dataVersion tracks PostgreSQL's current snapshot, "xmin:xmax:in-progress
// xids". Every transaction that writes gets an xid: when it starts, xmax
// moves past it, and when it commits or aborts, it leaves the in-progress
// list or xmin moves. So the snapshot text changes whenever a write of any
// process has begun or ended since the last call, without reading a table
// and without a counter row that every writer would have to lock.
// Read-only transactions take no xid and change nothing. (Writes to other
// databases of the server change it too: a reader then recomputes a page
// it did not need to, which is only a cost.)
type dataVersion struct {
	mu      sync.Mutex
	last    string // snapshot seen last
	version int64  // what DataVersion returns: bumped on every change
}

// DataVersion implements marsad.VersionService: one tiny query, no table read.
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	var snap string
	if err := db.pool.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&snap); err != nil {
		return 0, fmt.Errorf("data version: %w", err)
	}
	v := &db.ver
	v.mu.Lock()
	defer v.mu.Unlock()
	if snap != v.last || v.version == 0 {
		v.last = snap
		v.version++
	}
	return v.version, nil
}
