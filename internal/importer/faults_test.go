package importer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/testdata"
)

// filler reads as n bytes of 'x', made on the fly: a huge line that the test
// itself never holds.
type filler struct{ n int64 }

func (f *filler) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), f.n))
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= int64(k)
	return k, nil
}

func TestReaderSkipsAHugeLineWithoutHoldingIt(t *testing.T) {
	const huge = 512 << 20
	in := io.MultiReader(
		strings.NewReader(`{"url":"https://a.example/1","title":"قبل"}`+"\n"+`{"url":"https://a.example/2","title":"`),
		&filler{n: huge},
		strings.NewReader(`"}`+"\n"+`{"url":"https://a.example/3","title":"بعد"}`+"\n"),
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rd := importer.NewReader(in, "big.jsonl")
	var got []string
	for {
		raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *importer.LineError
		switch {
		case errors.As(err, &le):
			got = append(got, le.Error())
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, raw.Where+" "+raw.Title)
		}
	}
	runtime.ReadMemStats(&after)
	want := []string{"big.jsonl:1 قبل", fmt.Sprintf("big.jsonl:2: line of %d bytes is over the limit of %d", huge+len(`{"url":"https://a.example/2","title":""}`), importer.MaxLineBytes), "big.jsonl:3 بعد"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A sanity bound, not a measurement: everything the reader allocated
	// for a 512 MiB line is a small fraction of it (reading it whole took
	// more than twice its size).
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("reading a %d MiB line allocated %d MiB in all", huge>>20, alloc>>20)
	if alloc > huge/4 {
		t.Errorf("reading a %d MiB line allocated %d MiB", huge>>20, alloc>>20)
	}
}

// TestImportOfRealLinesRefusesTheBadOnesByName mixes oversized and
// future-dated lines into real archive lines: each bad line is counted with
// its line number and field, the others are all stored, and the 2099 date
// is kept as a claim while the article is dated at its arrival.
func TestImportOfRealLinesRefusesTheBadOnesByName(t *testing.T) {
	src, err := os.Open(testdata.Path(t, "saudinewsnet/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sc := bufio.NewScanner(src)
	sc.Buffer(nil, 1<<20)
	var lines []string
	for len(lines) < 300 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	edit := func(line string, f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const future = "2099-01-01T00:00:00Z"
	var futureURL string
	// Line numbers are 1-based: line 51 has a 12 MiB title, line 101 is
	// 20 MiB long, line 151 says it was published in 2099.
	lines[50] = edit(lines[50], func(m map[string]any) { m["title"] = strings.Repeat("ع", 6<<20) })
	lines[100] = edit(lines[100], func(m map[string]any) { m["body"] = strings.Repeat("x", 20<<20) })
	lines[150] = edit(lines[150], func(m map[string]any) { m["published"] = future; futureURL = m["url"].(string) })
	path := filepath.Join(t.TempDir(), "mixed.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	db := openStore(t)
	arrival := time.Date(2015, 8, 12, 0, 0, 0, 0, time.UTC) // the day after the crawl
	p := pipeline.New(db, analyzer.New(), pipeline.WithClock(func() time.Time { return arrival }))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var problems []string
	res, err := importer.Run(ctx, importer.NewReader(f, "mixed.jsonl"), p, importer.Options{BatchSize: 64,
		OnProblem: func(m string) { problems = append(problems, m) }})
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := []string{
		"mixed.jsonl:51: title of 12582912 bytes is over the limit of 1000 characters",
		fmt.Sprintf("mixed.jsonl:101: line of %d bytes is over the limit of %d", len(lines[100]), importer.MaxLineBytes),
	}
	var located []string
	for _, pr := range problems {
		if strings.HasPrefix(pr, "mixed.jsonl:51:") || strings.HasPrefix(pr, "mixed.jsonl:101:") {
			located = append(located, pr)
		}
	}
	if strings.Join(located, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems %q, want %q", located, wantProblems)
	}
	if res.Read != 300 || res.Invalid != len(problems) || res.Imported+res.Unchanged+res.Invalid != 300 || res.Imported < 290 {
		t.Fatalf("import: %+v (problems %q)", res, problems)
	}
	if n, _ := db.CountArticles(ctx); n != res.Imported {
		t.Errorf("store holds %d, result says %d", n, res.Imported)
	}

	a, err := db.FindArticleByURL(ctx, futureURL)
	if err != nil {
		t.Fatal(err)
	}
	claimed, _ := time.Parse(time.RFC3339, future)
	if !a.Published.Equal(arrival) || !a.PublishedClaimed.Equal(claimed) {
		t.Errorf("2099 article: published %v claimed %v, want %v and %v", a.Published, a.PublishedClaimed, arrival, claimed)
	}
	newest, _, err := db.FindArticles(ctx, marsad.ArticleFilter{Newest: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if newest[0].Published.After(arrival) {
		t.Errorf("newest article is dated %v, after its arrival %v", newest[0].Published, arrival)
	}
}
