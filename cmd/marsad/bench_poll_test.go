package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/postgres/pgtest"
)

// TestBenchPoll runs bench poll small, with real worker processes (this
// test binary re-executed as marsad), on SQLite and on PostgreSQL: every
// served article must end stored, with nothing owed, for one worker and
// for two, and the workers must have reached the loopback feeds only
// because the bench allowed them to.
func TestBenchPoll(t *testing.T) {
	file := testdata.Path(t, "ant_multisource/articles.jsonl")
	t.Setenv("MARSAD_TEST_CHILD", "1") // the children are marsad (TestMain)
	for _, tt := range []struct {
		name  string
		store func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.URL(t)} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.store(t), "bench", "poll", "--feeds", "30", "--hosts", "3", "--articles", "240",
				"--workers", "1,2", "--schema-prefix", "marsad_test_poll", file)
			out, err := run(t, filepath.Join(t.TempDir(), "unused.db"), args...)
			if err != nil {
				t.Fatalf("bench poll: %v\n%s", err, out)
			}
			runs := regexp.MustCompile(`(?m)^run workers=(\d+): articles=(\d+) copies=\d+ stories=(\d+) failed_feeds=(\d+) feed_requests=(\d+)`).FindAllStringSubmatch(out, -1)
			if len(runs) != 2 {
				t.Fatalf("want a line per worker count, got:\n%s", out)
			}
			for _, m := range runs {
				if m[2] != "240" || m[3] == "0" || m[4] != "0" || m[5] != "30" {
					t.Errorf("workers=%s: %s articles, %s stories, %s feeds failed, %s feed requests; want 240 stored, some stories, none failed, 30 requests",
						m[1], m[2], m[3], m[4], m[5])
				}
			}
			last := lastLine(out)
			m := regexp.MustCompile(`^bench poll: store=(\w+) feeds=30 items=240 workers=1,2 stored_s=[0-9.]+,[0-9.]+ done_s=[0-9.]+,[0-9.]+ ratio=([0-9.]+)$`).FindStringSubmatch(last)
			if m == nil || m[1] != tt.name {
				t.Fatalf("last line %q", last)
			}
			if r, _ := strconv.ParseFloat(m[2], 64); r <= 0 {
				t.Errorf("ratio %s", m[2])
			}
			if tt.name == "postgres" {
				assertNoSchema(t, "marsad_test_poll_")
			}
		})
	}
}

// assertNoSchema fails when a schema named prefix… is left in the test
// database (each run's store is dropped).
func assertNoSchema(t *testing.T, prefix string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left []string
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, prefix)
	if err != nil {
		t.Fatal(err)
	}
	left, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("schemas left behind: %s", strings.Join(left, ", "))
	}
}

func TestFeedShares(t *testing.T) {
	for _, tt := range []struct {
		name   string
		counts []int // articles per outlet
		feeds  int
	}{
		{"proportional", []int{700, 200, 100}, 10},
		{"a small outlet keeps one feed", []int{990, 5, 5}, 10},
		{"as many feeds as articles", []int{3, 2, 1}, 6},
		{"one outlet", []int{50}, 7},
		{"the feed left over goes to the fullest feeds", []int{600, 250, 150}, 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			by := map[string][]int{}
			var sources []string
			total := 0
			for i, n := range tt.counts {
				s := string(rune('a' + i))
				sources = append(sources, s)
				by[s] = make([]int, n)
				total += n
			}
			share := feedShares(sources, by, total, tt.feeds)
			sum := 0
			for _, s := range sources {
				if share[s] < 1 || share[s] > len(by[s]) {
					t.Errorf("outlet %s with %d articles has %d feeds", s, len(by[s]), share[s])
				}
				sum += share[s]
			}
			if sum != tt.feeds {
				t.Errorf("%d feeds in all, want %d (%v)", sum, tt.feeds, share)
			}
			// Proportional: no outlet has twice the articles per feed of
			// another that has more than one feed.
			for _, x := range sources {
				for _, y := range sources {
					px, py := float64(len(by[x]))/float64(share[x]), float64(len(by[y]))/float64(share[y])
					if share[y] > 1 && px > 2*py+1 {
						t.Errorf("outlet %s: %.1f articles per feed, %s: %.1f (%v)", x, px, y, py, share)
					}
				}
			}
		})
	}
}

// TestBenchImportWithWorkers imports 300 real articles with the stages
// left to worker processes, against the one-process import of the same
// run: every store ends with every article and nothing owed (the run
// waits for it), on SQLite and on PostgreSQL.
func TestBenchImportWithWorkers(t *testing.T) {
	src := testdata.Path(t, "ant_multisource/articles.jsonl")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")[:300]
	file := filepath.Join(t.TempDir(), "part.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MARSAD_TEST_CHILD", "1")
	for _, tt := range []struct {
		name  string
		store func(t *testing.T) []string
		want  []string // the runs' stores and worker counts, in order
	}{
		{"sqlite", func(t *testing.T) []string { return nil }, []string{"sqlite/0", "sqlite/2"}},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.URL(t)} }, []string{"sqlite/0", "postgres/0", "postgres/2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.store(t), "bench", "import", "--workers", "0,2", "--schema-prefix", "marsad_test_import", file)
			if tt.name == "sqlite" {
				args = append(tt.store(t), "bench", "import", "--workers", "0,2", file)
			}
			out, err := run(t, filepath.Join(t.TempDir(), "unused.db"), args...)
			if err != nil {
				t.Fatalf("bench import: %v\n%s", err, out)
			}
			runs := regexp.MustCompile(`(?m)^run store=(\w+) workers=(\d+): articles=(\d+) imported=(\d+) copies=\d+ stories=(\d+) .* worker_cpu_s=(\S+) caught_up=(\S+)`).FindAllStringSubmatch(out, -1)
			var got []string
			for _, m := range runs {
				got = append(got, m[1]+"/"+m[2])
				if m[3] != "300" || m[4] == "0" || m[5] == "0" {
					t.Errorf("%s/%s: %s read, %s imported, %s stories", m[1], m[2], m[3], m[4], m[5])
				}
				if m[2] != "0" && (m[6] == "-" || !strings.Contains(m[7], "story:")) {
					t.Errorf("%s/%s: workers' CPU %s, caught up %s: the workers did not do the stages", m[1], m[2], m[6], m[7])
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("runs %v, want %v:\n%s", got, tt.want, out)
			}
			if !regexp.MustCompile(`^bench import: articles=300 rates_per_s=\S+ ratio_to_first=[0-9.]+$`).MatchString(lastLine(out)) {
				t.Errorf("last line %q", lastLine(out))
			}
			if tt.name == "postgres" {
				assertNoSchema(t, "marsad_test_import_")
			}
		})
	}
}
