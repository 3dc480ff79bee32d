package tags

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/testdata"
)

func TestVariantsGiveOneTag(t *testing.T) {
	x := New(analyzer.New(), DefaultParams())
	doc := Doc{
		Title: "الفلسطينيون يتظاهرون في الرياض",
		Body: "قال مسؤول إن الفلسطينيين تظاهروا والرياض تراقب. وأكد أن الفلسطيني لم يغادر الرياض. " +
			"ووصل وزیر الخارجیة إلى الرياض، والتقى وزير الخارجية بالفلسطينيين في الرياض. " +
			"وذكرت مصادر أن الفلسطينية عادت بالرياض.",
	}
	got := x.Extract(doc, nil)
	keys := map[string]string{}
	for _, tg := range got {
		if prev, ok := keys[tg.Key]; ok {
			t.Errorf("key %q twice: %q and %q", tg.Key, prev, tg.Surface)
		}
		keys[tg.Key] = tg.Surface
		if strings.ContainsRune(tg.Surface, 'ی') {
			t.Errorf("tag %q shows a Persian yeh", tg.Surface)
		}
	}
	want := map[string]string{"رياض": "الرياض", "وزير خارج": "وزير الخارجية"}
	for k, s := range want {
		if keys[k] != s {
			t.Errorf("tag %q shows as %q, want %q (tags %v)", k, keys[k], s, got)
		}
	}
	if s, ok := keys["فلسطين"]; !ok || !strings.HasPrefix(s, "الفلسطيني") {
		t.Errorf("the Palestinians are not one tag: %v", got)
	}
}

func TestPublisherTagsMerge(t *testing.T) {
	x := New(analyzer.New(), DefaultParams())
	doc := Doc{Title: "أمير قطر يستقبل بلينكن", Body: "استقبل أمير قطر أنتوني بلينكن في الدوحة. وبحث بلينكن مع أمير قطر وقف إطلاق النار في غزة.",
		Publisher: []string{"أمیر قطر", "غزة", "أمير قطر"}}
	got := x.Extract(doc, nil)
	seen := map[string]int{}
	for _, tg := range got {
		seen[tg.Key]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("key %q %d times: %v", k, n, got)
		}
	}
	if len(got) < 2 || got[0].Surface != "أمير قطر" || !got[0].Publisher || got[1].Surface != "غزة" {
		t.Errorf("publisher tags not first, once each, Arabic yeh: %v", got)
	}
}

func TestCorpusRoundTrip(t *testing.T) {
	c := NewCorpus()
	c.Add([]string{"غزه", "وقف اطلاق نار", StartKey("وقف")})
	c.Add([]string{"غزه"})
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var d Corpus
	if err := d.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if d.Docs() != 2 || d.DF("غزه") != 2 || d.DF("وقف اطلاق نار") != 1 || d.DF(StartKey("وقف")) != 1 || d.DF("قطر") != 0 {
		t.Errorf("round trip: docs=%d df=%d %d %d %d", d.Docs(), d.DF("غزه"), d.DF("وقف اطلاق نار"), d.DF(StartKey("وقف")), d.DF("قطر"))
	}
	if err := d.UnmarshalBinary(b[:100]); err == nil {
		t.Error("a truncated corpus was accepted")
	}
}

