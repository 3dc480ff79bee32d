package fetch

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// testClient allows loopback (the test servers) and drops politeness delays.
func testClient() *Client {
	return New(Options{AllowPrivate: true, HostDelay: -1, Timeout: 5 * time.Second, MaxBody: 1 << 20})
}

func TestCheckAddressBlocksNonPublicAddresses(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1:80", true},
		{"[::1]:443", true},
		{"10.1.2.3:80", true},
		{"192.168.0.10:80", true},
		{"172.16.5.4:80", true},
		{"169.254.169.254:80", true}, // cloud metadata
		{"[fe80::1]:80", true},
		{"224.0.0.1:80", true},
		{"0.0.0.0:80", true},
		{"[::ffff:127.0.0.1]:80", true},
		{"100.64.0.1:80", true},
		{"93.184.216.34:443", false},
		{"[2606:4700::1111]:443", false},
	}
	for _, tc := range tests {
		err := checkAddress(tc.addr)
		if got := errors.Is(err, ErrBlockedAddress); got != tc.blocked {
			t.Errorf("checkAddress(%s) blocked=%v, want %v", tc.addr, got, tc.blocked)
		}
	}
}

func TestClientRefusesLoopbackUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secret") }))
	defer srv.Close()
	strict := New(Options{HostDelay: -1})
	if _, err := strict.Get(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("strict client reached %s: err=%v, want ErrBlockedAddress", srv.URL, err)
	}
	// A name resolving to loopback is caught after resolution too.
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := strict.Get(context.Background(), Request{URL: u}); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("strict client reached %s: err=%v, want ErrBlockedAddress", u, err)
	}
	if _, err := testClient().Get(context.Background(), Request{URL: srv.URL}); err != nil {
		t.Fatalf("AllowPrivate client: %v", err)
	}
}

func compress(t *testing.T, enc string, body []byte) []byte {
	var b bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "br":
		w = brotli.NewWriter(&b)
	default:
		return body
	}
	w.Write(body)
	w.Close()
	return b.Bytes()
}

func TestClientHandlesMisbehavingServers(t *testing.T) {
	arabic := "<p>خبر عاجل من المرصد</p>"
	win1256 := []byte("<p>\xCE\xC8\xD1 \xDA\xC7\xCC\xE1</p>") // "خبر عاجل"
	mux := http.NewServeMux()
	for _, enc := range []string{"gzip", "deflate", "br"} {
		mux.HandleFunc("/"+enc, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", enc)
			w.Write(compress(t, enc, []byte(arabic)))
		})
	}
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(compress(t, "gzip", bytes.Repeat([]byte("a"), 4<<20)))
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/gzip", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/cond", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "public, max-age=600")
		fmt.Fprint(w, arabic)
	})
	mux.HandleFunc("/win1256", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html") // no charset at all
		w.Write(win1256)
	})
	mux.HandleFunc("/lying", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8") // but the bytes are windows-1256
		w.Write(win1256)
	})
	mux.HandleFunc("/prolog", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(append([]byte(`<?xml version="1.0" encoding="windows-1256"?><rss><title>`), append(win1256[3:11], []byte("</title></rss>")...)...))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := testClient()
	tests := []struct {
		name  string
		req   Request
		check func(*Response, error) error
	}{
		{"gzip body is decoded", Request{URL: "/gzip"}, wantText(arabic)},
		{"deflate body is decoded", Request{URL: "/deflate"}, wantText(arabic)},
		{"brotli body is decoded", Request{URL: "/br"}, wantText(arabic)},
		{"a redirect is followed and the final URL kept", Request{URL: "/moved"}, func(r *Response, err error) error {
			if err != nil || !strings.HasSuffix(r.URL, "/gzip") {
				return fmt.Errorf("resp=%v err=%v", r, err)
			}
			return nil
		}},
		{"a gzip bomb fails as too large", Request{URL: "/bomb"}, wantErr(ErrTooLarge)},
		{"an endless body fails as too large", Request{URL: "/endless"}, wantErr(ErrTooLarge)},
		{"a redirect loop stops", Request{URL: "/loop"}, wantErr(ErrTooManyRedirects)},
		{"503 carries Retry-After", Request{URL: "/busy"}, func(r *Response, err error) error {
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 503 || se.RetryAfter != 2*time.Minute || !se.Temporary() {
				return fmt.Errorf("err=%v, want 503 with RetryAfter 2m", err)
			}
			return nil
		}},
		{"first conditional GET gets the body, ETag and max-age", Request{URL: "/cond"}, func(r *Response, err error) error {
			if err != nil || r.ETag != `"v1"` || r.MaxAge != 10*time.Minute || r.NotModified {
				return fmt.Errorf("resp=%+v err=%v", r, err)
			}
			return nil
		}},
		{"a matching ETag gives 304", Request{URL: "/cond", ETag: `"v1"`}, func(r *Response, err error) error {
			if err != nil || !r.NotModified || len(r.Body) != 0 {
				return fmt.Errorf("resp=%+v err=%v, want NotModified", r, err)
			}
			return nil
		}},
		{"undeclared windows-1256 is decoded", Request{URL: "/win1256"}, wantText("<p>خبر عاجل</p>")},
		{"a utf-8 header over windows-1256 bytes is not believed", Request{URL: "/lying"}, wantText("<p>خبر عاجل</p>")},
		{"the XML prolog encoding is honoured", Request{URL: "/prolog"}, func(r *Response, err error) error {
			if err != nil || !strings.Contains(string(r.Body), "<title>خبر عاجل</title>") || r.Charset != "windows-1256" {
				return fmt.Errorf("body=%q charset=%q err=%v", r.Body, r.Charset, err)
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.URL = srv.URL + req.URL
			r, err := c.GetText(context.Background(), req)
			if e := tc.check(r, err); e != nil {
				t.Error(e)
			}
		})
	}
	t.Run("a slow server times out", func(t *testing.T) {
		quick := New(Options{AllowPrivate: true, HostDelay: -1, Timeout: 100 * time.Millisecond})
		if _, err := quick.Get(context.Background(), Request{URL: srv.URL + "/slow"}); err == nil {
			t.Fatal("slow server: no error")
		}
	})
}

func wantText(s string) func(*Response, error) error {
	return func(r *Response, err error) error {
		if err != nil {
			return err
		}
		if string(r.Body) != s {
			return fmt.Errorf("body %q, want %q", r.Body, s)
		}
		return nil
	}
}

func wantErr(target error) func(*Response, error) error {
	return func(r *Response, err error) error {
		if !errors.Is(err, target) {
			return fmt.Errorf("err=%v, want %v", err, target)
		}
		return nil
	}
}

func TestRobotsRules(t *testing.T) {
	body := []byte("User-agent: *\nDisallow: /private\nAllow: /private/ok\nDisallow: /*.pdf$\n\nUser-agent: marsad\nDisallow: /nomarsad\n")
	rules := parseRobots(body, "marsad")
	if robotsAllow(rules, "/nomarsad/x") || !robotsAllow(rules, "/private") {
		t.Errorf("the marsad group must replace the * group: %+v", rules)
	}
	star := parseRobots(body, "otherbot")
	tests := []struct {
		path string
		want bool
	}{
		{"/", true}, {"/private/x", false}, {"/private/ok/1", true}, {"/a/b.pdf", false}, {"/a/b.pdf?x", true},
	}
	for _, tc := range tests {
		if got := robotsAllow(star, tc.path); got != tc.want {
			t.Errorf("allow(%s)=%v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestClientAllowedReadsRobotsOnce(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			hits++
			fmt.Fprint(w, "User-agent: *\nDisallow: /admin\n")
		}
	}))
	defer srv.Close()
	c := testClient()
	for _, tc := range []struct {
		path string
		want bool
	}{{"/news/1", true}, {"/admin/x", false}, {"/news/2", true}} {
		ok, err := c.Allowed(context.Background(), srv.URL+tc.path)
		if err != nil || ok != tc.want {
			t.Errorf("Allowed(%s)=%v,%v want %v", tc.path, ok, err, tc.want)
		}
	}
	if hits != 1 {
		t.Errorf("robots.txt fetched %d times, want 1", hits)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"30", 30 * time.Second}, {"-5", 0}, {"Mon, 01 Jan 2024 00:10:00 GMT", 10 * time.Minute}, {"junk", 0},
	}
	for _, tc := range tests {
		if got := ParseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("ParseRetryAfter(%q)=%v want %v", tc.in, got, tc.want)
		}
	}
}

