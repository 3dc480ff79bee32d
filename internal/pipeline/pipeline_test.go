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

// recorder is a stage that remembers what it saw and can fail once.
type recorder struct {
	seen     []string
	failNext bool
	catchUps int
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Process(_ context.Context, items []*pipeline.Item) error {
	if r.failNext {
		r.failNext = false
		return errors.New("boom")
	}
	for _, it := range items {
		r.seen = append(r.seen, it.Article.URL)
	}
	return nil
}
func (r *recorder) CatchUp(context.Context) error { r.catchUps++; return nil }

func TestIngestRefusesBadArticlesAndKeepsTheRest(t *testing.T) {
	db := openStore(t)
	rec := &recorder{}
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
	if rec.catchUps != 1 {
		t.Errorf("catch-up ran %d times, want once", rec.catchUps)
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

func TestAStageFailureKeepsTheSavedBatch(t *testing.T) {
	db := openStore(t)
	rec := &recorder{failNext: true}
	p := pipeline.New(db, analyzer.New(), pipeline.WithStages(rec))
	_, err := p.Ingest(context.Background(), []*marsad.RawArticle{{URL: "https://d.example/1", Title: "خبر", Body: "نص"}})
	if err == nil || !strings.Contains(err.Error(), "recorder") {
		t.Fatalf("err = %v, want the stage named", err)
	}
	if n, _ := db.CountArticles(context.Background()); n != 1 {
		t.Errorf("saved %d, want 1: a stage failure must not lose the article (CatchUp completes it)", n)
	}
}
