package postgres_test

import (
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/postgres"
	"github.com/marsad/marsad/store/postgres/pgtest"
	"github.com/marsad/marsad/store/storetest"
)

// TestContract runs the store contract suite on a fresh schema; reopen
// opens another pool on the same schema, as another process would.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (marsad.Store, func(t *testing.T) marsad.Store) {
		url := pgtest.URL(t)
		open := func(t *testing.T) marsad.Store {
			t.Helper()
			db, err := postgres.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		return open(t), open
	})
}
