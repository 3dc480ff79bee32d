package importer_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/search"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "marsad.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func importFile(t testing.TB, ctx context.Context, db *sqlite.DB, path string, opt importer.Options) (pipeline.Result, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return importer.Run(ctx, importer.NewReader(f, filepath.Base(path)), pipeline.New(db, analyzer.New()), opt)
}

func TestReaderReportsBadLinesAndGoesOn(t *testing.T) {
	input := strings.Join([]string{
		`{"url":"https://a.example/1","title":"عنوان","body":"نص المقال","published":"2015-08-07T06:23:21"}`,
		`not json`,
		``,
		`{"title":"بلا رابط","body":"نص"}`,
		`{"url":"https://a.example/2"}`,
		"{\"url\":\"https://a.example/3\",\"body\":\"\xff\xfe\"}",
		`{"url":"https://a.example/4","body":"نص","published":"yesterday"}`,
		`{"url":"https://a.example/5","body":"نص","tags":"غزة، قطر"}`,
	}, "\n")
	rd := importer.NewReader(strings.NewReader(input), "dump.jsonl")
	var got []string
	var tags []string
	for {
		raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *importer.LineError
		if errors.As(err, &le) {
			got = append(got, le.Error())
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		got = append(got, raw.Where+": ok")
		tags = raw.Tags
	}
	want := []string{
		"dump.jsonl:1: ok",
		"dump.jsonl:2: not a JSON object",
		"dump.jsonl:4: no url",
		"dump.jsonl:5: no text",
		"dump.jsonl:6: invalid UTF-8",
		"dump.jsonl:7: published",
		"dump.jsonl:8: ok",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q\nwant prefixes %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: got %q, want prefix %q", i, got[i], want[i])
		}
	}
	if len(tags) != 2 || strings.TrimSpace(tags[1]) != "قطر" {
		t.Errorf("comma-separated tags = %q", tags)
	}
}

func TestImportRealArchiveIsIdempotent(t *testing.T) {
	path := testdata.Path(t, "saudinewsnet/articles.jsonl")
	ctx := context.Background()
	db := openStore(t)
	var problems []string
	res, err := importFile(t, ctx, db, path, importer.Options{OnProblem: func(m string) { problems = append(problems, m) }})
	if err != nil {
		t.Fatal(err)
	}
	// 7,483 rows; 10 have neither title nor body (the data's README counts 77
	// empty bodies, 12 empty titles).
	if res.Read != 7483 || res.Invalid != len(problems) || res.Imported+res.Unchanged+res.Invalid != res.Read {
		t.Fatalf("first import: %+v", res)
	}
	if res.Invalid > 20 {
		t.Errorf("too many invalid rows: %d (%v)", res.Invalid, problems[:5])
	}
	for _, p := range problems {
		if !strings.Contains(p, "articles.jsonl:") {
			t.Errorf("problem without file:line: %s", p)
		}
	}
	again, err := importFile(t, ctx, db, path, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Imported != 0 || again.Unchanged != res.Imported {
		t.Errorf("second import: %+v, want 0 imported and %d unchanged", again, res.Imported)
	}
	if n, _ := db.CountArticles(ctx); n != res.Imported {
		t.Errorf("store holds %d, want %d", n, res.Imported)
	}
}

func TestInterruptedImportResumes(t *testing.T) {
	path := testdata.Path(t, "ant_multisource/articles.jsonl")
	db := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	first, err := importFile(t, ctx, db, path, importer.Options{BatchSize: 200, OnBatch: func(pipeline.Result) {
		if batches++; batches == 3 {
			cancel() // Ctrl-C after three committed batches
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted import: err = %v, want context.Canceled", err)
	}
	kept, _ := db.CountArticles(context.Background())
	if kept == 0 || kept != first.Imported {
		t.Fatalf("after interrupt: store holds %d, result says %d imported", kept, first.Imported)
	}
	rest, err := importFile(t, context.Background(), db, path, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	total, _ := db.CountArticles(context.Background())
	// 6,969 rows, 307 URLs listed twice (two sections): 6,662 distinct URLs at most.
	if rest.Unchanged < kept || total != kept+rest.Imported || total > 6662 || total < 6600 {
		t.Errorf("resume: kept %d, then %+v, store holds %d", kept, rest, total)
	}
}

// TestSearchFindsEverySpelling checks the promise of the README on the real
// archive: a query in one spelling finds the other spellings.
func TestSearchFindsEverySpelling(t *testing.T) {
	path := testdata.Path(t, "saudinewsnet/articles.jsonl")
	ctx := context.Background()
	db := openStore(t)
	if _, err := importFile(t, ctx, db, path, importer.Options{}); err != nil {
		t.Fatal(err)
	}
	an := analyzer.New()
	count := func(q string) int {
		t.Helper()
		pq, err := search.Parse(q, an)
		if err != nil {
			t.Fatal(err)
		}
		_, n, err := db.Search(ctx, pq.Request)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct{ a, b string }{
		{"وزیر", "وزير"},          // Persian yeh
		{"اطلاق", "إطلاق"},        // hamza on alef
		{"مفاوضات", "والمفاوضات"}, // clitics
		{"٩٠", "90"},              // digits
		{"الخارجیة", "الخارجية"},
	}
	for _, tt := range tests {
		na, nb := count(tt.a), count(tt.b)
		if na == 0 || na != nb {
			t.Errorf("%s finds %d, %s finds %d: want the same, non-zero", tt.a, na, tt.b, nb)
		}
	}
	// Exclusion and source filters narrow, phrases are stricter than words.
	all, phrase := count("وقف إطلاق النار"), count(`"وقف إطلاق النار"`)
	if phrase == 0 || phrase > all {
		t.Errorf("phrase %d, words %d", phrase, all)
	}
	if n, m := count("السعودية"), count("السعودية -اليمن"); m == 0 || m >= n {
		t.Errorf("exclusion: %d then %d", n, m)
	}
	if n, m := count("السعودية"), count("السعودية source:okaz"); m == 0 || m >= n {
		t.Errorf("source filter: %d then %d", n, m)
	}
	hits, _, err := db.Search(ctx, marsad.SearchRequest{Sources: []string{"was"}, Limit: 5})
	if err != nil || len(hits) != 5 || hits[0].Article.Source != "was" {
		t.Errorf("filter-only search: %v %v", len(hits), err)
	}
}
