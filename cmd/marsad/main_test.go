package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/testdata"
)

// run executes the marsad command line in-process and returns its standard
// output.
func run(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	out, _, err := runBoth(t, db, args...)
	return out, err
}

// runBoth is run that also returns standard error.
func runBoth(t *testing.T, db string, args ...string) (string, string, error) {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	a := &cli{stdout: out, stderr: errf, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	root := a.rootCmd()
	root.SetArgs(append([]string{"--db", db}, args...))
	runErr := root.ExecuteContext(context.Background())
	b, _ := os.ReadFile(out.Name())
	e, _ := os.ReadFile(errf.Name())
	return string(b), string(e), runErr
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "marsad.db")
	dump := filepath.Join(dir, "dump.jsonl")
	lines := []string{
		`{"url":"https://a.example/1?utm_source=x","source":"a","source_name":"صحيفة أ","title":"وزير الخارجية يبحث المفاوضات","body":"قال وزير الخارجية إن المفاوضات بلغت ٩٠٪ من بنودها.\nوأضاف أن الجولة المقبلة في القاهرة.","published":"2024-09-11T09:00:00+03:00","author":"مراسل","tags":["مفاوضات","القاهرة"]}`,
		`not json`,
		`{"url":"https://b.example/2","source":"b","title":"الاقتصاد والنفط","body":"ارتفعت أسعار النفط في الأسواق.","published":"2024-09-12"}`,
	}
	if err := os.WriteFile(dump, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		last string // regexp for the last line of output
	}{
		{[]string{"import", dump}, `^import: read=3 imported=2 unchanged=0 invalid=1 seconds=[0-9.]+ rate=[0-9]+/s$`},
		{[]string{"import", dump}, `^import: read=3 imported=0 unchanged=2 invalid=1 seconds=[0-9.]+ rate=[0-9]+/s$`},
		{[]string{"search", "وزیر والمفاوضات"}, `^search: hits=1 ms=[0-9.]+$`},
		{[]string{"search", "٩٠"}, `^search: hits=1 ms=[0-9.]+$`},
		{[]string{"search", "source:b"}, `^search: hits=1 ms=[0-9.]+$`},
		{[]string{"search", "النفط OR المفاوضات", "--limit", "1"}, `^search: hits=2 ms=[0-9.]+$`},
		{[]string{"stats"}, `^stats: articles=2 sources=2 feeds=0 stories=\d+ tags=[1-9]\d* copies=0 pending=0$`},
		{[]string{"analyze", "وزیر الخارجیة والمفاوضات ٩٠٪"}, `^وزير خارج مفاوض 90$`},
		{[]string{"reindex"}, `^reindex: articles=2 copies=0 analyzer=\d+ seconds=[0-9.]+$`},
		{[]string{"search", "وزیر والمفاوضات"}, `^search: hits=1 ms=[0-9.]+$`}, // the same after a reindex
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := run(t, db, tt.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if got := lastLine(out); !regexp.MustCompile(tt.last).MatchString(got) {
				t.Errorf("last line %q, want %s", got, tt.last)
			}
		})
	}

	out, err := run(t, db, "show", "https://a.example/1", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var art map[string]any
	if err := json.Unmarshal([]byte(out), &art); err != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	for _, k := range []string{"id", "url", "title", "source", "published", "author", "tags", "body"} {
		if _, ok := art[k]; !ok {
			t.Errorf("show --json lacks %q", k)
		}
	}
	if art["published"] != "2024-09-11T06:00:00Z" || art["url"] != "https://a.example/1" {
		t.Errorf("show --json: published %v url %v", art["published"], art["url"])
	}
	if _, err := run(t, db, "show", "999"); err == nil || !strings.Contains(err.Error(), "no article") {
		t.Errorf("show of a missing id: %v", err)
	}
	if _, err := run(t, db, "search", `"غير مغلق`); err == nil {
		t.Error("an unclosed phrase must be an error")
	}
}

func TestEvalStemLastLine(t *testing.T) {
	gold := testdata.Path(t, "arabic_stemming_gold/golden_corpus.jsonl")
	out, err := run(t, filepath.Join(t.TempDir(), "x.db"), "eval", "stem", "--data", gold)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^eval stem: precision=([0-9.]+) recall=([0-9.]+) f1=([0-9.]+) accuracy=([0-9.]+) n=924$`)
	if !re.MatchString(lastLine(out)) {
		t.Errorf("last line %q", lastLine(out))
	}
}
