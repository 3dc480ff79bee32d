package story

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randomVector is n distinct keys drawn from [0, space) with weights in
// (0, 1], sorted by key; a few weights repeat so that ties by weight occur.
func randomVector(r *rand.Rand, n int, space uint64) Vector {
	seen := map[uint64]bool{}
	v := make(Vector, 0, n)
	for len(v) < n {
		k := r.Uint64N(space)
		if seen[k] {
			continue
		}
		seen[k] = true
		w := float32(r.IntN(8)+1) / 8
		if r.IntN(2) == 0 {
			w = r.Float32() + 1e-3
		}
		v = append(v, Term{k, w})
	}
	return truncate(v, 0)
}

// mergeDot is the plain merge Dot was before it learned to gallop.
func mergeDot(a, b Vector) float64 {
	var s float32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch ka, kb := a[i].K, b[j].K; {
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

// Dot must give the merge's value bit for bit whatever the lengths (the
// clustering's decisions compare these values with thresholds).
func TestDotIsTheMergeBitForBit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ na, nb int }{
		{0, 0}, {0, 50}, {1, 1}, {1, 200}, {5, 200}, {12, 1600}, {40, 200}, {80, 80}, {200, 3}, {33, 199},
	} {
		for _, space := range []uint64{64, 512, 1 << 40} {
			for range 20 {
				a, b := randomVector(r, min(c.na, int(space)), space), randomVector(r, min(c.nb, int(space)), space)
				if got, want := Dot(a, b), mergeDot(a, b); got != want {
					t.Fatalf("%d×%d terms over %d keys: Dot %v, merge %v", len(a), len(b), space, got, want)
				}
				// a run of b's own keys: every key matches, neighbours too.
				if len(b) > 0 {
					at := r.IntN(len(b))
					run := slices.Clone(b[at:min(len(b), at+max(1, len(b)/10))])
					if got, want := Dot(run, b), mergeDot(run, b); got != want {
						t.Fatalf("a run of %d of %d keys: Dot %v, merge %v", len(run), len(b), got, want)
					}
				}
			}
		}
	}
}

// Top must return the same set as sorting by weight (ties by key) and
// taking the first n.
func TestTopIsTheSortedPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ len, n int }{{0, 40}, {10, 40}, {40, 40}, {41, 40}, {80, 40}, {200, 40}, {200, 1}, {200, 199}, {7, 0}} {
		for range 50 {
			v := randomVector(r, c.len, 1<<20)
			sorted := slices.Clone(v)
			slices.SortFunc(sorted, byWeight)
			var want []uint64
			for _, t := range sorted[:min(c.n, len(sorted))] {
				want = append(want, t.K)
			}
			got := Top(v, c.n)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("Top(%d terms, %d): %v, want %v", c.len, c.n, got, want)
			}
		}
	}
}

// The learned join's five centroid cosines come from one walk over the
// centroid: each must equal Dot of its own vector with the centroid.
func TestCentroidDotsAreEachDot(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, space := range []uint64{300, 4000, 1 << 40} {
		for range 200 {
			var vs [1 + NumParts]Vector
			for q := range vs {
				vs[q] = randomVector(r, r.IntN(90), space)
			}
			c := randomVector(r, 200, space)
			// parts sharing keys with the centroid and with each other
			vs[1+PartEntity] = append(Vector{}, vs[1+PartTitle][:len(vs[1+PartTitle])/2]...)
			vs[0] = Add(vs[0], c[:20], 0.5, 0)
			got := centroidDots(unionOf(vs), c)
			for q, v := range vs {
				if want := Dot(v, c); got[q] != want {
					t.Fatalf("vector %d (%d terms): %v, Dot %v", q, len(v), got[q], want)
				}
			}
		}
	}
}

// The member scan's hashed dot product must equal Dot bit for bit.
func TestKeyIndexDotIsDot(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct{ na, nb int }{{0, 0}, {0, 80}, {80, 0}, {1, 1}, {80, 80}, {3, 80}, {80, 3}, {80, 1600}, {200, 80}} {
		for _, space := range []uint64{100, 1000, 1 << 62} {
			for range 30 {
				a, b := randomVector(r, min(c.na, int(space)), space), randomVector(r, min(c.nb, int(space)), space)
				ix := newKeyIndex(a)
				if got, want := ix.dot(b), Dot(a, b); got != want {
					t.Fatalf("%d×%d terms over %d keys: %v, Dot %v", len(a), len(b), space, got, want)
				}
			}
		}
	}
}
