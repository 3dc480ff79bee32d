package tags

import (
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
)

// mapStats is a Stats of given counts.
type mapStats struct {
	docs int
	df   map[string]int
}

func (m mapStats) Docs() int            { return m.docs }
func (m mapStats) DF(key string) int    { return m.df[key] }
func (m mapStats) set(k string, n int)  { m.df[k] = n }
func (m mapStats) word(w string, n int) { m.df[AttestKey(w)] = n }

// TestSingleWordBar pins each part of the bar a word alone must clear, on
// an archive of 2,000 documents whose counts are given.
func TestSingleWordBar(t *testing.T) {
	an := analyzer.New()
	x := New(an, DefaultParams())
	st := mapStats{docs: 2000, df: map[string]int{}}
	n := an.Normalize
	// غزة: a name, never written with the article.
	st.word(n("غزة"), 200)
	// المباراة: a common noun written both ways, in 30 % of the archive.
	st.word(n("المباراة"), 490)
	st.word(n("مباراة"), 600)
	st.set(an.Term("المباراة"), 600)
	// العسل: written both ways too, but in few documents.
	st.word(n("العسل"), 4)
	st.word(n("عسل"), 4)
	st.set(an.Term("العسل"), 8)
	// قلوبنا: never with the article, as no word with a pronoun is; its
	// base is written far more.
	st.word(n("قلوبنا"), 9)
	st.word(n("قلوب"), 40)
	st.word(n("القلوب"), 30)
	// مختلفا: an accusative; مختلف is written without the alef.
	st.word(n("مختلفا"), 34)
	st.word(n("مختلف"), 300)
	// صارت: a past tense; صار is written.
	st.word(n("صارت"), 7)
	st.word(n("صار"), 20)
	// الفرنسية: written both ways, but its base فرنسا is a name.
	st.word(n("الفرنسية"), 400)
	st.word(n("فرنسية"), 80)
	st.word(n("فرنسا"), 500)
	st.set(an.Term("الفرنسية"), 1200)
	// الدولية: a nisba; its adverb دوليا is written without the article,
	// but less often than the bare nisba دولي, so it is no name.
	st.word(n("الدولية"), 500)
	st.word(n("دولية"), 200)
	st.word(n("دوليا"), 60)
	st.word(n("دولي"), 400)
	st.set(an.Term("الدولية"), 90)
	// روسيا is written more often than روسي: the Russia tag.
	st.word(n("الروسية"), 300)
	st.word(n("روسية"), 100)
	st.word(n("روسيا"), 800)
	st.word(n("روسي"), 90)
	st.set(an.Term("الروسية"), 1100)
	f := &Features{p: &Prepared{}, st: st}
	salient := func(w string) *cand { return &cand{key: an.Term(w), n: 1, tf: 4, sents: 3, title: true} }
	for _, tc := range []struct {
		word string
		c    *cand
		rel  float64
		want bool
	}{
		{"غزة", salient("غزة"), 0.5, true},
		{"المباراة", salient("المباراة"), 0.5, false},
		{"العسل", salient("العسل"), 0.5, true},
		{"العسل", salient("العسل"), minCommonScore / 2, false},
		{"العسل", &cand{key: an.Term("العسل"), n: 1, tf: 2, sents: 2}, 0.5, false},
		{"غزة", &cand{key: an.Term("غزة"), n: 1, tf: 1, sents: 1}, 0.5, false},
		{"غزة", salient("غزة"), minNameScore / 2, false},
		{"قلوبنا", salient("قلوبنا"), 0.5, false},
		{"مختلفا", salient("مختلفا"), 0.5, false},
		{"صارت", salient("صارت"), 0.5, false},
		{"الفرنسية", salient("الفرنسية"), 0.5, true},
		{"CNN", salient("CNN"), 0.5, true},
		{"الروسية", &cand{key: an.Term("الروسية"), n: 1, tf: 6, heads: 1, sents: 3, title: true}, 0.5, true},
		{"الدولية", &cand{key: an.Term("الدولية"), n: 1, tf: 6, heads: 3, sents: 3, title: true}, 0.5, true},
		{"الدولية", &cand{key: an.Term("الدولية"), n: 1, tf: 6, heads: 1, sents: 3, title: true}, 0.5, false},
	} {
		_, never := x.single(f, tc.c, tc.word, tc.rel)
		if inflected := tc.word == "قلوبنا" || tc.word == "مختلفا" || tc.word == "صارت" || (tc.word == "الدولية" && !tc.want); never != inflected {
			t.Errorf("single(%s): never=%v, want %v (only an inflected word or an adjective alone never fills a list)", tc.word, never, inflected)
		}
		if got, _ := x.single(f, tc.c, tc.word, tc.rel); got != tc.want {
			t.Errorf("single(%s, tf=%d sents=%d title=%v, score %.2f of the best) = %v, want %v",
				tc.word, tc.c.tf, tc.c.sents, tc.c.title, tc.rel, got, tc.want)
		}
	}
	// Below followArchive documents every word clears it.
	small := &Features{p: &Prepared{}, st: mapStats{docs: 10, df: st.df}}
	if ok, _ := x.single(small, salient("المباراة"), "المباراة", 0.01); !ok {
		t.Error("a small archive held a word back")
	}
}

