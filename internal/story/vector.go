// Package story clusters articles into stories online: each arriving
// article joins the most similar recent story, or opens a new one.
//
// An article is a weighted TF-IDF vector over its analyzed title, lead and
// body terms plus entity-like phrases (adjacent term pairs of title and
// lead, which is how names such as "مجلس امن" or "دونالد ترامب" survive
// analysis). Terms are 64-bit hashes: vectors compare by integer merge,
// document frequencies live in a fixed-size sketch, and nothing the
// clusterer keeps grows with the vocabulary.
//
// The clusterer (Model) keeps the stories active in a time window in
// memory with their term postings; the store is the source of truth and
// receives every change of a batch in one transaction (see Stage).
package story

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"time"
)

// Doc is an article as the clusterer sees it: analyzed terms only.
type Doc struct {
	ID        int64
	Source    string
	Published time.Time
	Title     string // display title, for the story's representative title
	Category  string // publisher's section (sport, economy…), "" when unknown
	// TitleTerms and BodyTerms are analyzed terms in text order; the lead
	// is the first Params.LeadTerms body terms (the summary of a news item
	// is almost always its first sentence).
	TitleTerms, BodyTerms []string
	// Feat are the raw features (Features as a key-sorted vector of
	// counts), computed once by Prepare: nil until then.
	Feat Vector
	// Parts are the raw features of each part of the article (title,
	// lead, body, entity-like phrases) apart, for the learned similarity's
	// per-part cosines; computed by Prepare with Feat.
	Parts [NumParts]Vector
}

// Prepare computes d.Feat. The pipeline calls it in its parallel prepare
// workers, so that hashing the terms stays off the serial stage.
func Prepare(d *Doc, p *Params) {
	f := Features(d, p)
	v := make(Vector, 0, len(f))
	for k, c := range f {
		v = append(v, Term{k, float32(c)})
	}
	d.Feat = truncate(v, 0)
	for i, f := range partFeatures(d, p) {
		v := make(Vector, 0, len(f))
		for k, c := range f {
			v = append(v, Term{k, float32(c)})
		}
		d.Parts[i] = truncate(v, 0)
	}
}

// The parts of an article that the learned similarity compares apart.
const (
	PartTitle  = iota // title terms and adjacent title pairs
	PartLead          // the first LeadTerms body terms and their pairs
	PartBody          // the next BodyTerms body terms
	PartEntity        // title pairs, and title terms the lead repeats: names
	NumParts
)

// partFeatures returns the raw counts of each part (see PartTitle…).
func partFeatures(d *Doc, p *Params) [NumParts]map[uint64]float64 {
	var f [NumParts]map[uint64]float64
	for i := range f {
		f[i] = map[uint64]float64{}
	}
	// add counts ts and (pairs) their adjacent pairs into dst, and the
	// pairs also into also when it is not nil.
	add := func(dst map[uint64]float64, pairs bool, also map[uint64]float64, ts []string) {
		var prev uint64
		for i, t := range ts {
			h := Hash(t)
			dst[h]++
			if pairs && i > 0 && ts[i-1] != t {
				k := pairHash(prev, h)
				dst[k]++
				if also != nil {
					also[k]++
				}
			}
			prev = h
		}
	}
	lead := d.BodyTerms[:min(len(d.BodyTerms), p.LeadTerms)]
	body := d.BodyTerms[len(lead):]
	add(f[PartTitle], true, f[PartEntity], d.TitleTerms)
	add(f[PartLead], true, nil, lead)
	add(f[PartBody], false, nil, body[:min(len(body), p.BodyTerms)])
	for _, h := range entityTerms(d.TitleTerms, lead) {
		f[PartEntity][h]++
	}
	return f
}

// entityTerms are the hashes of the distinct title terms that the lead
// repeats: what the article is about (the actor, the place, the club).
func entityTerms(title, lead []string) []uint64 {
	inLead := make(map[string]bool, len(lead))
	for _, t := range lead {
		inLead[t] = true
	}
	var out []uint64
	for _, t := range title {
		if inLead[t] {
			inLead[t] = false
			out = append(out, Hash(t))
		}
	}
	return out
}

// Term is one weighted feature: the hash of an analyzed term or phrase.
type Term struct {
	K uint64
	W float32
}

