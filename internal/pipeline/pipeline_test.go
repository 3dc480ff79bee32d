package pipeline_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// recorder is a stage that remembers what it saw, completes its work in
// the store, and fails the next failures calls.
type recorder struct {
	db       *sqlite.DB
	seen     []string
	failures int
	calls    int
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Process(ctx context.Context, items []*pipeline.Item) error {
	r.calls++
	if r.failures > 0 {
		r.failures--
		return errors.New("boom")
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		r.seen = append(r.seen, it.Article.URL)
		ids[i] = it.Article.ID
	}
	return r.db.CompleteWork(ctx, r.Name(), ids)
}

func owed(t *testing.T, db *sqlite.DB) int {
	t.Helper()
	st, err := db.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.PendingTotal()
}

func TestIngestRefusesBadArticlesAndKeepsTheRest(t *testing.T) {
	db := openStore(t)
	rec := &recorder{db: db}
	p := pipeline.New(db, analyzer.New(), pipeline.WithStages(rec), pipeline.WithMaxBodyBytes(1000))
	day := time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC)
	raws := []*marsad.RawArticle{
		{URL: "https://a.example/x?utm_source=tw", Title: "خبر", Body: "نص", Published: day.Add(2 * time.Hour), Where: "in:1"},
		{URL: "https://a.example/x", Title: "خبر مكرر", Body: "نص", Where: "in:2"}, // same canonical URL
		{URL: "", Title: "بلا رابط", Body: "نص", Where: "in:3"},
		{URL: "ftp://a.example/y", Title: "رابط غريب", Body: "نص", Where: "in:4"},
		{URL: "https://a.example/z", Title: "نص طويل", Body: strings.Repeat("ا", 2000), Where: "in:5"},
		{URL: "https://a.example/w", Title: "\xff", Body: "نص", Where: "in:6"},
		{URL: "https://a.example/v", Where: "in:7"},
		{URL: "https://b.example/early", Title: "أقدم", Body: "نص أقدم", Published: day, Where: "in:8"},
	}
	res, err := p.Ingest(context.Background(), raws)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 8 || res.Imported != 2 || res.Unchanged != 1 || res.Invalid != 5 {
		t.Fatalf("result %+v", res)
	}
	wantReasons := map[string]string{"in:3": "no url", "in:4": "bad url", "in:5": "over the limit",
		"in:6": "invalid UTF-8 in title", "in:7": "no text"}
	for _, pr := range res.Problems {
		if w := wantReasons[pr.Where]; w == "" || !strings.Contains(pr.Reason, w) {
			t.Errorf("problem %s: %q, want %q", pr.Where, pr.Reason, w)
		}
	}
	// Stages see the new articles in published order, under canonical URLs.
	if got := strings.Join(rec.seen, " "); got != "https://b.example/early https://a.example/x" {
		t.Errorf("stage saw %s", got)
	}
	if n := owed(t, db); n != 0 {
		t.Errorf("%d articles still owed to the stage", n)
	}
	a, err := db.FindArticleByURL(context.Background(), "https://a.example/x")
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != "a.example" || a.Lang != "ar" || a.ContentHash == 0 {
		t.Errorf("defaults: source %q lang %q hash %d", a.Source, a.Lang, a.ContentHash)
	}
}

