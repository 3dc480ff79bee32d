// Package testdata finds the shared real data sets (../shared/data) for tests.
//
// Tests call Dir or Path; when the data folder is absent they skip with a
// clear message, unless MARSAD_REQUIRE_DATA=1, when they fail instead (CI).
package testdata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the data folder: $MARSAD_TEST_DATA, else ../shared/data next
// to the repository root. ok is false when it does not exist.
func Root() (dir string, ok bool) {
	// file is <repo>/internal/testdata/testdata.go. A relative
	// MARSAD_TEST_DATA is read from the repository root, where CI and the
	// README set it: `go test` runs each package in its own folder.
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	dir = os.Getenv("MARSAD_TEST_DATA")
	if dir == "" {
		dir = filepath.Join(repo, "..", "shared", "data")
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(repo, dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// Path returns the path of a file or folder inside the data folder (for
// example "saudinewsnet/articles.jsonl"), skipping or failing t when it is
// missing.
func Path(t testing.TB, rel string) string {
	t.Helper()
	root, ok := Root()
	p := filepath.Join(root, rel)
	if ok {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("MARSAD_REQUIRE_DATA") == "1" {
		t.Fatalf("test data %s is missing (MARSAD_REQUIRE_DATA=1); set MARSAD_TEST_DATA to the shared data folder", p)
	}
	t.Skipf("test data %s not found: set MARSAD_TEST_DATA to the shared data folder to run this test", p)
	return ""
}
