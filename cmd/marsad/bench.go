package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/search"
	"github.com/marsad/marsad/store/sqlite"
)

// benchCmd groups the speed measurements; each prints its figures on its
// last line as `bench NAME: key=value ...`.
func (a *cli) benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure speed on real data"}
	cmd.AddCommand(a.benchDedupCmd(), a.benchImportCmd(), a.benchPollCmd(), a.benchRelatedCmd(), a.benchSearchCmd(), a.benchStoriesCmd())
	return cmd
}

func (a *cli) benchImportCmd() *cobra.Command {
	var keep, workers, prefix, profiles string
	var catchUp, timeout time.Duration
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import JSONL files into a new, temporary store and report articles/s and peak memory",
		Long: `Imports the files into a new, temporary SQLite store through the whole
pipeline and reports articles/s, the time per stage and peak memory.

With --database-url (PostgreSQL) or --workers, it runs several imports, each
into a new store (a schema of its own in that database): first SQLite as
above, the reference of the same run, then one import per count K of
--workers into the configured store. K=0 runs the whole pipeline in this
process, as ` + "`marsad import`" + ` does; K>0 only saves here, while K processes of
this binary (` + "`marsad serve --role worker --no-poll`" + `) do the stages' owed work,
and the import ends when nothing is owed. The last line gives each rate and
the last one's ratio to SQLite's.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if a.cfg.DatabaseURL == "" && workers == "0" {
				return a.benchImportSQLite(ctx, keep, args)
			}
			counts, err := parseWorkerCounts(workers, 0)
			if err != nil {
				return err
			}
			if keep != "" {
				return marsad.Errorf(marsad.EINVALID, "--keep is for the one-process SQLite import (without --workers and --database-url)")
			}
			var runs []importRun
			if a.cfg.DatabaseURL != "" {
				// The SQLite figure of the same run, for the ratio.
				sq := *a
				sq.cfg.DatabaseURL = ""
				r, err := sq.benchImportRun(ctx, 0, prefix, catchUp, timeout, args, "")
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "run store=sqlite workers=0: %s\n", r)
				runs = append(runs, r)
			}
			for _, k := range counts {
				r, err := a.benchImportRun(ctx, k, prefix, catchUp, timeout, args, profiles)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "run store=%s workers=%d: %s\n", r.store, k, r)
				runs = append(runs, r)
			}
			var rates []string
			for _, r := range runs {
				rates = append(rates, fmt.Sprintf("%s/%d=%.0f", r.store, r.workers, r.rate()))
			}
			fmt.Fprintf(a.stdout, "bench import: articles=%d rates_per_s=%s ratio_to_first=%.2f\n",
				runs[0].read, strings.Join(rates, ","), runs[len(runs)-1].rate()/runs[0].rate())
			return nil
		},
	}
	cmd.Flags().StringVar(&keep, "keep", "", "write the store here instead of a temporary file (one SQLite import)")
	cmd.Flags().StringVar(&workers, "workers", "0", "worker process counts, one import each (0: the stages run in the importing process), e.g. 0,2")
	cmd.Flags().DurationVar(&catchUp, "catch-up-every", time.Second, "the workers' --catch-up-every")
	cmd.Flags().StringVar(&prefix, "schema-prefix", "marsad_bench", "PostgreSQL: the runs' schemas are named PREFIX_LABEL_RANDOM")
	cmd.Flags().StringVar(&profiles, "worker-cpuprofile", "", "write each worker's CPU profile into this folder")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "give up waiting for the workers after this long")
	return cmd
}

// benchImportSQLite is the one-process import into a new SQLite store,
// with the time of each stage.
func (a *cli) benchImportSQLite(ctx context.Context, keep string, files []string) error {
	db, done, err := openBenchStore(ctx, keep)
	if err != nil {
		return err
	}
	defer done()
	p := a.useCases(db).Pipeline()
	start := time.Now()
	res, bytes, err := importFiles(ctx, p, files)
	if err != nil {
		return err
	}
	if err := db.OptimizeIndex(ctx); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	// Milliseconds per newly stored article spent in saving and in each stage.
	for _, k := range slices.Sorted(maps.Keys(res.Timings)) {
		fmt.Fprintf(a.stdout, "stage %s: ms_per_article=%.3f seconds=%.2f\n", k,
			float64(res.Timings[k].Microseconds())/1000/float64(max(res.Imported, 1)), res.Timings[k].Seconds())
	}
	fmt.Fprintf(a.stdout, "bench import: articles=%d imported=%d seconds=%.2f rate=%.0f/s mb_per_s=%.1f peak_rss_mb=%d\n",
		res.Read, res.Imported, secs, float64(res.Read)/secs, float64(bytes)/1e6/secs, peakRSSMB())
	return nil
}

// importFiles imports files through p, one after the other, and returns
// the summed result and the bytes read.
func importFiles(ctx context.Context, p *pipeline.Pipeline, files []string) (pipeline.Result, int64, error) {
	var total pipeline.Result
	var bytes int64
	total.Timings = map[string]time.Duration{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return total, 0, err
		}
		if st, err := f.Stat(); err == nil {
			bytes += st.Size()
		}
		res, err := importer.Run(ctx, importer.NewReader(f, name), p, importer.Options{})
		f.Close()
		if err != nil {
			return total, 0, err
		}
		total.Read += res.Read
		total.Imported += res.Imported
		for k, d := range res.Timings {
			total.Timings[k] += d
		}
	}
	return total, bytes, nil
}

// importRun is what one import of bench import --workers measured.
type importRun struct {
	store          string
	workers        int
	read, imported int
	saved, done    time.Duration
	importCPU      time.Duration // this process: reading, analysing, saving (and the stages when workers=0)
	cpu            []time.Duration
	caughtUp       map[string]int
	warnings       int
	st             *marsad.Stats
}

func (r importRun) rate() float64 { return float64(r.read) / r.done.Seconds() }

func (r importRun) String() string {
	var cpu []string
	for _, d := range r.cpu {
		cpu = append(cpu, fmt.Sprintf("%.1f", d.Seconds()))
	}
	return fmt.Sprintf("articles=%d imported=%d copies=%d stories=%d saved_s=%.1f done_s=%.1f rate=%.0f/s import_cpu_s=%.1f worker_cpu_s=%s caught_up=%s warnings=%d",
		r.read, r.imported, r.st.Copies, r.st.Stories, r.saved.Seconds(), r.done.Seconds(), r.rate(), r.importCPU.Seconds(),
		cmp.Or(strings.Join(cpu, "+"), "-"), formatCounts(r.caughtUp), r.warnings)
}

// benchImportRun imports files into a new store of the configured kind:
// with k = 0 through the whole pipeline in this process; with k > 0 saving
// only, while k worker processes catch up the stages, until nothing is
// owed.
func (a *cli) benchImportRun(ctx context.Context, k int, prefix string, catchUp, timeout time.Duration, files []string, profiles string) (r importRun, err error) {
	r.store, r.workers = storeKind(a.cfg.DatabaseURL), k
	bs, err := a.newBenchStore(ctx, prefix, "import"+strconv.Itoa(k), false)
	if err != nil {
		return r, err
	}
	defer func() {
		if cerr := bs.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	full := a.useCases(bs.db).Pipeline()
	p := full
	var fl *fleet
	cpu0 := selfCPU()
	w := &progressWatch{start: time.Now()}
	if k > 0 {
		// The stages are known to the store before the first article is
		// saved, so every saved article is owed to them; this process
		// then only saves (as a web process does) and the workers do the
		// stages.
		if err := full.CatchUp(ctx); err != nil {
			return r, err
		}
		p = pipeline.New(bs.db, analyzer.New(), pipeline.WithLogger(a.log))
		w.start = time.Now()
		if fl, err = startFleet(ctx, k, bs.flags, []string{"--no-poll", "--catch-up-every", catchUp.String()}, profiles, fmt.Sprintf("import-%s-k%d", r.store, k)); err != nil {
			return r, err
		}
		defer fl.remove()
		defer func() {
			if fl != nil {
				fl.stop()
			}
		}()
	}
	res, _, err := importFiles(ctx, p, files)
	if err != nil {
		return r, err
	}
	if err := bs.db.OptimizeIndex(ctx); err != nil {
		return r, err
	}
	r.read, r.imported = res.Read, res.Imported
	r.saved = time.Since(w.start)
	r.importCPU = selfCPU() - cpu0
	for k > 0 {
		if err := fl.failed(); err != nil {
			return r, err
		}
		s, err := w.sample(ctx, bs.db)
		if err != nil {
			return r, err
		}
		if s.owed == 0 {
			break
		}
		if time.Since(w.start) > timeout {
			return r, fmt.Errorf("bench import: %d workers still owe %d stage steps after %s", k, s.owed, timeout)
		}
		if err := sleepCtx(ctx, sampleEvery); err != nil {
			return r, err
		}
	}
	r.done = time.Since(w.start)
	if k > 0 {
		r.cpu = fl.stop()
		if r.caughtUp, r.warnings, err = fl.logCounts(); err != nil {
			return r, err
		}
		fl = nil
	}
	if r.st, err = bs.db.Stats(ctx); err != nil {
		return r, err
	}
	return r, nil
}

// selfCPU is the CPU time this process used so far, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// openBenchStore opens a new store for a benchmark: in a temporary folder
// removed by done, or at keep when it is set (kept for inspection).
func openBenchStore(ctx context.Context, keep string) (db *sqlite.DB, done func(), err error) {
	path := keep
	dir := ""
	if path == "" {
		if dir, err = os.MkdirTemp("", "marsad-bench-"); err != nil {
			return nil, nil, err
		}
		path = filepath.Join(dir, "bench.db")
	}
	if db, err = sqlite.Open(ctx, path); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		if dir != "" {
			os.RemoveAll(dir)
		}
	}, nil
}

// peakRSSMB is the peak resident memory of this process, in MB.
func peakRSSMB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Maxrss / 1024 // Linux reports KiB
}

func (a *cli) benchSearchCmd() *cobra.Command {
	var n, rounds, limit, showSlow int
	var seed uint64
	var queryFile, saveQueries string
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Run queries made from real titles against the store (--db) and report latency with snippets",
		Long: `Picks N articles at random (fixed seed), makes a query of two or three content
words of each title, and runs every query ROUNDS times: parse, search (BM25,
total count) and snippets of the first LIMIT hits, as "marsad search" does.

Two stores draw different titles, so comparing two binaries or two backends
on their own stores compares slightly different queries: --save-queries
writes the drawn queries (one per line) and --queries-file runs exactly
those, for a like-for-like comparison.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				an := analyzer.New()
				var queries []string
				var err error
				if queryFile != "" {
					queries, err = readQueries(queryFile)
				} else {
					queries, err = titleQueries(cmd, db, an, n, seed)
				}
				if err != nil {
					return err
				}
				if saveQueries != "" {
					if err := os.WriteFile(saveQueries, []byte(strings.Join(queries, "\n")+"\n"), 0o644); err != nil {
						return fmt.Errorf("--save-queries: %w", err)
					}
				}
				var lat []time.Duration
				hitsTotal := 0
				type slowQuery struct {
					d    time.Duration
					hits int
				}
				slow := map[string]slowQuery{}
				for r := 0; r < rounds; r++ {
					for _, qs := range queries {
						start := time.Now()
						q, err := search.Parse(qs, an)
						if err != nil {
							return fmt.Errorf("query %q: %w", qs, err)
						}
						q.Request.Limit = limit
						hits, total, err := db.Search(ctx, q.Request)
						if err != nil {
							return err
						}
						for _, h := range hits {
							_ = search.Highlight(an, h.Article.Title, q.Terms)
							_ = search.Snippet(an, h.Article.Body, q.Terms, 30)
						}
						d := time.Since(start)
						lat = append(lat, d)
						if r == 0 {
							hitsTotal += total
						}
						if d > slow[qs].d {
							slow[qs] = slowQuery{d, total}
						}
					}
				}
				slices.Sort(lat)
				if showSlow > 0 {
					keys := slices.SortedFunc(maps.Keys(slow), func(x, y string) int { return cmp.Compare(slow[y].d, slow[x].d) })
					for _, k := range keys[:min(showSlow, len(keys))] {
						fmt.Fprintf(a.stdout, "slow: %.3f ms hits=%d %s\n", float64(slow[k].d.Microseconds())/1000, slow[k].hits, k)
					}
				}
				pct := func(p float64) float64 {
					return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
				}
				fmt.Fprintf(a.stdout, "bench search: queries=%d rounds=%d mean_hits=%.0f median_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
					len(queries), rounds, float64(hitsTotal)/float64(len(queries)), pct(0.5), pct(0.9), pct(0.99),
					float64(lat[len(lat)-1].Microseconds())/1000)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&n, "queries", 50, "number of queries")
	cmd.Flags().IntVar(&rounds, "rounds", 5, "times each query runs")
	cmd.Flags().IntVar(&limit, "limit", 10, "hits per query, each with a snippet")
	cmd.Flags().IntVar(&showSlow, "slowest", 0, "also print the N slowest queries")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed for picking titles")
	cmd.Flags().StringVar(&queryFile, "queries-file", "", "run the queries of this file (one per line) instead of drawing them from titles")
	cmd.Flags().StringVar(&saveQueries, "save-queries", "", "write the queries run to this file (one per line)")
	return cmd
}

// readQueries reads one query per line from path, skipping blank lines.
func readQueries(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--queries-file: %w", err)
	}
	var out []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("--queries-file %s:%d: not UTF-8", path, i+1)
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--queries-file %s: no query", path)
	}
	return out, nil
}

// titleQueries makes n queries from the titles of random stored articles:
// the first two or three words of each title that are not stopwords.
func titleQueries(cmd *cobra.Command, db marsad.Store, an *analyzer.Analyzer, n int, seed uint64) ([]string, error) {
	ctx := cmd.Context()
	count, err := db.CountArticles(ctx)
	if err != nil {
		return nil, err
	}
	if count == 0 {
		return nil, errors.New("the store is empty: import articles first")
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	var out []string
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{Offset: rng.IntN(count), Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			continue
		}
		var words []string
		want := 2 + len(out)%2 // alternate two- and three-word queries
		for _, tok := range an.Tokenize(list[0].Title) {
			if tok.Term != "" && tok.Kind == analyzer.Arabic {
				words = append(words, list[0].Title[tok.Start:tok.End])
			}
			if len(words) == want {
				break
			}
		}
		if len(words) == want {
			out = append(out, strings.Join(words, " "))
		}
	}
	return out, nil
}
