package related

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/marsad/marsad"
)

// counts are an article's term counts, terms sorted: all counts each title
// term TitleWeight times and each body term once (the whole-text vector),
// lead the title once and the first LeadTerms body terms (the lead vector).
// They are what the related stage stores per article (marsad.TermVector),
// so a list is computed without analyzing any body: the weights (TF-IDF)
// are applied when a list is asked for, with the archive's document
// frequencies of that moment.
type counts struct {
	terms     []string
	all, lead []int
}

// countText returns the counts of an analyzed title and body.
func (f *Finder) countText(t text) counts {
	all := f.counts(t)
	lead := f.leadCounts(t)
	c := counts{terms: make([]string, 0, len(all))}
	for x := range all {
		c.terms = append(c.terms, x)
	}
	slices.Sort(c.terms)
	c.all, c.lead = make([]int, len(c.terms)), make([]int, len(c.terms))
	for i, x := range c.terms {
		c.all[i], c.lead[i] = all[x], lead[x]
	}
	return c
}

// vectorVersion starts every encoded counts: a change of the encoding
// changes it, and a vector of another version is not read.
const vectorVersion = 1

// encode returns the stored form of c: the version, the number of terms,
// then per term its length, bytes, whole-text count and lead count (all
// unsigned varints but the bytes).
func (c counts) encode() []byte {
	n := 2 + len(c.terms)*4
	for _, t := range c.terms {
		n += len(t)
	}
	b := make([]byte, 0, n)
	b = append(b, vectorVersion)
	b = binary.AppendUvarint(b, uint64(len(c.terms)))
	for i, t := range c.terms {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
		b = binary.AppendUvarint(b, uint64(c.all[i]))
		b = binary.AppendUvarint(b, uint64(c.lead[i]))
	}
	return b
}

// decodeCounts reads what encode wrote.
func decodeCounts(b []byte) (counts, error) {
	if len(b) == 0 || b[0] != vectorVersion {
		return counts{}, fmt.Errorf("term vector: not version %d", vectorVersion)
	}
	b = b[1:]
	next := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	n, ok := next()
	if !ok || n > uint64(len(b)) {
		return counts{}, fmt.Errorf("term vector: bad length")
	}
	c := counts{terms: make([]string, n), all: make([]int, n), lead: make([]int, n)}
	for i := range c.terms {
		l, ok := next()
		if !ok || l > uint64(len(b)) {
			return counts{}, fmt.Errorf("term vector: term %d cut", i)
		}
		c.terms[i], b = string(b[:l]), b[l:]
		a, ok1 := next()
		d, ok2 := next()
		if !ok1 || !ok2 {
			return counts{}, fmt.Errorf("term vector: counts of term %d cut", i)
		}
		c.all[i], c.lead[i] = int(a), int(d)
	}
	if len(b) != 0 {
		return counts{}, fmt.Errorf("term vector: %d bytes past the end", len(b))
	}
	return c, nil
}

// weighCounts builds the whole-text and lead vectors of c: (1 + ln tf) ×
// idf, as weigh does; idf[i] is the idf of c.terms[i].
func weighCounts(c counts, idf []float64) (all, lead vector) {
	all = vector{terms: c.terms, weights: make([]float64, len(c.terms))}
	var ss float64
	nl := 0
	for i := range c.terms {
		w := idf[i]
		if c.all[i] > 0 {
			all.weights[i] = (1 + math.Log(float64(c.all[i]))) * w
			ss += all.weights[i] * all.weights[i]
		}
		if c.lead[i] > 0 {
			nl++
		}
	}
	all.norm = math.Sqrt(ss)
	lead = vector{terms: make([]string, 0, nl), weights: make([]float64, 0, nl)}
	ss = 0
	for i, t := range c.terms {
		if c.lead[i] > 0 {
			w := (1 + math.Log(float64(c.lead[i]))) * idf[i]
			lead.terms, lead.weights = append(lead.terms, t), append(lead.weights, w)
			ss += w * w
		}
	}
	lead.norm = math.Sqrt(ss)
	return all, lead
}

// keys returns the n heaviest terms of v with their weights divided by v's
// norm (ties by term): what the store indexes an article by, and what an
// article's candidate query asks with, so that a candidate's score is the
// part of the two texts' cosine their heaviest terms carry.
func (v vector) keys(n int) []marsad.KeyTerm {
	if v.norm == 0 {
		return nil
	}
	idx := make([]int, 0, len(v.terms))
	for i, w := range v.weights {
		if w > 0 {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(i, j int) bool {
		if v.weights[idx[i]] != v.weights[idx[j]] {
			return v.weights[idx[i]] > v.weights[idx[j]]
		}
		return v.terms[idx[i]] < v.terms[idx[j]]
	})
	out := make([]marsad.KeyTerm, 0, min(n, len(idx)))
	for _, i := range idx[:min(n, len(idx))] {
		out = append(out, marsad.KeyTerm{Term: v.terms[i], Weight: v.weights[i] / v.norm})
	}
	return out
}

// Analyzed is a stored article with its analyzed title and body terms, as
// the pipeline's analyze step made them.
type Analyzed struct {
	Article     *marsad.Article
	Title, Body []string
}

// Vectors returns what the related stage stores for each article: its
// counts, and its KeyTerms heaviest terms weighted with the archive's
// document frequencies as they are now (read once for the whole batch).
func (f *Finder) Vectors(ctx context.Context, docs []Analyzed) ([]marsad.TermVector, error) {
	cs := make([]counts, len(docs))
	terms := make([][]string, len(docs))
	for i, d := range docs {
		cs[i] = f.countText(text{title: d.Title, body: d.Body})
		terms[i] = cs[i].terms
	}
	idf, err := f.df.idfs(ctx, f.search, terms)
	if err != nil {
		return nil, fmt.Errorf("term vectors: %w", err)
	}
	out := make([]marsad.TermVector, len(docs))
	for i, d := range docs {
		all, _ := weighCounts(cs[i], idf[i])
		out[i] = marsad.TermVector{ArticleID: d.Article.ID, Published: d.Article.Published,
			Data: cs[i].truncate(all, f.p.VectorTerms).encode(), Keys: all.keys(f.p.KeyTerms)}
	}
	return out, nil
}

// truncate keeps the terms of c's lead and its n heaviest other terms by
// their weights in v (c's whole-text vector; 0: all terms): the tail of a
// long text weighs little in a cosine, and every term stored is read,
// looked up and multiplied by every list the article is a candidate of.
func (c counts) truncate(v vector, n int) counts {
	if n <= 0 || len(c.terms) <= n {
		return c
	}
	idx := make([]int, 0, len(c.terms))
	for i := range c.terms {
		if c.lead[i] == 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) <= n {
		return c
	}
	sort.Slice(idx, func(i, j int) bool {
		if v.weights[idx[i]] != v.weights[idx[j]] {
			return v.weights[idx[i]] > v.weights[idx[j]]
		}
		return c.terms[idx[i]] < c.terms[idx[j]]
	})
	drop := make([]bool, len(c.terms))
	for _, i := range idx[n:] {
		drop[i] = true
	}
	out := counts{terms: make([]string, 0, len(c.terms)-len(idx)+n)}
	for i, t := range c.terms {
		if !drop[i] {
			out.terms, out.all, out.lead = append(out.terms, t), append(out.all, c.all[i]), append(out.lead, c.lead[i])
		}
	}
	return out
}
