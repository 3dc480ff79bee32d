// Package httpx is the HTTP plumbing the reader's pages (internal/web) and
// the API (internal/api) share: the store's data version asked at a
// bounded rate, which keeps their cached answers until the data changes,
// and the reading of the request headers that choose an answer's form.
package httpx

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/marsad/marsad"
)

// Version is a store's data version asked at most once per interval
// however many requests arrive: an answer may lag the store by that much.
type Version struct {
	src   marsad.VersionService
	every time.Duration
	now   func() time.Time

	mu     sync.Mutex
	at     time.Time
	v      int64
	asking bool // a request is asking the store now
}

// NewVersion returns src's data version asked at most once per every
// (now is the clock; nil is time.Now).
func NewVersion(src marsad.VersionService, every time.Duration, now func() time.Time) *Version {
	if now == nil {
		now = time.Now
	}
	return &Version{src: src, every: every, now: now}
}

// Get returns the data version, from the store when the last answer is
// older than the interval (or the clock went back). While one request asks
// the store, the others take the last answer: readers never queue behind
// the store for it.
func (v *Version) Get(ctx context.Context) (int64, error) {
	v.mu.Lock()
	now := v.now()
	if !v.at.IsZero() && (v.asking || now.Sub(v.at) < v.every && now.After(v.at)) {
		n := v.v
		v.mu.Unlock()
		return n, nil
	}
	v.asking = true
	v.mu.Unlock()
	n, err := v.src.DataVersion(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.asking = false
	if err != nil {
		return 0, err
	}
	v.v, v.at = n, now
	return n, nil
}

// AcceptsEncoding tells whether an Accept-Encoding header accepts enc
// (listed without q=0).
func AcceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// ETagMatch tells whether an If-None-Match header names etag (weakly
// compared, as RFC 9110 asks for GET) or is "*".
func ETagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// PathID reads the {id} of a request's path; anything but a positive
// number is ENOTFOUND (no such what), as an unknown id is.
func PathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, marsad.Errorf(marsad.ENOTFOUND, "no %s %q", what, r.PathValue("id"))
	}
	return id, nil
}
