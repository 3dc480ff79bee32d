package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/postgres"
	"github.com/marsad/marsad/store/postgres/pgurl"
	"github.com/marsad/marsad/store/sqlite"
)

// The benchmarks that run worker processes (bench poll, bench import
// --workers) share what is here: a fresh store per run — a SQLite file in
// a temporary folder, or a PostgreSQL schema of its own when
// --database-url is given — and a fleet of `marsad serve --role worker`
// processes of this very binary over it, so what is measured is what an
// operator runs.

// benchStore is one run's new, empty store.
type benchStore struct {
	db      marsad.Store
	flags   []string // what selects it on a marsad command line
	name    string   // for the report: the file, or the schema
	cleanup func() error
}

// newBenchStore makes a new store for one run: a schema
// PREFIX_LABEL_RANDOM in the database of --database-url, or a SQLite file
// in a temporary folder. keep leaves it in place for inspection.
func (a *cli) newBenchStore(ctx context.Context, prefix, label string, keep bool) (*benchStore, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	if a.cfg.DatabaseURL == "" {
		dir, err := os.MkdirTemp("", "marsad-bench-"+label+"-")
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "bench.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		return &benchStore{db: db, flags: []string{"--db", path}, name: path, cleanup: func() error {
			db.Close()
			if keep {
				return nil
			}
			return os.RemoveAll(dir)
		}}, nil
	}
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(prefix) {
		return nil, marsad.Errorf(marsad.EINVALID, "--schema-prefix %q: want lower-case letters, digits and _", prefix)
	}
	schema := prefix + "_" + label + "_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		// Also after an interrupt: the schema of an interrupted run is
		// dropped all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, a.cfg.DatabaseURL)
		if err != nil {
			return fmt.Errorf("bench store: connect: %w", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("bench store: %s: %w", sql, err)
		}
		return nil
	}
	if err := exec(`CREATE SCHEMA ` + schema); err != nil {
		return nil, err
	}
	u := pgurl.WithSearchPath(a.cfg.DatabaseURL, schema)
	db, err := postgres.Open(ctx, u)
	if err != nil {
		_ = exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		return nil, err
	}
	return &benchStore{db: db, flags: []string{"--database-url", u}, name: "schema " + schema, cleanup: func() error {
		db.Close()
		if keep {
			return nil
		}
		return exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	}}, nil
}

// workerProc is one `marsad serve --role worker` child.
type workerProc struct {
	cmd    *exec.Cmd
	logs   string // its standard error (the log), in a file
	exited chan struct{}
	err    error // set when exited closes
}

// fleet is the worker processes of one run.
type fleet struct {
	procs []*workerProc
}

// startFleet starts k worker processes of this binary over the store that
// storeFlags select, each with the serve flags extra, and each writing a
// CPU profile into profileDir (when set) named label-wN.pprof. The children
// inherit the environment (a test re-executing its binary as marsad sets
// its switch there).
func startFleet(ctx context.Context, k int, storeFlags, extra []string, profileDir, label string) (*fleet, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: find this binary: %w", err)
	}
	f := &fleet{}
	for i := range k {
		logs, err := os.CreateTemp("", fmt.Sprintf("marsad-bench-worker%d-*.log", i+1))
		if err != nil {
			f.stop()
			return nil, err
		}
		args := append(slices.Clone(storeFlags), "serve", "--role", "worker", "--addr", "127.0.0.1:0")
		if profileDir != "" {
			args = append(args, "--cpuprofile", filepath.Join(profileDir, fmt.Sprintf("%s-w%d.pprof", label, i+1)))
		}
		cmd := exec.Command(exe, append(args, extra...)...)
		cmd.Env = os.Environ()
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			logs.Close()
			f.stop()
			return nil, fmt.Errorf("bench: start worker %d: %w", i+1, err)
		}
		logs.Close() // the child holds its own descriptor
		p := &workerProc{cmd: cmd, logs: logs.Name(), exited: make(chan struct{})}
		go func() {
			p.err = cmd.Wait()
			close(p.exited)
		}()
		f.procs = append(f.procs, p)
	}
	return f, nil
}

