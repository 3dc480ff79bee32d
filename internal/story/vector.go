// Package story clusters articles into stories online: each arriving
// article joins the most similar recent story, or opens a new one.
//
// An article is a weighted TF-IDF vector over its analyzed title, lead and
// body terms plus entity-like phrases (adjacent term pairs of title and
// lead, which is how names such as "مجلس امن" or "دونالد ترامب" survive
// analysis). A story is the sum of its members' unit vectors (its
// centroid). Candidate stories come from an index of story term postings
// restricted to stories seen recently, never from a scan of the archive.
package story

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"time"
)

// Doc is an article as the clusterer sees it: analyzed terms only.
type Doc struct {
	ID        int64
	Source    string
	Published time.Time
	Title     string // display title, for the story's representative title
	// TitleTerms, LeadTerms and BodyTerms are analyzed terms in text
	// order. LeadTerms is the summary's terms when there is one (it may be
	// empty: Features then takes the first body terms as the lead).
	TitleTerms, LeadTerms, BodyTerms []string
}

// Term is one weighted feature.
type Term struct {
	T string
	W float64
}

// Vector is a sparse vector sorted by term.
type Vector []Term

// Params are the clustering weights and thresholds. Every value has a
// reason in DefaultParams.
type Params struct {
	TitleWeight, LeadWeight, BodyWeight, PhraseWeight float64
	LeadTerms, BodyTerms                              int // how many lead/body terms count
	MaxDocTerms, MaxStoryTerms                        int // vector truncation
	QueryTerms                                        int // postings looked up per article
	Threshold                                         float64
	HalfLife                                          time.Duration // time decay of similarity
	Window                                            time.Duration // a story older than this is closed
	MaxCandidates                                     int
	MemberWeight                                      float64 // nearest-member similarity scale (0: centroid only)
	KeepMembers                                       int     // recent member vectors kept per story
	MergeThreshold                                    float64 // centroid cosine at which two stories merge (0: never)
}

// phraseSep joins the two terms of a phrase feature; analyzed terms never
// contain it.
const phraseSep = "\x1f"

// Features returns the raw weighted term counts of a document (before IDF):
// title terms count TitleWeight each, lead terms LeadWeight, the first
// BodyTerms body terms BodyWeight, and adjacent pairs of title and lead terms
// PhraseWeight.
func Features(d *Doc, p *Params) map[string]float64 {
	f := map[string]float64{}
	add := func(ts []string, w float64, phrases bool) {
		for i, t := range ts {
			f[t] += w
			if phrases && i > 0 && ts[i-1] != t {
				f[ts[i-1]+phraseSep+t] += p.PhraseWeight
			}
		}
	}
	lead := d.LeadTerms
	body := d.BodyTerms
	if len(lead) == 0 {
		lead = body[:min(len(body), p.LeadTerms)]
	}
	add(d.TitleTerms, p.TitleWeight, true)
	add(lead[:min(len(lead), p.LeadTerms)], p.LeadWeight, true)
	add(body[:min(len(body), p.BodyTerms)], p.BodyWeight, false)
	return f
}

// Weigh turns raw counts into a unit TF-IDF vector with sublinear tf,
// keeping the max strongest terms. idf gives the inverse document
// frequency of a term.
func Weigh(f map[string]float64, idf func(string) float64, max int) Vector {
	v := make(Vector, 0, len(f))
	for t, c := range f {
		if w := (1 + math.Log(c)) * idf(t); w > 0 {
			v = append(v, Term{t, w})
		}
	}
	return normalize(truncate(v, max))
}

// truncate keeps the max heaviest terms (ties by term, for determinism)
// and returns them sorted by term.
func truncate(v Vector, max int) Vector {
	if max > 0 && len(v) > max {
		slices.SortFunc(v, func(a, b Term) int {
			if a.W != b.W {
				if a.W > b.W {
					return -1
				}
				return 1
			}
			return strings.Compare(a.T, b.T)
		})
		v = v[:max]
	}
	slices.SortFunc(v, func(a, b Term) int { return strings.Compare(a.T, b.T) })
	return v
}

func normalize(v Vector) Vector {
	n := v.Norm()
	if n == 0 {
		return v
	}
	for i := range v {
		v[i].W /= n
	}
	return v
}

// Norm is the Euclidean norm.
func (v Vector) Norm() float64 {
	s := 0.0
	for _, t := range v {
		s += t.W * t.W
	}
	return math.Sqrt(s)
}

// Dot is the inner product of two term-sorted vectors.
func Dot(a, b Vector) float64 {
	s, i, j := 0.0, 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i].T, b[j].T); {
		case c == 0:
			s += a[i].W * b[j].W
			i++
			j++
		case c < 0:
			i++
		default:
			j++
		}
	}
	return s
}

// Cosine of two vectors.
func Cosine(a, b Vector) float64 {
	na, nb := a.Norm(), b.Norm()
	if na == 0 || nb == 0 {
		return 0
	}
	return Dot(a, b) / (na * nb)
}

// Add returns a + w·b (both term-sorted), truncated to max terms.
func Add(a, b Vector, w float64, max int) Vector {
	out := make(Vector, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i].T < b[j].T):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j].T < a[i].T:
			out = append(out, Term{b[j].T, w * b[j].W})
			j++
		default:
			out = append(out, Term{a[i].T, a[i].W + w*b[j].W})
			i++
			j++
		}
	}
	return truncate(out, max)
}

// Top returns the n heaviest terms of v (for postings lookups).
func Top(v Vector, n int) []string {
	c := slices.Clone(v)
	slices.SortFunc(c, func(a, b Term) int {
		if a.W != b.W {
			if a.W > b.W {
				return -1
			}
			return 1
		}
		return strings.Compare(a.T, b.T)
	})
	out := make([]string, 0, min(n, len(c)))
	for _, t := range c[:min(n, len(c))] {
		out = append(out, t.T)
	}
	return out
}

// EncodeVector serialises a vector compactly for the store: per term a
// uvarint length, the term bytes and a float32 weight.
func EncodeVector(v Vector) []byte {
	b := make([]byte, 0, len(v)*12)
	for _, t := range v {
		b = binary.AppendUvarint(b, uint64(len(t.T)))
		b = append(b, t.T...)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(t.W)))
	}
	return b
}

// DecodeVector reverses EncodeVector.
func DecodeVector(b []byte) (Vector, error) {
	var v Vector
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n+4 {
			return nil, errors.New("story: corrupt vector encoding")
		}
		b = b[k:]
		t := string(b[:n])
		w := math.Float32frombits(binary.LittleEndian.Uint32(b[n:]))
		b = b[n+4:]
		v = append(v, Term{t, float64(w)})
	}
	return v, nil
}
