package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

// TestMain lets the fault tests run the real binary as a separate process:
// the test binary re-executed with MARSAD_TEST_CHILD=1 is marsad itself.
func TestMain(m *testing.M) {
	if os.Getenv("MARSAD_TEST_CHILD") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child returns a marsad process over db.
func child(ctx context.Context, db string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "MARSAD_TEST_CHILD=1")
	return cmd
}

// storeState is what must be equal between a clean import and one that
// was interrupted or run by two processes at once: the articles (by URL),
// each one's canonical article (by URL) and story partition (each article
// named by the smallest URL of its story), and the work still owed.
type storeState struct {
	articles  int
	canonical map[string]string
	story     map[string]string
	noStory   int
	pending   int
}

func readState(t *testing.T, path string) storeState {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return stateOf(t, db)
}

// stateOf reads the storeState of an open store of any backend.
func stateOf(t *testing.T, db marsad.Store) storeState {
	t.Helper()
	ctx := context.Background()
	arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := storeState{articles: len(arts), canonical: map[string]string{}, story: map[string]string{}, pending: st.PendingTotal()}
	url := map[int64]string{}
	first := map[int64]string{}
	for _, a := range arts {
		url[a.ID] = a.URL
		if a.StoryID == 0 {
			s.noStory++
			continue
		}
		if f, ok := first[a.StoryID]; !ok || a.URL < f {
			first[a.StoryID] = a.URL
		}
	}
	for _, a := range arts {
		if a.CanonicalID != 0 {
			s.canonical[a.URL] = url[a.CanonicalID]
		}
		if a.StoryID != 0 {
			s.story[a.URL] = first[a.StoryID]
		}
	}
	return s
}

// compareStates reports how got differs from want (the reference: a clean
// import, a single process); stories says whether
// the story partitions must be equal too.
func compareStates(t *testing.T, what string, got, want storeState, stories bool) {
	t.Helper()
	if got.articles != want.articles || got.noStory != 0 || got.pending != 0 {
		t.Errorf("%s: %d articles (%d without a story, %d owed), the reference %d", what, got.articles, got.noStory, got.pending, want.articles)
	}
	diff := func(name string, g, w map[string]string) {
		n := 0
		for k, v := range w {
			if g[k] != v {
				if n++; n <= 3 {
					t.Errorf("%s: %s of %s is %q, the reference %q", what, name, k, g[k], v)
				}
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				if n++; n <= 3 {
					t.Errorf("%s: %s of %s is %q, none in the reference", what, name, k, g[k])
				}
			}
		}
		if n > 0 {
			t.Errorf("%s: %d articles differ in their %s", what, n, name)
		}
	}
	diff("canonical article", got.canonical, want.canonical)
	if stories {
		diff("story", got.story, want.story)
	}
}

// The two shared archives, imported as a user would: one command each.
func sharedArchives(t *testing.T) []string {
	return []string{testdata.Path(t, "saudinewsnet/articles.jsonl"), testdata.Path(t, "ant_multisource/articles.jsonl")}
}

// cleanImport is the reference both fault tests compare with, made once.
var cleanImport struct {
	once  sync.Once
	state storeState
	err   error
}

func importClean(t *testing.T, files []string) storeState {
	t.Helper()
	cleanImport.once.Do(func() {
		dir, err := os.MkdirTemp("", "marsad-clean-")
		if err != nil {
			cleanImport.err = err
			return
		}
		defer os.RemoveAll(dir)
		db := filepath.Join(dir, "clean.db")
		for _, f := range files {
			if out, err := child(context.Background(), db, "import", f).CombinedOutput(); err != nil {
				cleanImport.err = fmt.Errorf("clean import of %s: %v\n%s", f, err, out)
				return
			}
		}
		cleanImport.state = readState(t, db)
	})
	if cleanImport.err != nil {
		t.Fatal(cleanImport.err)
	}
	return cleanImport.state
}

// The import of both shared archives killed with SIGKILL at random
// moments, then run again until it completes, ends in the same store as a
// clean import: same articles, same copy links, same story partition,
// nothing owed.
func TestImportKilledAtRandomMomentsEndsAsACleanImport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports both shared archives several times")
	}
	files := sharedArchives(t)
	want := importClean(t, files)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	db := filepath.Join(t.TempDir(), "killed.db")
	kills := 0
	for _, f := range files {
		for attempt := 0; ; attempt++ {
			cmd := child(context.Background(), db, "import", f)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if attempt >= 2 { // then let it finish
				if err := <-done; err != nil {
					t.Fatalf("import %s: %v\n%s", f, err, out.String())
				}
				break
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("import %s: %v\n%s", f, err, out.String())
				}
			case <-time.After(time.Duration(100+rng.IntN(2500)) * time.Millisecond):
				_ = cmd.Process.Kill() // SIGKILL: no deferred code runs
				<-done
				kills++
				continue
			}
			break
		}
	}
	t.Logf("%d kills", kills)
	compareStates(t, fmt.Sprintf("import killed %d times (seed %d)", kills, seed), readState(t, db), want, true)
}

// Two imports writing to one store at once (one archive each, two
// processes) leave every article with its dedup check and its story, and
// the same articles and copy links as one import after the other.
func TestTwoImportsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("imports both shared archives twice")
	}
	files := sharedArchives(t)
	want := importClean(t, files)
	db := filepath.Join(t.TempDir(), "two.db")
	// The store exists before both start, as when a second import is
	// started beside a running one.
	if out, err := child(context.Background(), db, "stats").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(files))
	outs := make([][]byte, len(files))
	for i, f := range files {
		wg.Go(func() { outs[i], errs[i] = child(context.Background(), db, "import", f).CombinedOutput() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("import %s: %v\n%s", files[i], err, outs[i])
		}
	}
	compareStates(t, "two imports at once", readState(t, db), want, false)
}
