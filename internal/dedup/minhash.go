package dedup

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// ContentHash is the exact-duplicate key: a hash of the analyzed body terms.
// Two bodies that differ only in what the analyzer folds away (diacritics,
// tatweel, letter variants, punctuation, stopwords) get the same hash.
func ContentHash(terms []string) uint64 {
	d := xxhash.New()
	for i, t := range terms {
		if i > 0 {
			_, _ = d.WriteString(" ")
		}
		_, _ = d.WriteString(t)
	}
	return d.Sum64()
}

// Shingles returns the sorted, distinct hashes of the k-term windows of
// terms (w-shingling over analyzed words). A text shorter than k terms has
// no shingles. Hashes are truncated to 32 bits: at a few hundred shingles per
// article the chance that two different shingles of a compared pair collide
// is about n²/2³² ≈ 10⁻⁵, and it halves the stored size.
func Shingles(terms []string, k int) []uint32 {
	if k <= 0 || len(terms) < k {
		return nil
	}
	out := make([]uint32, 0, len(terms)-k+1)
	// One digest, reset per window: the same hash as of the joined string
	// ("t1 t2 t3"), without building it.
	d := xxhash.New()
	for i := 0; i+k <= len(terms); i++ {
		d.Reset()
		for j := i; j < i+k; j++ {
			if j > i {
				_, _ = d.WriteString(" ")
			}
			_, _ = d.WriteString(terms[j])
		}
		out = append(out, uint32(d.Sum64()))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Jaccard returns |a∩b| / |a∪b| of two sorted distinct sets.
func Jaccard(a, b []uint32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// MinHasher computes MinHash signatures of Bands×Rows values and their LSH
// band keys. The i-th hash function is a 64-bit mix of the shingle with
// seed i (splitmix64 finaliser), which behaves as an independent random
// permutation for MinHash purposes and needs no tables.
type MinHasher struct {
	Bands, Rows int
	seeds       []uint64
}

// NewMinHasher returns a MinHasher for the given banding. The seeds are fixed,
// so signatures are comparable across processes and releases.
func NewMinHasher(bands, rows int) *MinHasher {
	n := bands * rows
	m := &MinHasher{Bands: bands, Rows: rows, seeds: make([]uint64, n)}
	s := uint64(0x6d61727361640001) // "marsad", then splitmix64 stream
	for i := range m.seeds {
		s += 0x9e3779b97f4a7c15
		m.seeds[i] = mix64(s)
	}
	return m
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Signature returns the MinHash signature of a shingle set (nil for an
// empty set: such a text has nothing to compare).
func (m *MinHasher) Signature(shingles []uint32) []uint64 {
	if len(shingles) == 0 {
		return nil
	}
	sig := make([]uint64, len(m.seeds))
	for i := range sig {
		sig[i] = math.MaxUint64
	}
	for _, s := range shingles {
		x := uint64(s)
		for i, seed := range m.seeds {
			if h := mix64(x ^ seed); h < sig[i] {
				sig[i] = h
			}
		}
	}
	return sig
}

// BandKeys returns one key per band: a hash of the band's number and its
// Rows signature values. Two texts are LSH candidates when they share a key.
// Keys are int64 so that SQL stores them as plain integers.
func (m *MinHasher) BandKeys(sig []uint64) []int64 {
	if len(sig) != m.Bands*m.Rows {
		return nil
	}
	keys := make([]int64, m.Bands)
	buf := make([]byte, 8*(m.Rows+1))
	for b := 0; b < m.Bands; b++ {
		binary.LittleEndian.PutUint64(buf, uint64(b))
		for r := 0; r < m.Rows; r++ {
			binary.LittleEndian.PutUint64(buf[8*(r+1):], sig[b*m.Rows+r])
		}
		keys[b] = int64(xxhash.Sum64(buf))
	}
	return keys
}

// EstimatedJaccard is the share of equal signature positions.
func EstimatedJaccard(a, b []uint64) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// CandidateProbability is the LSH S-curve: the probability that two texts
// of Jaccard similarity s share at least one band key, 1-(1-s^r)^b.
func CandidateProbability(s float64, bands, rows int) float64 {
	return 1 - math.Pow(1-math.Pow(s, float64(rows)), float64(bands))
}

// ChooseBanding picks the banding for a Jaccard threshold t from the S-curve
// P(s) = 1-(1-s^r)^b. Every pair at or above t must become a candidate with
// probability at least minRecall (P(t) ≥ minRecall; P rises with s, so this
// holds for every s ≥ t). Among the bandings that satisfy it with
// bands×rows ≤ maxHashes, it takes the one with the least false-candidate
// mass ∫_0^t P(s) ds — each false candidate costs one exact-Jaccard check —
// and, on ties, the fewest hashes. ok is false when no banding fits.
//
// For marsad's defaults (t = 0.5, minRecall = 0.99, 128 hashes) this gives
// 35 bands of 3 rows: P(0.5) = 0.991, P(0.8) ≈ 1, P(0.25) = 0.42,
// P(0.1) = 0.034. Why 0.5: on SaudiNewsNet a wire copy republished with a
// paper's intro, a cut ending or light edits keeps well over half of its
// 3-term shingles, while two outlets' own reports of one event share a few
// names and formulas, far below (those belong to story clustering, not
// dedup). `marsad eval dedup` prints this curve at the threshold and half of
// it, and checks the links against brute-force exact Jaccard (precision
// 1.0, recall 0.9997). Fewer rows would store fewer band keys per article
// but make several times more false candidates below the threshold; more
// rows need more bands for the same recall, hence more keys to store.
func ChooseBanding(t, minRecall float64, maxHashes int) (bands, rows int, ok bool) {
	best := math.Inf(1)
	for r := 1; r <= maxHashes; r++ {
		// Smallest b with 1-(1-t^r)^b ≥ minRecall.
		p := math.Pow(t, float64(r))
		if p <= 0 || p >= 1 {
			continue
		}
		bf := math.Max(1, math.Ceil(math.Log1p(-minRecall)/math.Log1p(-p)))
		if bf*float64(r) > float64(maxHashes) {
			continue
		}
		b := int(bf)
		fp := integrate(func(s float64) float64 { return CandidateProbability(s, b, r) }, 0, t)
		if fp < best-1e-12 {
			best, bands, rows, ok = fp, b, r, true
		}
	}
	return bands, rows, ok
}

// FalseCandidateMass is ∫_0^t P(s) ds for a banding, printed by the eval to
// document the choice.
func FalseCandidateMass(t float64, bands, rows int) float64 {
	return integrate(func(s float64) float64 { return CandidateProbability(s, bands, rows) }, 0, t)
}

// integrate is the trapezoid rule on 200 steps, ample for these smooth curves.
func integrate(f func(float64) float64, a, b float64) float64 {
	const n = 200
	h := (b - a) / n
	sum := (f(a) + f(b)) / 2
	for i := 1; i < n; i++ {
		sum += f(a + float64(i)*h)
	}
	return sum * h
}
