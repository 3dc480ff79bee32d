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