// Vector is a sparse vector sorted by key.
type Vector []Term

// Hash is FNV-1a (64 bit) of a term: fixed across processes and versions,
// unlike hash/maphash, because hashes are stored.
func Hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// pairHash is the key of the phrase "a b" (order matters).
func pairHash(a, b uint64) uint64 {
	h := a*0x9E3779B97F4A7C15 ^ (b + 0x632BE59BD9B4E019)
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	return h ^ h>>32
}

// Features returns the raw weighted term counts of a document (before IDF):
// title terms count TitleWeight each, lead terms LeadWeight, the next
// BodyTerms body terms BodyWeight, and adjacent pairs of title and lead
// terms PhraseWeight.
func Features(d *Doc, p *Params) map[uint64]float64 {
	f := make(map[uint64]float64, 2*(len(d.TitleTerms)+p.LeadTerms)+p.BodyTerms)
	add := func(ts []string, w, pw float64) {
		var prev uint64
		for i, t := range ts {
			h := Hash(t)
			f[h] += w
			if pw > 0 && i > 0 && ts[i-1] != t {
				f[pairHash(prev, h)] += pw
			}
			prev = h
		}
	}
	lead := d.BodyTerms[:min(len(d.BodyTerms), p.LeadTerms)]
	body := d.BodyTerms[len(lead):]
	add(d.TitleTerms, p.TitleWeight, p.TitlePhraseWeight)
	add(lead, p.LeadWeight, p.PhraseWeight)
	add(body[:min(len(body), p.BodyTerms)], p.BodyWeight, 0)
	if p.EntityWeight > 0 {
		// A term of the title that the lead repeats is what the article
		// is about (the actor, the place, the club): it counts more.
		for _, h := range entityTerms(d.TitleTerms, lead) {
			f[h] += p.EntityWeight
		}
	}
	return f
}

// Weigh turns raw counts into a unit TF-IDF vector with sublinear tf,
// keeping the max strongest terms.
func Weigh(f map[uint64]float64, idf func(uint64) float64, max int) Vector {
	v := make(Vector, 0, len(f))
	for k, c := range f {
		if w := (1 + math.Log(c)) * idf(k); w > 0 {
			v = append(v, Term{k, float32(w)})
		}
	}
	return normalize(truncate(v, max))
}

// WeighFeat is Weigh over prepared features.
func WeighFeat(f Vector, idf func(uint64) float64, max int) Vector {
	v := make(Vector, 0, len(f))
	for _, t := range f {
		if w := (1 + math.Log(float64(t.W))) * idf(t.K); w > 0 {
			v = append(v, Term{t.K, float32(w)})
		}
	}
	return normalize(truncate(v, max))
}

// truncate keeps the max heaviest terms (ties by key, for determinism)
// and returns them sorted by key.
func truncate(v Vector, max int) Vector {
	if max > 0 && len(v) > max {
		// The set of the max first by weight (a total order) is all that
		// is kept; it is sorted by key next.
		selectTop(v, max)
		v = v[:max]
	} else if slices.IsSortedFunc(v, byKey) {
		// WeighFeat's and Add's input is key-sorted already.
		return v
	}
	slices.SortFunc(v, byKey)
	return v
}

func byKey(a, b Term) int {
	switch {
	case a.K < b.K:
		return -1
	case a.K > b.K:
		return 1
	}
	return 0
}

func byWeight(a, b Term) int {
	switch {
	case a.W > b.W:
		return -1
	case a.W < b.W:
		return 1
	case a.K < b.K:
		return -1
	case a.K > b.K:
		return 1
	}
	return 0
}

func normalize(v Vector) Vector {
	n := v.Norm()
	if n == 0 {
		return v
	}
	for i := range v {
		v[i].W = float32(float64(v[i].W) / n)
	}
	return v
}

// Norm is the Euclidean norm.
func (v Vector) Norm() float64 {
	s := 0.0
	for _, t := range v {
		s += float64(t.W) * float64(t.W)
	}
	return math.Sqrt(s)
}

