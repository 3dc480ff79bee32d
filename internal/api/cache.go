package api

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/marsad/marsad/internal/httpx"
)

// entry is one computed answer with its validators and, when it is worth
// it, its gzip form made once.
type entry struct {
	status   int
	ctype    string
	body, gz []byte
	etag     string
	modified time.Time // zero: no Last-Modified
}

func newEntry(status int, ctype string, body []byte, modified time.Time) *entry {
	h := fnv.New64a()
	h.Write(body)
	e := &entry{status: status, ctype: ctype, body: body, etag: fmt.Sprintf(`"%016x"`, h.Sum64()),
		modified: modified.UTC().Truncate(time.Second)}
	if len(body) >= 1024 {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		e.gz = b.Bytes()
	}
	return e
}

func (e *entry) size() int { return len(e.body) + len(e.gz) + 256 }

// send writes the entry, or 304 when the client's validators match it
// (If-None-Match first, as RFC 9110 says, then If-Modified-Since).
func (e *entry) send(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", e.ctype)
	h.Set("Vary", "Accept-Encoding")
	if e.status == http.StatusOK {
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", e.etag)
		if !e.modified.IsZero() {
			h.Set("Last-Modified", e.modified.Format(http.TimeFormat))
		}
		if e.notModified(r) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		h.Set("Cache-Control", "no-store")
	}
	body := e.body
	if e.gz != nil && httpx.AcceptsEncoding(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = e.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (e *entry) notModified(r *http.Request) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return httpx.ETagMatch(inm, e.etag)
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !e.modified.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !e.modified.After(t)
	}
	return false
}

// cache keeps answers computed at one data version: when the version
// changes, everything kept is dropped at once (any answer may have
// changed). Within a version it holds at most budget bytes and, when
// full, starts over: lists and articles asked often come back within a
// request each.
type cache struct {
	mu      sync.Mutex
	budget  int
	used    int
	version int64
	entries map[string]*entry
}

func newCache(budget int) *cache { return &cache{budget: budget, entries: map[string]*entry{}} }

func (c *cache) get(key string, version int64) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return nil
	}
	return c.entries[key]
}

func (c *cache) put(key string, version int64, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		c.version, c.entries, c.used = version, map[string]*entry{}, 0
	}
	if c.used+e.size() > c.budget {
		c.entries, c.used = map[string]*entry{}, 0
	}
	if old, ok := c.entries[key]; ok {
		c.used -= old.size()
	}
	c.entries[key] = e
	c.used += e.size()
}
