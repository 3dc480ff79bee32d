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
	status int
	ctype  string
	body   []byte
	// gz and br are compressed when a client first asks for them: a page
	// read only by browsers (br) never pays for gzip.
	gzOnce, brOnce sync.Once
	gz, br         []byte
	etag           string
	version        int64     // data version it was computed at
	made           time.Time // relative times ("منذ ٣ ساعات") age with it
	// maxAge, when set, replaces the cache's own bound for this page.
	maxAge time.Duration
	key    string
}

// size is what the cache counts for r: the text and, at most, both
// compressed forms (about a third of it each).
func (r *response) size() int { return len(r.body)*5/3 + len(r.key) + 200 }

// minCompress is the smallest body worth compressing.
const minCompress = 512

// Compression levels: brotli 4 and gzip 6 give most of their best ratio
// on a page of Arabic text at a fraction of the time of the top levels;
// each page is compressed once, on its first request.
const brotliLevel, gzipLevel = 4, 6

// newResponse computes body's ETag; compression waits for a client.
func newResponse(status int, ctype string, body []byte, version int64, now time.Time) *response {
	h := fnv.New64a()
	h.Write(body)
	return &response{status: status, ctype: ctype, body: body, version: version, made: now,
		etag: fmt.Sprintf(`"%016x"`, h.Sum64())}
}

// compressors keeps brotli and gzip writers for reuse: a new writer
// allocates its window and hash tables, which costs more than compressing
// a small page.
type compressors struct {
	br, gz sync.Pool
}

func newCompressors() *compressors {
	c := &compressors{}
	c.br.New = func() any { return brotli.NewWriterLevel(nil, brotliLevel) }
	c.gz.New = func() any {
		w, _ := gzip.NewWriterLevel(nil, gzipLevel)
		return w
	}
	return c
}

// brotli returns the body compressed with brotli, nil when not worth it.
func (r *response) brotli(c *compressors) []byte {
	r.brOnce.Do(func() {
		if len(r.body) < minCompress {
			return
		}
		var b bytes.Buffer
		w := c.br.Get().(*brotli.Writer)
		w.Reset(&b)
		w.Write(r.body)
		w.Close()
		c.br.Put(w)
		r.br = b.Bytes()
	})
	return r.br
}

// gzip returns the body compressed with gzip, nil when not worth it.
func (r *response) gzip(c *compressors) []byte {
	r.gzOnce.Do(func() {
		if len(r.body) < minCompress {
			return
		}
		var b bytes.Buffer
		w := c.gz.Get().(*gzip.Writer)
		w.Reset(&b)
		w.Write(r.body)
		w.Close()
		c.gz.Put(w)
		r.gz = b.Bytes()
	})
	return r.gz
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
		age := c.maxAge
		if r.maxAge > 0 {
			age = r.maxAge
		}
		if r.version == version && now.Sub(r.made) < age {
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
