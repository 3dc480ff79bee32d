// Package pgtest gives each test a fresh, empty PostgreSQL schema in the
// database that MARSAD_TEST_DATABASE_URL names (CI and .ci/run point it at
// the machine's PostgreSQL). Without that variable the test is skipped with
// a message, so a clone without PostgreSQL still passes; with
// MARSAD_REQUIRE_DATA=1 it fails instead, as tests on the shared data do.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/marsad/marsad/store/postgres/pgurl"
)

// EnvURL is the variable naming the test database.
const EnvURL = "MARSAD_TEST_DATABASE_URL"

// URL creates a schema marsad_test_<random> in the test database and
// returns a database URL whose connections use it (search_path), dropping
// the schema and everything in it when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("MARSAD_REQUIRE_DATA") == "1" {
			t.Fatalf("%s is not set (MARSAD_REQUIRE_DATA=1): point it at a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable", EnvURL)
		}
		t.Skipf("%s is not set: skipping the PostgreSQL store test (set it to a database the tests may create schemas in)", EnvURL)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "marsad_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(base, schema)
}

// WithSearchPath is pgurl.WithSearchPath, for the tests that build their
// own schemas.
func WithSearchPath(raw, schema string) string { return pgurl.WithSearchPath(raw, schema) }