// TestOrdinalPairIsNoTag: a noun with an ordinal or a time adjective
// (المرة الأولى, العام الماضي) is no tag; a longer name holding one is.
func TestOrdinalPairIsNoTag(t *testing.T) {
	x := New(analyzer.New(), DefaultParams())
	doc := Doc{
		Title: "الهلال يفوز في دوري الدرجة الأولى للمرة الأولى",
		Body: "فاز الهلال في دوري الدرجة الأولى. وهي المرة الأولى منذ العام الماضي. " +
			"وقال المدرب إن المرة الأولى صعبة، وإن دوري الدرجة الأولى قوي، وإن العام الماضي كان صعبا.",
	}
	var got []string
	for _, tg := range x.Extract(doc, nil) {
		got = append(got, tg.Surface)
		if tg.Surface == "المرة الأولى" || tg.Surface == "العام الماضي" {
			t.Errorf("tag %q: a noun with an ordinal or a time adjective", tg.Surface)
		}
	}
	found := false
	for _, s := range got {
		found = found || s == "دوري الدرجة الأولى"
	}
	if !found {
		t.Errorf("tags %v lack دوري الدرجة الأولى", got)
	}
}

// TestPastVerb: a word the archive also writes with the feminine ت, often
// enough, and never with the article is a past tense (ودع, ودعت); a name
// (مارك beside a rare ماركت) or a noun (عمر beside العمر) is not.
func TestPastVerb(t *testing.T) {
	an := analyzer.New()
	x := New(an, DefaultParams())
	st := mapStats{docs: 2000, df: map[string]int{}}
	n := an.Normalize
	st.word(n("ودع"), 20)
	st.word(n("ودعت"), 6)
	st.word(n("مارك"), 100)
	st.word(n("ماركت"), 3)
	st.word(n("عمر"), 200)
	st.word(n("عمرت"), 30)
	st.word(n("العمر"), 290)
	f := &Features{p: &Prepared{}, st: st}
	for w, want := range map[string]bool{"ودع": true, "مارك": false, "عمر": false} {
		if got := x.pastVerb(f, n(w)); got != want {
			t.Errorf("pastVerb(%s) = %v, want %v", w, got, want)
		}
		if got := x.tagWord(f, w); got == want {
			t.Errorf("tagWord(%s) = %v, want %v", w, got, !want)
		}
	}
}

// BenchmarkSelect measures ranking and choosing the tags of real articles
// against the statistics of 3,000 others: the tag stage's serial part,
// which the single-word bar adds its archive lookups to.
func BenchmarkSelect(b *testing.B) {
	docs := newsDocs(b, "ant_multisource/articles.jsonl", 3500)
	x := New(analyzer.New(), DefaultParams())
	c := NewCorpus()
	for _, d := range docs[:3000] {
		c.Add(x.Prepare(d).Keys())
	}
	var prep []*Prepared
	for _, d := range docs[3000:] {
		prep = append(prep, x.Prepare(d))
	}
	b.ResetTimer()
	for b.Loop() {
		for _, p := range prep {
			x.Select(x.Features(p, c), nil, x.Params())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(prep))/1e6, "ms/article")
}
