package httpx

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

type counter struct{ n int64 }

func (c *counter) DataVersion(context.Context) (int64, error) { c.n++; return c.n, nil }

func TestVersionAsksTheStoreAtMostOncePerInterval(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src := &counter{}
	v := NewVersion(src, 100*time.Millisecond, func() time.Time { return now })
	v.Get(context.Background())
	for i := 0; i < 5; i++ {
		now = now.Add(time.Millisecond)
		if got, _ := v.Get(context.Background()); got != 1 {
			t.Fatalf("within the interval: version %d, want 1", got)
		}
	}
	now = now.Add(95 * time.Millisecond)
	if got, _ := v.Get(context.Background()); got != 2 {
		t.Errorf("after the interval: version %d, want 2", got)
	}
	now = now.Add(-time.Second) // the clock went back
	if got, _ := v.Get(context.Background()); got != 3 {
		t.Errorf("after the clock went back: version %d, want 3", got)
	}
}

func TestHeaders(t *testing.T) {
	for _, tc := range []struct {
		header, enc string
		want        bool
	}{
		{"gzip, br", "br", true},
		{"gzip;q=0, br", "gzip", false},
		{"GZIP; q=0.5", "gzip", true},
		{"deflate", "gzip", false},
		{"", "gzip", false},
	} {
		if got := AcceptsEncoding(tc.header, tc.enc); got != tc.want {
			t.Errorf("AcceptsEncoding(%q, %s) = %v", tc.header, tc.enc, got)
		}
	}
	for _, tc := range []struct {
		header string
		want   bool
	}{{`"a1"`, true}, {`W/"a1"`, true}, {`"b2", "a1"`, true}, {`*`, true}, {`"b2"`, false}, {``, false}} {
		if got := ETagMatch(tc.header, `"a1"`); got != tc.want {
			t.Errorf("ETagMatch(%q) = %v", tc.header, got)
		}
	}
}

func TestPathID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want int64
	}{{"42", 42}, {"0", 0}, {"-3", 0}, {"abc", 0}, {"99999999999999999999", 0}} {
		r := httptest.NewRequest("GET", "/x/"+tc.id, nil)
		r.SetPathValue("id", tc.id)
		got, err := PathID(r, "article")
		if got != tc.want || (tc.want == 0) != (marsad.ErrorCode(err) == marsad.ENOTFOUND) {
			t.Errorf("PathID(%q) = %d, %v", tc.id, got, err)
		}
	}
}
