package related

import (
	"context"
	"math"
	"sync"

	"github.com/marsad/marsad"
)

// dfCache keeps the document frequencies already read from the index, as
// shares of the archive when read: a page's candidates share most of their
// vocabulary with earlier pages', so after a few hundred lists nearly every
// lookup is a map hit. A term's weight is taken at the archive's size of
// the last read, its count scaled with it (a word's share of the articles
// moves far less than its count). The counts are dropped when the archive
// has grown by a share refresh since they were read (or shrunk: a rebuilt
// store), so the weights follow the archive; refresh 0 keeps them (the
// related stage: an import from nothing would otherwise read again, at
// every step of growth, every term of its batch).
type dfCache struct {
	mu      sync.Mutex
	share   map[string]float64 // df / docs when read
	docs    int                // articles indexed at the last read
	since   int                // articles indexed when the cache was (re)started
	refresh float64
}

// maxCachedTerms bounds the cache: far above the vocabulary of the two
// shared archives (about 150k terms), small in memory.
const maxCachedTerms = 1 << 20

func newDFCache(refresh float64) *dfCache {
	return &dfCache{share: map[string]float64{}, refresh: refresh}
}

// idfOf is ln((N+1)/(df+1)) with df the term's share of N articles.
func idfOf(share float64, n float64) float64 { return math.Log((n + 1) / (share*n + 1)) }

// idf returns ln((N+1)/(df+1)) for each key, N the number of indexed
// articles, reading the frequencies it does not hold from s.
func (c *dfCache) idf(ctx context.Context, s marsad.SearchService, keys []string) (map[string]float64, error) {
	w, err := c.idfs(ctx, s, [][]string{keys})
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(keys))
	for i, k := range keys {
		out[k] = w[0][i]
	}
	return out, nil
}

// idfs returns, for each list of terms, the idf of each term, aligned with
// it, without building a map of the terms (a list's candidates hold some
// ten thousand terms, nearly all already cached, each looked up once).
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
			if sh, ok := c.share[k]; ok {
				out[i][j] = idfOf(sh, n)
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
	stale := docs < c.docs || len(c.share) > maxCachedTerms ||
		(c.refresh > 0 && c.since > 0 && float64(docs) > float64(c.since)*(1+c.refresh))
	c.mu.Unlock()
	if stale {
		// The archive has moved: every weight is read again at its new
		// size, and the cache starts over from these lists' terms.
		var all []string
		for _, l := range lists {
			all = append(all, l...)
		}
		if df, docs, err = s.DocFrequencies(ctx, all); err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.share, c.docs, c.since = make(map[string]float64, len(c.share)), docs, docs
		n, k := float64(docs), 0
		for i, l := range lists {
			for j, t := range l {
				c.share[t] = float64(df[k]) / max(n, 1)
				out[i][j] = idfOf(c.share[t], n)
				k++
			}
		}
		return out, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since == 0 {
		c.since = docs
	}
	if docs != c.docs {
		// The archive grew a little: the cached terms' weights of these
		// lists are taken at its new size too.
		c.docs = docs
		n = float64(docs)
		for i, l := range lists {
			for j, t := range l {
				if sh, ok := c.share[t]; ok {
					out[i][j] = idfOf(sh, n)
				}
			}
		}
	}
	for p, t := range missing {
		c.share[t] = float64(df[p]) / max(n, 1)
		for _, w := range where[p] {
			out[w.i][w.j] = idfOf(c.share[t], n)
		}
	}
	return out, nil
}
