package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// response is a rendered page, compressed both ways once, with its
// validator: what the cache keeps and what every hit sends.
type response struct {
	status  int
	ctype   string
	body    []byte
	gz      []byte
	br      []byte
	etag    string
	version int64     // data version it was computed at
	made    time.Time // relative times ("منذ ٣ ساعات") age with it
	key     string
}

func (r *response) size() int { return len(r.body) + len(r.gz) + len(r.br) + len(r.key) + 200 }

// newResponse compresses body and computes its ETag.
func newResponse(status int, ctype string, body []byte, version int64, now time.Time) *response {
	h := fnv.New64a()
	h.Write(body)
	r := &response{status: status, ctype: ctype, body: body, version: version, made: now,
		etag: fmt.Sprintf(`"%016x"`, h.Sum64())}
	if len(body) >= 512 {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed+5)
		zw.Write(body)
		zw.Close()
		r.gz = bytes.Clone(b.Bytes())
		b.Reset()
		bw := brotli.NewWriterLevel(&b, 6)
		bw.Write(body)
		bw.Close()
		r.br = bytes.Clone(b.Bytes())
	}
	return r
}

// pageCache keeps rendered pages for as long as the store has not changed
// (the data version) and at most maxAge (relative times), in least recently
// used order within a byte budget. Concurrent misses of one key compute it
// once: after an ingest, a burst of readers of the home page costs one
// rendering.
type pageCache struct {
	mu       sync.Mutex
	budget   int
	used     int
	maxAge   time.Duration
	order    *list.List // of *response, most recent first
	entries  map[string]*list.Element
	inflight map[string]*flight
}

type flight struct {
	done chan struct{}
	resp *response
}

func newPageCache(budget int, maxAge time.Duration) *pageCache {
	return &pageCache{budget: budget, maxAge: maxAge, order: list.New(),
		entries: map[string]*list.Element{}, inflight: map[string]*flight{}}
}

// get returns the page under key computed at version, computing it with
// fill when absent, stale or too old. fill's response is kept only when
// keep says so (an error page caused by load is not).
func (c *pageCache) get(key string, version int64, now time.Time, fill func() (*response, bool)) *response {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		r := e.Value.(*response)
		if r.version == version && now.Sub(r.made) < c.maxAge {
			c.order.MoveToFront(e)
			c.mu.Unlock()
			return r
		}
		c.remove(e)
	}
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-f.done
		if f.resp != nil {
			return f.resp
		}
		r, _ := fill()
		return r
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()

	var r *response
	keep := false
	defer func() {
		// A panic in fill (recovered above us) must not leave waiters hanging.
		c.mu.Lock()
		delete(c.inflight, key)
		if keep && r != nil {
			f.resp = r
			r.key = key
			c.entries[key] = c.order.PushFront(r)
			c.used += r.size()
			for c.used > c.budget && c.order.Len() > 1 {
				c.remove(c.order.Back())
			}
		}
		c.mu.Unlock()
		close(f.done)
	}()
	r, keep = fill()
	return r
}

func (c *pageCache) remove(e *list.Element) {
	r := e.Value.(*response)
	c.order.Remove(e)
	delete(c.entries, r.key)
	c.used -= r.size()
}
