package related

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// The stored counts read back as written, and a damaged or foreign blob is
// refused rather than read as other counts.
func TestCountsEncoding(t *testing.T) {
	f := New(&fakeIndex{}, strings.Fields, DefaultParams())
	c := f.countText(text{title: strings.Fields("قمة الرياض"), body: strings.Fields("قمة العرب في الرياض القمة قمة")})
	b := c.encode()
	got, err := decodeCounts(b)
	if err != nil || !slices.Equal(got.terms, c.terms) || !slices.Equal(got.all, c.all) || !slices.Equal(got.lead, c.lead) {
		t.Fatalf("decode(encode(%+v)) = %+v, %v", c, got, err)
	}
	// قمة: 3 in the title weight, twice in the body; once in the title
	// and twice in the lead.
	if i := slices.Index(c.terms, "قمة"); i < 0 || c.all[i] != 5 || c.lead[i] != 3 {
		t.Errorf("counts of قمة = %+v", c)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"other version", append([]byte{vectorVersion + 1}, b[1:]...)},
		{"cut", b[:len(b)-2]},
		{"trailing bytes", append(slices.Clone(b), 0)},
		{"length past the end", []byte{vectorVersion, 200}},
	} {
		if _, err := decodeCounts(tc.b); err == nil {
			t.Errorf("%s: decoded without error", tc.name)
		}
	}
}

// An article's keys are its heaviest terms, weights divided by its norm,
// and terms every article holds (weight 0) are never keys.
func TestVectorKeys(t *testing.T) {
	x := &fakeIndex{arts: withFiller(nil)}
	x.arts = append(x.arts, art(1, 1, 1, 0, 0, "زلزال زلزال تركيا طقس"))
	p := DefaultParams()
	p.KeyTerms = 2
	f := New(x, strings.Fields, p)
	vs, err := f.Vectors(context.Background(), []Analyzed{{Article: x.arts[len(x.arts)-1], Title: strings.Fields("زلزال"), Body: strings.Fields("زلزال تركيا طقس")}})
	if err != nil {
		t.Fatal(err)
	}
	keys := vs[0].Keys
	if len(keys) != 2 || keys[0].Term != "زلزال" || keys[1].Term != "تركيا" || keys[0].Weight <= keys[1].Weight || keys[0].Weight > 1 {
		t.Errorf("keys = %+v; want زلزال then تركيا, weights in (0, 1]", keys)
	}
}

// A truncated vector keeps every term of the lead and the n heaviest of the
// others.
func TestTruncateKeepsLeadAndHeaviest(t *testing.T) {
	p := DefaultParams()
	p.LeadTerms = 1
	f := New(&fakeIndex{}, strings.Fields, p)
	// Lead: the title (أ) and the first body term (ب); then ج three times,
	// د twice, ه once.
	c := f.countText(text{title: strings.Fields("أ"), body: strings.Fields("ب ج ج ج د د ه")})
	all, _ := weighCounts(c, []float64{1, 1, 1, 1, 1})
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{0, []string{"أ", "ب", "ج", "د", "ه"}},
		{1, []string{"أ", "ب", "ج"}},
		{2, []string{"أ", "ب", "ج", "د"}},
		{9, []string{"أ", "ب", "ج", "د", "ه"}},
	} {
		got := c.truncate(all, tc.n)
		if !slices.Equal(got.terms, tc.want) || len(got.all) != len(got.terms) || len(got.lead) != len(got.terms) {
			t.Errorf("truncate(%d) = %+v; want terms %v", tc.n, got, tc.want)
		}
	}
}
