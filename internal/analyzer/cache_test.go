package analyzer

import (
	"slices"
	"sync"
	"testing"
)

// TestTermCacheChangesNoTerm analyzes real bodies with a cold analyzer, a
// warm one (every form cached) and the stemmer alone, from several
// goroutines at once: the three must give the same terms.
func TestTermCacheChangesNoTerm(t *testing.T) {
	bodies := readBodies(t, 400)
	a := New()
	uncached := func(s string) []string {
		var out []string
		for _, tk := range a.Tokenize(s) {
			switch {
			case tk.Kind != Arabic:
				out = append(out, tk.Norm)
			case a.IsStopword(tk.Norm):
			default:
				out = append(out, a.Stem(tk.Norm))
			}
		}
		return out
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(bodies))
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range bodies {
				if i%4 != w && w != 0 {
					continue
				}
				got, want := a.Terms(s), uncached(s)
				if !slices.Equal(got, want) {
					errs <- s[:min(len(s), 80)]
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Errorf("cached terms differ from the stemmer's for %q", s)
	}
	if n := a.cache.len(); n == 0 {
		t.Fatal("nothing was cached")
	}
}

// TestTermCacheIsBounded fills the cache past its bound: it stops growing
// and still answers right for words it could not keep.
func TestTermCacheIsBounded(t *testing.T) {
	a := New()
	letters := []rune("بتثجحخدذرزسشصضطظعغفقكلمنهوي")
	word := func(i int) string {
		r := []rune{}
		for range 4 {
			r = append(r, letters[i%len(letters)])
			i /= len(letters)
		}
		return string(r)
	}
	n := cacheShards*cacheShardMax + 5000
	for i := range n {
		a.Terms(word(i))
	}
	if got := a.cache.len(); got > cacheShards*cacheShardMax {
		t.Fatalf("cache holds %d forms, bound %d", got, cacheShards*cacheShardMax)
	}
	for i := n - 100; i < n; i++ {
		w := word(i)
		if got, want := a.Term(w), a.Stem(w); got != want && !a.IsStopword(w) {
			t.Errorf("Term(%q) = %q, stemmer says %q", w, got, want)
		}
	}
}
