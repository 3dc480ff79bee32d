package related

import (
	"context"
	"math"
	"sync"

	"github.com/marsad/marsad"
)

// dfCache keeps the document frequencies already read from the index: a
// page's candidates share most of their vocabulary with earlier pages', so
// after a few hundred lists nearly every lookup is a map hit. The counts
// are dropped when the archive has grown by a share refresh since they were
// read (or shrunk: a rebuilt store), so the weights follow the archive.
type dfCache struct {
	mu      sync.Mutex
	df      map[string]int
	docs    int // articles indexed when df was read
	refresh float64
}

// maxCachedTerms bounds the cache: far above the vocabulary of the two
// shared archives (about 150k terms), small in memory.
const maxCachedTerms = 1 << 20

func newDFCache(refresh float64) *dfCache { return &dfCache{df: map[string]int{}, refresh: refresh} }

// idf returns ln((N+1)/(df+1)) for each key, N the number of indexed
// articles, reading the frequencies it does not hold from s.
func (c *dfCache) idf(ctx context.Context, s marsad.SearchService, keys []string) (map[string]float64, error) {
	c.mu.Lock()
	var missing []string
	for _, k := range keys {
		if _, ok := c.df[k]; !ok {
			missing = append(missing, k)
		}
	}
	empty := c.docs == 0
	c.mu.Unlock()
	if len(missing) > 0 || empty {
		df, docs, err := s.DocFrequencies(ctx, missing)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if docs < c.docs || float64(docs) > float64(c.docs)*(1+c.refresh) || len(c.df) > maxCachedTerms {
			c.df, c.docs = make(map[string]int, len(c.df)), docs
			c.mu.Unlock()
			// Re-read everything asked now at the new size.
			if df, docs, err = s.DocFrequencies(ctx, keys); err != nil {
				return nil, err
			}
			missing = keys
			c.mu.Lock()
		}
		for i, k := range missing {
			c.df[k] = df[i]
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := float64(c.docs)
	out := make(map[string]float64, len(keys))
	for _, k := range keys {
		out[k] = math.Log((n + 1) / (float64(c.df[k]) + 1))
	}
	return out, nil
}

// idfs returns, for each list of terms, the idf of each term, aligned with
// it: what idf returns, without building a map of the terms (a list's
// candidates hold some ten thousand terms, nearly all already cached, each
// looked up once).
func (c *dfCache) idfs(ctx context.Context, s marsad.SearchService, lists [][]string) ([][]float64, error) {
	type at struct{ i, j int }
	out := make([][]float64, len(lists))
	var missing []string
	var where [][]at // where[k]: the places of missing[k]
	c.mu.Lock()
	pos := map[string]int{}
	n := float64(c.docs)
	for i, l := range lists {
		out[i] = make([]float64, len(l))
		for j, k := range l {
			if df, ok := c.df[k]; ok {
				out[i][j] = math.Log((n + 1) / (float64(df) + 1))
				continue
			}
			p, ok := pos[k]
			if !ok {
				p = len(missing)
				pos[k] = p
				missing, where = append(missing, k), append(where, nil)
			}
			where[p] = append(where[p], at{i, j})
		}
	}
	empty := c.docs == 0
	c.mu.Unlock()
	if len(missing) == 0 && !empty {
		return out, nil
	}
	df, docs, err := s.DocFrequencies(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	stale := docs < c.docs || float64(docs) > float64(c.docs)*(1+c.refresh) || len(c.df) > maxCachedTerms
	c.mu.Unlock()
	if stale {
		// The archive has moved: every weight is read again at its new
		// size, and the cache starts over from this list's terms.
		c.mu.Lock()
		c.df, c.docs = make(map[string]int, len(c.df)), 0
		c.mu.Unlock()
		var all []string
		for _, l := range lists {
			all = append(all, l...)
		}
		if df, docs, err = s.DocFrequencies(ctx, all); err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.docs = docs
		n, k := float64(docs), 0
		for i, l := range lists {
			for j, t := range l {
				c.df[t] = df[k]
				out[i][j] = math.Log((n + 1) / (float64(df[k]) + 1))
				k++
			}
		}
		return out, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n = float64(c.docs)
	for p, t := range missing {
		c.df[t] = df[p]
		for _, w := range where[p] {
			out[w.i][w.j] = math.Log((n + 1) / (float64(df[p]) + 1))
		}
	}
	return out, nil
}
