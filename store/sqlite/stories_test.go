package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

func storyRaws(t *testing.T, n int) []*marsad.RawArticle {
	t.Helper()
	items, err := eval.ReadNewsJSONL(testdata.Path(t, "ant_multisource/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC)
	var raws []*marsad.RawArticle
	for _, it := range items {
		if it.Published.Before(from) || len(raws) == n {
			continue
		}
		raws = append(raws, &marsad.RawArticle{URL: it.URL, Title: it.Title, Body: it.Body, Summary: it.Summary,
			Source: it.Source, Published: it.Published, Lang: "ar"})
	}
	return raws
}

func ingest(t *testing.T, p *pipeline.Pipeline, raws []*marsad.RawArticle) {
	t.Helper()
	for s := 0; s < len(raws); s += 100 {
		if _, err := p.Ingest(context.Background(), raws[s:min(len(raws), s+100)]); err != nil {
			t.Fatal(err)
		}
	}
}

// partition returns, per article id, the smallest article id of its story:
// a name for the story that does not depend on story ids.
func partition(t *testing.T, db *sqlite.DB) map[int64]int64 {
	t.Helper()
	arts, _, err := db.FindArticles(context.Background(), marsad.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	first := map[int64]int64{}
	out := map[int64]int64{}
	for _, a := range arts { // id order
		if a.StoryID == 0 {
			t.Fatalf("article %d has no story", a.ID)
		}
		if _, ok := first[a.StoryID]; !ok {
			first[a.StoryID] = a.ID
		}
		out[a.ID] = first[a.StoryID]
	}
	return out
}

// checkCounts checks that every story counts exactly its member articles.
func checkCounts(t *testing.T, db *sqlite.DB, n int) {
	t.Helper()
	sts, _, err := db.FindStories(context.Background(), marsad.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range sts {
		id := s.ID
		arts, _, err := db.FindArticles(context.Background(), marsad.ArticleFilter{StoryID: &id})
		if err != nil {
			t.Fatal(err)
		}
		if len(arts) != s.Articles {
			t.Errorf("story %d counts %d articles, holds %d", s.ID, s.Articles, len(arts))
		}
		total += s.Articles
	}
	if total != n {
		t.Errorf("stories count %d articles, the store holds %d", total, n)
	}
}

// A run killed after saving articles but before the story stage saw them:
// the next run's catch-up places them, nothing is placed twice, and copies
// share their canonical article's story.
func TestStoryCatchUpAfterKill(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	an := analyzer.New()
	raws := storyRaws(t, 400)
	dedupOnly := pipeline.New(db, an, pipeline.WithStages(dedupstage.New(db, dedup.DefaultConfig())))
	ingest(t, dedupOnly, raws[:250])
	full := pipeline.New(db, an, pipeline.WithStages(dedupstage.New(db, dedup.DefaultConfig()),
		story.NewStage(db, story.DefaultParams(), an.Terms)))
	ingest(t, full, raws[250:])
	ingest(t, full, raws) // handing everything over again changes nothing
	n, err := db.CountArticles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	part := partition(t, db)
	checkCounts(t, db, n)
	arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if a.CanonicalID != 0 && part[a.ID] != part[a.CanonicalID] {
			t.Errorf("copy %d is not in the story of its canonical article %d", a.ID, a.CanonicalID)
		}
	}
}

// Rebuilding a range twice gives the same stories, and the stored state
// (counts, document frequencies) is not counted twice.
func TestStoryRebuildIsDeterministic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	an := analyzer.New()
	p := pipeline.New(db, an, pipeline.WithStages(story.NewStage(db, story.DefaultParams(), an.Terms)))
	ingest(t, p, storyRaws(t, 300))
	n, err := db.CountArticles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC), time.Date(2018, 4, 20, 0, 0, 0, 0, time.UTC)
	rebuild := func() map[int64]int64 {
		if err := db.ClearStories(ctx, from, to); err != nil {
			t.Fatal(err)
		}
		arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if err := story.NewStage(db, story.DefaultParams(), an.Terms).Rebuild(ctx, arts, 100); err != nil {
			t.Fatal(err)
		}
		checkCounts(t, db, n)
		return partition(t, db)
	}
	a, b := rebuild(), rebuild()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("two rebuilds of the same range differ")
	}
}

// racingStore lets another writer save between a stage's read snapshot
// and its write transaction, once.
type racingStore struct {
	*sqlite.DB
	race func()
}

func (r *racingStore) StoryTx(ctx context.Context, fn func(marsad.StoryTx) error) error {
	if r.race != nil {
		race := r.race
		r.race = nil
		race()
	}
	return r.DB.StoryTx(ctx, fn)
}

// Two stages share one store: when the other one saves while this one
// clusters on its snapshot, this one drops what it computed and places
// the batch again under the write lock, so no story is lost or counted
// twice.
func TestStoryStageReplansWhenAnotherWriterSaved(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	an := analyzer.New()
	raws := storyRaws(t, 300)
	rs := &racingStore{DB: db}
	mine := pipeline.New(db, an, pipeline.WithStages(story.NewStage(rs, story.DefaultParams(), an.Terms)))
	other := pipeline.New(db, an, pipeline.WithStages(story.NewStage(db, story.DefaultParams(), an.Terms)))
	ingest(t, mine, raws[:100])
	rs.race = func() { ingest(t, other, raws[200:]) }
	ingest(t, mine, raws[100:200])
	n, err := db.CountArticles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	partition(t, db) // every article has a story
	checkCounts(t, db, n)
}

// failingStage fails every call while fail is set.
type failingStage struct {
	pipeline.Stage
	fail bool
}

func (f *failingStage) Process(ctx context.Context, items []*pipeline.Item) error {
	if f.fail {
		return fmt.Errorf("story stage down")
	}
	return f.Stage.Process(ctx, items)
}

// The case that lost work for good: batch B is saved but its story step
// fails (after its retries), batch C succeeds, the process restarts.
// Every article of B must get its story, once.
func TestStoryStepThatFailsLosesNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	an := analyzer.New()
	raws := storyRaws(t, 300)
	st := &failingStage{Stage: story.NewStage(db, story.DefaultParams(), an.Terms)}
	p := pipeline.New(db, an, pipeline.WithRetry(1, time.Millisecond),
		pipeline.WithStages(dedupstage.New(db, dedup.DefaultConfig()), st))
	ingest(t, p, raws[:100])
	st.fail = true
	if _, err := p.Ingest(ctx, raws[100:200]); err == nil {
		t.Fatal("the failing story step was not reported")
	}
	st.fail = false
	ingest(t, p, raws[200:])
	restarted := pipeline.New(db, an, pipeline.WithStages(dedupstage.New(db, dedup.DefaultConfig()),
		story.NewStage(db, story.DefaultParams(), an.Terms)))
	if err := restarted.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := db.CountArticles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	partition(t, db) // fails on an article without a story
	checkCounts(t, db, n)
	if st, err := db.Stats(ctx); err != nil || st.PendingTotal() != 0 {
		t.Errorf("owed %v after the restart (%v)", st.Pending, err)
	}
}