// newsDocs reads the title and body of the first max articles of a shared
// archive.
func newsDocs(t testing.TB, rel string, max int) []Doc {
	t.Helper()
	f, err := os.Open(testdata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var out []Doc
	for sc.Scan() && (max <= 0 || len(out) < max) {
		var row struct{ Title, Body string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		out = append(out, Doc{Title: row.Title, Body: row.Body})
	}
	return out
}

func TestTrendingIsGrowthNotCount(t *testing.T) {
	recent := []Count{{Key: "سعود", N: 40}, {Key: "حج", N: 12}, {Key: "زلزال", N: 5}, {Key: "مره", N: 1}}
	past := []Count{{Key: "سعود", N: 7 * 38}, {Key: "حج", N: 7 * 2}}
	got := Trending(recent, past, 7, 2)
	var keys []string
	for _, tr := range got {
		keys = append(keys, tr.Key)
	}
	if strings.Join(keys, " ") != "زلزال حج سعود" {
		t.Errorf("trending %v, want زلزال حج سعود (growth, not count; one article is no trend)", got)
	}
}

// BenchmarkPrepare measures cutting real articles into candidates, the
// tag stage's share of the import (it runs in the prepare workers).
func BenchmarkPrepare(b *testing.B) {
	docs := newsDocs(b, "ant_multisource/articles.jsonl", 500)
	x := New(analyzer.New(), DefaultParams())
	n := 0
	for _, d := range docs {
		n += len(d.Title) + len(d.Body)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			x.Prepare(d).Keys()
		}
	}
}

// TestRealArticles tags 30 real articles (every 230th of ant_multisource,
// every 250th of saudinewsnet) against the statistics of the whole
// ant_multisource archive, and checks what a reader would see: 5–10 tags,
// no key twice, no Persian letter, no word the analyzer drops as a
// stopword, no clitic kept where the article writes the word without it,
// every tag's words in the article, every single-word tag written on its
// own somewhere in it. With -v it prints each title and its tags, the list
// docs/TAGS.md reads.
func TestRealArticles(t *testing.T) {
	if testing.Short() {
		t.Skip("counts a whole archive")
	}
	an := analyzer.New()
	x := New(an, DefaultParams())
	c := NewCorpus()
	ant := newsDocs(t, "ant_multisource/articles.jsonl", 0)
	for _, d := range ant {
		c.Add(x.Prepare(d).Keys())
	}
	var sample []Doc
	for i := 0; i < len(ant) && len(sample) < 15; i += 230 {
		sample = append(sample, ant[i])
	}
	snn := newsDocs(t, "saudinewsnet/articles.jsonl", 0)
	for i := 0; i < len(snn) && len(sample) < 30; i += 250 {
		c.Add(x.Prepare(snn[i]).Keys()) // counted before it is tagged, as the stage does
		sample = append(sample, snn[i])
	}
	for _, d := range sample {
		got := x.Extract(d, c)
		var shown []string
		for _, tg := range got {
			shown = append(shown, tg.Surface)
		}
		t.Logf("%s → %s", d.Title, strings.Join(shown, " · "))
		text := d.Title + "\n" + d.Body
		terms := " " + strings.Join(an.Terms(text), " ") + " "
		norms := map[string]bool{}
		for _, tk := range an.Tokenize(text) {
			norms[tk.Norm] = true
		}
		if len(an.Terms(text)) >= 100 && (len(got) < 5 || len(got) > 10) {
			t.Errorf("%q: %d tags %v, want 5–10", d.Title, len(got), got)
		}
		seen := map[string]bool{}
		for _, tg := range got {
			if seen[tg.Key] {
				t.Errorf("%q: key %q twice", d.Title, tg.Key)
			}
			seen[tg.Key] = true
			if strings.ContainsAny(tg.Surface, "یک") {
				t.Errorf("%q: tag %q has a Persian letter", d.Title, tg.Surface)
			}
			if !strings.Contains(terms, " "+tg.Key+" ") {
				t.Errorf("%q: tag %q (%s) is not in the text", d.Title, tg.Surface, tg.Key)
			}
			words := strings.Fields(tg.Surface)
			for _, w := range words {
				if an.Term(w) == "" {
					t.Errorf("%q: tag %q holds the stopword %q", d.Title, tg.Surface, w)
				}
			}
			first := an.Normalize(words[0])
			if n, elided, _ := an.Proclitics(first); n > 0 {
				cut := first[2*n:]
				if elided {
					cut = "ا" + cut
				}
				if norms[cut] {
					t.Errorf("%q: tag %q keeps a clitic the article also writes without (%s)", d.Title, tg.Surface, cut)
				}
			}
		}
	}
}