// failed returns an error naming a worker that exited before it was
// stopped, with the end of its log; nil while all run.
func (f *fleet) failed() error {
	for i, p := range f.procs {
		select {
		case <-p.exited:
			return fmt.Errorf("bench: worker %d exited early (%v): %s", i+1, p.err, logTail(p.logs, 5))
		default:
		}
	}
	return nil
}

// stop asks every worker to end (SIGTERM: each finishes its batch), kills
// one that has not ended after a minute, and returns the CPU time the
// workers used, user and system, each.
func (f *fleet) stop() (cpu []time.Duration) {
	for _, p := range f.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range f.procs {
		select {
		case <-p.exited:
		case <-time.After(time.Minute):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		var d time.Duration
		if st := p.cmd.ProcessState; st != nil {
			d = st.UserTime() + st.SystemTime()
		}
		cpu = append(cpu, d)
	}
	return cpu
}

// remove deletes the workers' logs.
func (f *fleet) remove() {
	for _, p := range f.procs {
		os.Remove(p.logs)
	}
}

// caughtUpRe reads the log lines of a batch a stage was handed outside
// the commit of its articles: the pipeline's catch-up ("caught up") and,
// under the stages' leases, a worker's run ("stage work done").
var caughtUpRe = regexp.MustCompile(`msg="(?:caught up|stage work done)" stage=(\S+) articles=(\d+)`)

// logCounts reads the workers' logs: how many articles each stage was
// handed outside a commit (catch-up, or a leased run), summed over the
// workers (more than the articles means two workers did the same owed
// work), and how many WARN and ERROR lines there were.
func (f *fleet) logCounts() (caughtUp map[string]int, warnings int, err error) {
	caughtUp = map[string]int{}
	for _, p := range f.procs {
		fh, err := os.Open(p.logs)
		if err != nil {
			return nil, 0, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := caughtUpRe.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[2])
				caughtUp[m[1]] += n
			}
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				warnings++
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, 0, err
		}
	}
	return caughtUp, warnings, nil
}

// logTail returns the last n lines of a file, joined by " | ".
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// progressWatch samples a store while a run goes on: the article count and
// the work the stages owe, every sampleEvery.
type progressWatch struct {
	start   time.Time
	samples []progressSample
}

type progressSample struct {
	at       time.Duration
	articles int
	owed     int
}

const sampleEvery = 200 * time.Millisecond

// sample records the store's article count and owed work now.
func (w *progressWatch) sample(ctx context.Context, db marsad.Store) (progressSample, error) {
	n, err := db.CountArticles(ctx)
	if err != nil {
		return progressSample{}, err
	}
	owed, err := db.OwedCounts(ctx)
	if err != nil {
		return progressSample{}, err
	}
	s := progressSample{at: time.Since(w.start), articles: n}
	for _, v := range owed {
		s.owed += v
	}
	w.samples = append(w.samples, s)
	return s, nil
}

// storedAt is when the article count first reached its last value: every
// article was in the store from then on.
func (w *progressWatch) storedAt() time.Duration {
	last := w.samples[len(w.samples)-1].articles
	for _, s := range w.samples {
		if s.articles == last {
			return s.at
		}
	}
	return w.samples[len(w.samples)-1].at
}

// formatCounts prints a map as k:v,k:v in key order ("-" when empty).
func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, ",")
}

// parseWorkerCounts reads a list such as "1,2" (each ≥ min).
func parseWorkerCounts(s string, least int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			return nil, marsad.Errorf(marsad.EINVALID, "--workers %q: want a list of counts ≥ %d, e.g. 1,2", s, least)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("--workers: empty")
	}
	return out, nil
}

// sumDurations adds ds.
func sumDurations(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
