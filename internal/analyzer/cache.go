package analyzer

import (
	"hash/maphash"
	"sync"
)

// termCache remembers the index term of the Arabic words an analyzer has
// stemmed. News vocabulary is Zipfian: a few tens of thousands of forms
// make up almost every token, and the light stemmer's suffix and prefix
// rules cost far more than a map lookup. The cache is bounded (once full
// it only answers, it never evicts: the forms seen first in a stream are
// the common ones) and sharded so that the pipeline's prepare workers do
// not queue on one lock.
type termCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards   = 32
	cacheShardMax = 8192 // 262,144 forms in all, about 20 MB at most
)

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]cached
}

// cached is a normalized Arabic word and its index term ("" for a
// stopword); Tokenize hands out the cached norm, so a common word costs
// no allocation at all.
type cached struct{ norm, term string }

func newTermCache() *termCache {
	c := &termCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cached)
	}
	return c
}

func (c *termCache) shard(b []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, b)%cacheShards]
}

// get returns what is cached for the normalized word b. The lookup by
// string(b) does not allocate.
func (c *termCache) get(b []byte) (cached, bool) {
	sh := c.shard(b)
	sh.mu.RLock()
	e, ok := sh.m[string(b)]
	sh.mu.RUnlock()
	return e, ok
}

// put remembers e unless the shard is full.
func (c *termCache) put(e cached) {
	sh := c.shard([]byte(e.norm))
	sh.mu.Lock()
	if len(sh.m) < cacheShardMax {
		sh.m[e.norm] = e
	}
	sh.mu.Unlock()
}

// len is the number of cached forms.
func (c *termCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
