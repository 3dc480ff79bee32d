package analyzer

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/testdata"
)

// nisbaEndings are the endings of a nisba adjective (فلسطيني) that must all
// give the singular's term: feminine, sound plurals, feminine plural, duals
// of the feminine. The masculine dual -يان is left out on purpose: as an
// ending it cannot be told from the -يان of names (باشينيان, لودريان,
// سيباستيان), which are more frequent in the news than the dual.
var nisbaEndings = []string{"ي", "يه", "يون", "يين", "يات", "يتان", "يتين"}

func TestNisbaFormsGiveOneTerm(t *testing.T) {
	a := New()
	groups := [][]string{
		{"الفلسطيني", "الفلسطينيون", "الفلسطينيين", "الفلسطينية", "الفلسطينيات", "فلسطينيون", "والفلسطينيين", "للفلسطينيين"},
		{"السعودي", "السعوديون", "السعوديين", "السعودية", "السعوديات", "سعوديون", "السعوديتان"},
		{"اللبناني", "اللبنانيون", "اللبنانيين", "اللبنانية", "لبنانيون"},
		{"السوري", "السوريون", "السوريين", "سوريون", "السوريتين"},
		{"المصري", "المصريون", "المصريين", "مصريون"},
		{"الحوثي", "الحوثيون", "الحوثيين", "حوثيون"},
		{"النمساوي", "النمساويون", "النمساويين"},
		{"الأرجنتين", "الأرجنتيني", "الأرجنتينيون", "الأرجنتينية"},
	}
	for _, g := range groups {
		want := a.Term(g[0])
		for _, w := range g[1:] {
			if got := a.Term(w); got != want {
				t.Errorf("Term(%q) = %q, want %q (as for %q)", w, got, want, g[0])
			}
		}
	}
	// Words that only look like nisba plurals keep their letters.
	for _, tt := range []struct{ word, want string }{
		{"ملايين", "ملاي"}, {"مليون", "مليون"}, {"التلفزيون", "تلفزيون"}, {"تريليون", "تريليون"},
		{"الولايات", "ولاي"}, {"ولاية", "ولاي"}, {"الكويتيين", "كويت"},
	} {
		if got := a.Term(tt.word); got != tt.want {
			t.Errorf("Term(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

// TestNisbaFamiliesInNews finds every nisba family in the two shared news
// archives — a stem X with ال+X+ي written at least three times and its
// sound plural (-يون or -يين) at least twice — and checks that each form
// of the family written at least twice, with or without the article,
// gives one term.
func TestNisbaFamiliesInNews(t *testing.T) {
	a := New()
	counts := map[string]int{}
	for _, rel := range []string{"saudinewsnet/articles.jsonl", "ant_multisource/articles.jsonl"} {
		countNisbaWords(t, testdata.Path(t, rel), counts)
	}
	families, checked := 0, 0
	var bad []string
	for w, c := range counts {
		if c < 3 || !strings.HasPrefix(w, al) || !strings.HasSuffix(w, "ي") {
			continue
		}
		x := strings.TrimSuffix(w[len(al):], "ي")
		if runes(x) < 3 || counts[al+x+"يون"]+counts[x+"يون"]+counts[al+x+"يين"]+counts[x+"يين"] < 2 {
			continue
		}
		families++
		want := a.Term(w)
		for _, e := range nisbaEndings {
			for _, p := range []string{al, ""} {
				f := p + x + e
				if counts[f] < 2 || a.IsStopword(f) {
					continue
				}
				checked++
				if got := a.Term(f); got != want {
					bad = append(bad, f+"="+got+" ("+w+"="+want+")")
				}
			}
		}
	}
	sort.Strings(bad)
	t.Logf("%d nisba families, %d forms checked", families, checked)
	if families < 200 {
		t.Errorf("only %d nisba families found: is the data complete?", families)
	}
	for _, b := range bad {
		t.Errorf("nisba form split from its family: %s", b)
	}
}

// countNisbaWords adds to counts the normalized Arabic words of an archive
// that end like a nisba form (ي, يه, ن, ت).
func countNisbaWords(t *testing.T, path string, counts map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	tok := scanner{buf: make([]byte, 0, 64)}
	for sc.Scan() {
		var row struct{ Title, Body string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		tok.s, tok.pos = row.Title+"\n"+row.Body, 0
		for {
			_, _, kind, ok := tok.next()
			if !ok {
				break
			}
			if kind != Arabic || len(tok.buf) < 8 {
				continue
			}
			switch string(tok.buf[len(tok.buf)-2:]) {
			case "ي", "ه", "ن", "ت":
				counts[string(tok.buf)]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
