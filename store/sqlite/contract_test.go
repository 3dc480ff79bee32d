package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/sqlite"
	"github.com/marsad/marsad/store/storetest"
)

// TestContract runs the store contract suite on a store in a fresh file;
// reopen opens the same file again, as another process would.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (marsad.Store, func(t *testing.T) marsad.Store) {
		path := filepath.Join(t.TempDir(), "contract.db")
		open := func(t *testing.T) marsad.Store {
			t.Helper()
			db, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		return open(t), open
	})
}