// Dot is the inner product of two key-sorted vectors. The products are
// summed in key order whichever way the shared keys are found, so the
// result does not depend on the method.
func Dot(a, b Vector) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a)*sparseDotRatio < len(b) {
		// A title or a name vector (a dozen terms) against a centroid or
		// a member bound (hundreds): galloping from a's keys into b costs
		// len(a)·log(len(b)) rather than a walk over all of b.
		return dotSparse(a, b)
	}
	var s float32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ka, kb := a[i].K, b[j].K
		switch {
		case ka == kb:
			s += a[i].W * b[j].W
			i++
			j++
		case ka < kb:
			i++
		default:
			j++
		}
	}
	return float64(s)
}

// sparseDotRatio is how many times longer b must be than a for Dot to
// search b for a's keys instead of merging.
const sparseDotRatio = 6

// dotSparse is Dot for len(a) much smaller than len(b): each key of a is
// found in b by galloping from the previous match.
func dotSparse(a, b Vector) float64 {
	var s float32
	j := 0
	for _, t := range a {
		// Gallop: find hi with b[hi].K ≥ t.K, then search (lo, hi].
		lo, step := j, 1
		hi := j
		for hi < len(b) && b[hi].K < t.K {
			lo = hi + 1
			hi += step
			step *= 2
		}
		hi = min(hi, len(b)-1)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if b[mid].K < t.K {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo >= len(b) {
			break
		}
		if b[lo].K == t.K {
			s += t.W * b[lo].W
			lo++
		}
		j = lo
	}
	return float64(s)
}

// Cosine of two vectors.
func Cosine(a, b Vector) float64 {
	na, nb := a.Norm(), b.Norm()
	if na == 0 || nb == 0 {
		return 0
	}
	return Dot(a, b) / (na * nb)
}

// Add returns a + w·b (both key-sorted), truncated to max terms.
func Add(a, b Vector, w float32, max int) Vector {
	out := make(Vector, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i].K < b[j].K):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j].K < a[i].K:
			out = append(out, Term{b[j].K, w * b[j].W})
			j++
		default:
			out = append(out, Term{a[i].K, a[i].W + w*b[j].W})
			i++
			j++
		}
	}
	return truncate(out, max)
}

// Top returns the keys of the n heaviest terms of v (ties: the smaller
// key), in no particular order.
func Top(v Vector, n int) []uint64 {
	n = min(n, len(v))
	out := make([]uint64, 0, n)
	if n == len(v) {
		for _, t := range v {
			out = append(out, t.K)
		}
		return out
	}
	// Selection rather than a sort: the caller wants the set (40 of a
	// centroid's 200 terms, for every join).
	c := slices.Clone(v)
	selectTop(c, n)
	for _, t := range c[:n] {
		out = append(out, t.K)
	}
	return out
}

// selectTop reorders v so that its first n terms are the n first in
// byWeight order (a total order), by quickselect.
func selectTop(v Vector, n int) {
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Median of three as pivot, moved to hi.
		mid := int(uint(lo+hi) >> 1)
		if byWeight(v[mid], v[lo]) < 0 {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if byWeight(v[hi], v[lo]) < 0 {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if byWeight(v[mid], v[hi]) < 0 {
			v[mid], v[hi] = v[hi], v[mid]
		}
		pivot := v[hi]
		p := lo
		for i := lo; i < hi; i++ {
			if byWeight(v[i], pivot) < 0 {
				v[i], v[p] = v[p], v[i]
				p++
			}
		}
		v[p], v[hi] = v[hi], v[p]
		switch {
		case p == n-1 || p == n:
			return
		case p < n:
			lo = p + 1
		default:
			hi = p - 1
		}
	}
}

// AppendVector serialises a vector for the store: a uvarint length, then
// per term the key and the float32 weight, little-endian.
func AppendVector(b []byte, v Vector) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	for _, t := range v {
		b = binary.LittleEndian.AppendUint64(b, t.K)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(t.W))
	}
	return b
}

// ReadVector decodes one vector written by AppendVector and returns the rest.
func ReadVector(b []byte) (Vector, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < 12*n {
		return nil, nil, errCorrupt
	}
	b = b[k:]
	v := make(Vector, n)
	for i := range v {
		v[i] = Term{binary.LittleEndian.Uint64(b), math.Float32frombits(binary.LittleEndian.Uint32(b[8:]))}
		b = b[12:]
	}
	return v, b, nil
}

var errCorrupt = errors.New("story: corrupt vector encoding")
