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
	gen     uint64 // counts the restarts: a share is fixed within one
	scan    bool   // (re)start from the whole vocabulary when the store can read it
}

// maxCachedTerms bounds the cache: far above the vocabulary of the two
// shared archives (about 150k terms), small in memory.
const maxCachedTerms = 1 << 20

func newDFCache(refresh float64, scan bool) *dfCache {
	return &dfCache{share: map[string]float64{}, refresh: refresh, scan: scan}
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
	sh, err := c.shares(ctx, s, lists, nil)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(lists))
	for i := range lists {
		out[i] = sh.idf(i)
	}
	return out, nil
}

// listShares are the document-frequency shares of lists of terms, aligned
// with them, and the archive's size and the cache's generation they hold at.
type listShares struct {
	shares [][]float64
	n      float64
	gen    uint64
}

// idf returns the idf of list i's terms.
func (l listShares) idf(i int) []float64 {
	out := make([]float64, len(l.shares[i]))
	for j, sh := range l.shares[i] {
		out[j] = idfOf(sh, l.n)
	}
	return out
}

// known is a list's shares as an earlier call returned them: a term's
// share is set once in a generation (read when missing, never changed but
// by a restart of the cache), so a list's shares of the same generation are
// the ones a lookup of each term would find.
type known struct {
	shares []float64
	gen    uint64
}

// shares returns the share of each term of each list, reading the
// frequencies the cache does not hold from s. have[i], when given and of
// the cache's generation, is list i's shares already (no term looked up).
func (c *dfCache) shares(ctx context.Context, s marsad.SearchService, lists [][]string, have []known) (listShares, error) {
	type at struct{ i, j int }
	out := make([][]float64, len(lists))
	var missing []string
	var where [][]at // where[k]: the places of missing[k]
	c.mu.Lock()
	// gen is the generation every share returned belongs to: a restart by
	// another call while this one reads leaves them of the one before.
	gen := c.gen
	pos := map[string]int{}
	for i, l := range lists {
		if i < len(have) && have[i].shares != nil && have[i].gen == gen && len(have[i].shares) == len(l) {
			out[i] = have[i].shares
			continue
		}
		out[i] = make([]float64, len(l))
		for j, k := range l {
			if sh, ok := c.share[k]; ok {
				out[i][j] = sh
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
	if len(missing) == 0 && !empty {
		defer c.mu.Unlock()
		return listShares{out, float64(c.docs), gen}, nil
	}
	c.mu.Unlock()
	v, scan := s.(vocabularyReader)
	scan = scan && c.scan
	if empty && scan {
		if sh, ok, err := c.fromVocabulary(ctx, v, lists); err != nil || ok {
			return sh, err
		}
	}
	df, docs, err := s.DocFrequencies(ctx, missing)
	if err != nil {
		return listShares{}, err
	}
	c.mu.Lock()
	stale := docs < c.docs || len(c.share) > maxCachedTerms ||
		(c.refresh > 0 && c.since > 0 && float64(docs) > float64(c.since)*(1+c.refresh))
	c.mu.Unlock()
	if stale && scan {
		if sh, ok, err := c.fromVocabulary(ctx, v, lists); err != nil || ok {
			return sh, err
		}
	}
	if stale {
		// The archive has moved: every weight is read again at its new
		// size, and the cache starts over from these lists' terms.
		var all []string
		for _, l := range lists {
			all = append(all, l...)
		}
		if df, docs, err = s.DocFrequencies(ctx, all); err != nil {
			return listShares{}, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.share, c.docs, c.since = make(map[string]float64, len(c.share)), docs, docs
		c.gen++
		n, k := float64(docs), 0
		for i, l := range lists {
			out[i] = make([]float64, len(l))
			for j, t := range l {
				c.share[t] = float64(df[k]) / max(n, 1)
				out[i][j] = c.share[t]
				k++
			}
		}
		return listShares{out, n, c.gen}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since == 0 {
		c.since = docs
	}
	// The archive may have grown a little: every weight of these lists is
	// taken at its new size (a word's share moves far less than its count).
	c.docs = docs
	n := float64(docs)
	for p, t := range missing {
		c.share[t] = float64(df[p]) / max(n, 1)
		for _, w := range where[p] {
			out[w.i][w.j] = c.share[t]
		}
	}
	return listShares{out, n, gen}, nil
}

// vocabularyReader is a search index that reads the document frequency of
// every term it holds at once, cheaply: on SQLite one scan of the index's
// vocabulary (store/sqlite's AllDocFrequencies: the 45,566 terms of the two
// shared archives in about 70 ms, less than the lookups of the 6,000 terms
// of one list in a new process, which read each common term's whole
// posting list).
type vocabularyReader interface {
	AllDocFrequencies(ctx context.Context) (map[string]int, int, error)
}

// fromVocabulary (re)starts the cache from the index's whole vocabulary, as
// the first read of a process and each restart do, and returns the lists'
// shares from it; a term the index does not hold has share 0, as
// DocFrequencies says. ok is false, and nothing changed, when the
// vocabulary is above maxCachedTerms: the lists' own terms are read then.
func (c *dfCache) fromVocabulary(ctx context.Context, v vocabularyReader, lists [][]string) (sh listShares, ok bool, err error) {
	all, docs, err := v.AllDocFrequencies(ctx)
	if err != nil || len(all) > maxCachedTerms {
		return listShares{}, false, err
	}
	n := float64(docs)
	share := make(map[string]float64, len(all))
	for t, d := range all {
		share[t] = float64(d) / max(n, 1)
	}
	out := make([][]float64, len(lists))
	for i, l := range lists {
		out[i] = make([]float64, len(l))
		for j, t := range l {
			sh, ok := share[t]
			if !ok {
				share[t] = 0 // a term the index does not hold: known, not looked up again
			}
			out[i][j] = sh
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.share, c.docs, c.since = share, docs, docs
	c.gen++
	return listShares{out, n, c.gen}, true, nil
}