func TestIngestExtractsHTMLAndKeepsDisplayText(t *testing.T) {
	db := openStore(t)
	p := pipeline.New(db, analyzer.New())
	page := `<html lang="ar"><head><title>عنوان الصفحة</title>
<meta property="article:published_time" content="2018-04-12T10:00:00Z">
<meta name="keywords" content="غزة, قطر">
<meta property="article:section" content="سياسة"></head><body><article>
<h1>عنوان الصفحة</h1>
<p>أجرى وزیر الخارجیة الأمريكي، أنتوني بلينكن، محادثات هاتفية مع أمير قطر وسط جهود متسارعة للتوصل إلى اتفاق.</p>
<p>وكان من المفترض أن يلتقي بلينكن شخصيا مع أمير قطر في الدوحة، لكن مسؤولا أمريكيا قال إن الاجتماع تأجل.</p>
<p>وبدلا من ذلك، التقى وزير الخارجية الأمريكي وزير الدولة في العاصمة القطرية لبحث تفاصيل المقترح.</p>
</article></body></html>`
	res, err := p.Ingest(context.Background(), []*marsad.RawArticle{{URL: "https://c.example/a", HTML: page},
		{URL: "https://c.example/b", HTML: strings.Replace(page, "عنوان الصفحة", "عنوان آخر", 2), Category: "world"}})
	if err != nil || res.Imported != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	a := res.Inserted[0].Article
	if a.Category != "سياسة" || res.Inserted[1].Article.Category != "world" {
		t.Errorf("category %q and %q: the page's section when the input names none, else the input's",
			a.Category, res.Inserted[1].Article.Category)
	}
	if a.Title != "عنوان الصفحة" || len(a.Paragraphs()) != 3 {
		t.Errorf("title %q, %d paragraphs", a.Title, len(a.Paragraphs()))
	}
	if !strings.Contains(a.Body, "وزیر الخارجیة") {
		t.Errorf("display text was altered: %q", a.Body)
	}
	if !a.Published.Equal(time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("published %v", a.Published)
	}
}

func TestAFailedStageStepIsRetried(t *testing.T) {
	db := openStore(t)
	rec := &recorder{db: db, failures: 2}
	p := pipeline.New(db, analyzer.New(), pipeline.WithStages(rec), pipeline.WithRetry(3, time.Millisecond))
	if _, err := p.Ingest(context.Background(), []*marsad.RawArticle{{URL: "https://d.example/1", Title: "خبر", Body: "نص"}}); err != nil {
		t.Fatalf("two failures within three retries: %v", err)
	}
	if rec.calls != 3 || len(rec.seen) != 1 || owed(t, db) != 0 {
		t.Errorf("calls %d, seen %v, owed %d: want 3 calls, the article once, nothing owed", rec.calls, rec.seen, owed(t, db))
	}
}

// The case that lost work: batch B's stage step fails for good after B was
// saved, batch C arrives. B must reach the stage before C, once, and a
// restarted pipeline has nothing left to do.
func TestAStageThatKeepsFailingHoldsLaterBatchesAndLosesNothing(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	rec := &recorder{db: db}
	an := analyzer.New()
	p := pipeline.New(db, an, pipeline.WithStages(rec), pipeline.WithRetry(1, time.Millisecond))
	batch := func(name string) []*marsad.RawArticle {
		return []*marsad.RawArticle{{URL: "https://d.example/" + name, Title: "خبر " + name, Body: "نص"}}
	}
	if _, err := p.Ingest(ctx, batch("A")); err != nil {
		t.Fatal(err)
	}
	rec.failures = 2 // more than the retries
	if _, err := p.Ingest(ctx, batch("B")); err == nil || !strings.Contains(err.Error(), "recorder") {
		t.Fatalf("err = %v, want the failing stage named", err)
	}
	if n, _ := db.CountArticles(ctx); n != 2 || owed(t, db) != 1 {
		t.Fatalf("%d saved, %d owed: want B saved and owed", n, owed(t, db))
	}
	if _, err := p.Ingest(ctx, batch("C")); err != nil {
		t.Fatal(err)
	}
	want := "https://d.example/A https://d.example/B https://d.example/C"
	if got := strings.Join(rec.seen, " "); got != want {
		t.Errorf("stage saw %s, want %s", got, want)
	}
	restarted := pipeline.New(db, an, pipeline.WithStages(rec))
	if err := restarted.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.seen, " "); got != want || owed(t, db) != 0 {
		t.Errorf("after a restart the stage saw %s (owed %d): nothing may be done twice", got, owed(t, db))
	}
}

// A stage added to an existing archive owes every stored article.
func TestANewStageOwesTheWholeArchive(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	an := analyzer.New()
	if _, err := pipeline.New(db, an).Ingest(ctx, []*marsad.RawArticle{
		{URL: "https://e.example/1", Title: "خبر", Body: "نص"}, {URL: "https://e.example/2", Title: "خبر آخر", Body: "نص"}}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{db: db}
	if err := pipeline.New(db, an, pipeline.WithStages(rec)).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.seen) != 2 || owed(t, db) != 0 {
		t.Errorf("new stage saw %v, %d still owed", rec.seen, owed(t, db))
	}
}