// TestRobotsReadIsNotTheFirstCallersToCancel: the first caller gives up
// while robots.txt is still being read; it gets its context's error, and
// the read goes on for everyone else, who then see its rules (it used to
// be cached as "allow everything" for 12 hours).
func TestRobotsReadIsNotTheFirstCallersToCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			<-release
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		}
	}))
	defer srv.Close()
	defer close(release)
	c := testClient()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Allowed(ctx, srv.URL+"/private/1")
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v, want context.Canceled", err)
	}
	release <- struct{}{}
	ok, err := c.Allowed(context.Background(), srv.URL+"/private/1")
	if err != nil || ok {
		t.Errorf("after the first caller gave up: Allowed=%v,%v, want disallowed by the rules read", ok, err)
	}
}

// TestRobotsUnreadableIsRetriedSoon: a robots.txt the server failed to
// give (5xx) allows, but is asked again after robotsRetry, not 12 hours.
func TestRobotsUnreadableIsRetriedSoon(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := testClient()
	if ok, err := c.Allowed(context.Background(), srv.URL+"/x"); err != nil || !ok {
		t.Fatalf("Allowed=%v,%v", ok, err)
	}
	c.rmu.Lock()
	e := c.entries[srv.URL]
	c.rmu.Unlock()
	if left := time.Until(e.expires); left > robotsRetry || left <= 0 {
		t.Errorf("an unreadable robots.txt stands for %s, want at most %s", left, robotsRetry)
	}
}

// TestRobotsStatus: a robots.txt behind 401 or 403 forbids everything; a
// missing one (404) allows everything; a Crawl-delay is kept.
func TestRobotsStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   bool
		delay  time.Duration
	}{
		{http.StatusForbidden, "", false, 0},
		{http.StatusUnauthorized, "", false, 0},
		{http.StatusNotFound, "", true, 0},
		{http.StatusOK, "User-agent: *\nCrawl-delay: 3\nDisallow: /x\n", false, 3 * time.Second},
		{http.StatusOK, "User-agent: *\nCrawl-delay: 3\nDisallow: /y\n", true, 3 * time.Second},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}
		}))
		c := testClient()
		ok, err := c.Allowed(context.Background(), srv.URL+"/x")
		c.rmu.Lock()
		e := c.entries[srv.URL]
		c.rmu.Unlock()
		srv.Close()
		if err != nil || ok != tc.want || e.delay != tc.delay {
			t.Errorf("status %d %q: Allowed=%v,%v delay %s; want %v, %s", tc.status, tc.body, ok, err, e.delay, tc.want, tc.delay)
		}
	}
}
