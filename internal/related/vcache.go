package related

import (
	"sync"
	"time"
)

// vecCache keeps the candidates' decoded term vectors with the shares of
// their terms, by article id. A list's candidates are the articles of its
// week that share its heaviest terms, so the lists of one week's pages
// draw on a few thousand vectors again and again: kept decoded with their
// shares, a candidate costs no row read, no decoding and no lookup of its
// terms in the document-frequency cache (three fifths of a list's CPU
// outside the candidate query, docs/PERFORMANCE.md). The answer is the one
// computed without it, to the bit: a term's share is fixed within a
// generation of the document-frequency cache and an entry of another
// generation is not used; the weights are taken at the archive's size of
// the moment, and kept only while it stays the same.
//
// An entry lives ttl: a vector changes only when the related stage stores
// the article again (a reindex after an analyzer upgrade, an edited text),
// which another process may do, so a page sees such a change within ttl,
// as it sees new articles within the lists cache's. At most size entries
// are kept in two halves: when the newer half is full the older is dropped
// (the recently used survive, as with an LRU list, without its bookkeeping
// on every hit).
type vecCache struct {
	size int
	ttl  time.Duration
	now  func() time.Time

	mu       sync.Mutex
	cur, old map[int64]*cachedVector
}

// cachedVector is one article's counts, their shares and, once weighed at
// an archive size, its vectors.
type cachedVector struct {
	id     int64
	c      counts
	shares known
	at     time.Time

	n         float64 // archive size the vectors were weighed at (0: not yet)
	all, lead vector
}

func newVecCache(size int, ttl time.Duration) *vecCache {
	if size <= 0 || ttl <= 0 {
		return nil
	}
	return &vecCache{size: size, ttl: ttl, now: time.Now, cur: map[int64]*cachedVector{}}
}

// get returns the fresh entry of id, nil when there is none (or c is nil:
// no cache).
func (c *vecCache) get(id int64) *cachedVector {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.cur[id]
	if !ok {
		if v, ok = c.old[id]; ok {
			c.put(id, v)
		}
	}
	if !ok || c.now().Sub(v.at) >= c.ttl {
		return nil
	}
	return v
}

// add keeps v.
func (c *vecCache) add(v *cachedVector) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(v.id, v)
}

// put keeps v in the newer half, turning the halves when it is full. The
// caller holds mu.
func (c *vecCache) put(id int64, v *cachedVector) {
	if len(c.cur) >= max(1, c.size/2) {
		c.old, c.cur = c.cur, make(map[int64]*cachedVector, len(c.cur))
	}
	c.cur[id] = v
}
