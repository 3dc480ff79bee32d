package analyzer

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/testdata"
)

// readBodies returns up to max article bodies of saudinewsnet.
func readBodies(tb testing.TB, max int) []string {
	tb.Helper()
	f, err := os.Open(testdata.Path(tb, "saudinewsnet/articles.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() && len(out) < max {
		var row struct {
			Title, Body string
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			tb.Fatal(err)
		}
		out = append(out, row.Title+"\n"+row.Body)
	}
	return out
}

// BenchmarkTerms measures Terms on real news bodies; the import needs at
// least 20 MB/s per core.
func BenchmarkTerms(b *testing.B) {
	bodies := readBodies(b, 2000)
	total := 0
	for _, s := range bodies {
		total += len(s)
	}
	a := New()
	var dst []string
	b.SetBytes(int64(total))
	b.ResetTimer()
	for b.Loop() {
		for _, s := range bodies {
			dst = a.AppendTerms(dst[:0], s)
		}
	}
}

// TestStopwordListOverlap compares the curated list with the public
// mohataher list (which marsad does not ship) and logs the overlap.
func TestStopwordListOverlap(t *testing.T) {
	raw, err := os.ReadFile(testdata.Path(t, "arabic_stopwords/list.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a := New()
	theirs := map[string]bool{}
	for _, w := range strings.Fields(string(raw)) {
		theirs[a.Normalize(w)] = true
	}
	both := 0
	for w := range a.stop {
		if theirs[w] {
			both++
		}
	}
	t.Logf("stopwords: ours=%d theirs=%d (normalized) shared=%d", len(a.stop), len(theirs), both)
	if both < len(a.stop)/2 {
		t.Errorf("only %d of our %d stopwords are in the public list: check the list", both, len(a.stop))
	}
}

// TestRealNewsOffsetsAndTerms runs the analyzer over real articles: every
// token's offsets slice the original text and no Arabic term is shorter
// than two letters unless its word was.
func TestRealNewsOffsetsAndTerms(t *testing.T) {
	a := New()
	for _, s := range readBodies(t, 300) {
		for _, tk := range a.Tokenize(s) {
			if tk.Start < 0 || tk.End > len(s) || tk.Start >= tk.End {
				t.Fatalf("bad offsets %d:%d", tk.Start, tk.End)
			}
			if tk.Kind == Arabic && tk.Term != "" && runes(tk.Term) < min(2, runes(tk.Norm)) {
				t.Errorf("term %q of %q too short", tk.Term, s[tk.Start:tk.End])
			}
		}
	}
}
