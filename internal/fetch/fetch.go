// Package fetch is marsad's one HTTP client for untrusted URLs (feeds,
// article pages, robots.txt). Everything it fetches is treated as hostile:
// addresses are checked after DNS resolution and on every redirect so that
// a feed cannot point marsad at loopback, private, link-local, multicast or
// unspecified addresses (unless Options.AllowPrivate); bodies are size- and
// time-limited; compressed bodies (gzip, deflate, brotli) are limited after
// decompression; text is converted to UTF-8. It also keeps the politeness
// rules per host: a concurrency limit, a delay between requests and
// robots.txt for article pages.
package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"
)

// UserAgent names marsad to the sites it reads, as polite crawlers do.
const UserAgent = "marsad/0.1 (+https://github.com/marsad/marsad; news aggregator)"

// Options configure a Client. The zero value is usable: every zero field
// takes the default noted beside it.
type Options struct {
	// AllowPrivate lets requests reach loopback and private networks
	// (tests, intranet feeds). Off by default.
	AllowPrivate bool
	// Timeout bounds one whole request, body included. Default 30 s.
	Timeout time.Duration
	// MaxBody is the largest decoded body accepted; more is an error, never
	// a silent truncation. Default 10 MiB.
	MaxBody int64
	// MaxRedirects followed per request. Default 5.
	MaxRedirects int
	// PerHost is the number of requests in flight to one host. Default 2.
	PerHost int
	// HostDelay is the pause between two requests to one host. Default 1 s;
	// negative means none (loopback tests).
	HostDelay time.Duration
	// UserAgent overrides UserAgent.
	UserAgent string
	// Logger receives debug lines; default discards.
	Logger *slog.Logger
}

// Errors callers branch on.
var (
	// ErrBlockedAddress: the URL resolved to an address marsad must not reach.
	// The message names the switch, since whoever reads it (in `feeds
	// list`, a log) is the one who can turn it on.
	ErrBlockedAddress = errors.New("address not allowed (private, loopback, link-local or multicast; --allow-private-networks allows it)")
	// ErrTooLarge: the body exceeded Options.MaxBody.
	ErrTooLarge = errors.New("body too large")
	// ErrTooManyRedirects: more than Options.MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRobots: robots.txt forbids the URL.
	ErrRobots = errors.New("disallowed by robots.txt")
)

// StatusError is a response with a status other than 2xx and 304.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration // from the Retry-After header, 0 when absent
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// Temporary reports whether trying again later may succeed (429, 5xx).
func (e *StatusError) Temporary() bool { return e.Code == 429 || e.Code >= 500 }

// Request is one GET with its conditional-request validators.
type Request struct {
	URL          string
	ETag         string // sent as If-None-Match
	LastModified string // sent as If-Modified-Since
	// Accept overrides the Accept header.
	Accept string
}

// Response is a successful (2xx or 304) response.
type Response struct {
	URL          string // final URL after redirects
	Status       int
	NotModified  bool   // 304: Body is empty, keep what you had
	Body         []byte // decompressed; converted to UTF-8 when Text was asked
	ContentType  string
	Charset      string // encoding the body was decoded from (Text only)
	ETag         string
	LastModified string
	// MaxAge is the freshness the server granted (Cache-Control max-age or
	// Expires), 0 when none. RetryAfter is set on 503/429 and sometimes 200.
	MaxAge     time.Duration
	RetryAfter time.Duration
	Header     http.Header
}

// Client fetches untrusted URLs. It is safe for concurrent use.
type Client struct {
	opts  Options
	http  *http.Client
	log   *slog.Logger
	mu    sync.Mutex
	hosts map[string]*hostState
	robots
}

// hostState is the politeness state of one host.
type hostState struct {
	sem  chan struct{}
	mu   sync.Mutex
	next time.Time // earliest start of the next request
}

// New returns a Client with opts (zero fields take their defaults).
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 10 << 20
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 5
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 2
	}
	if opts.HostDelay == 0 {
		opts.HostDelay = time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = UserAgent
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		// Control runs after DNS resolution with the IP about to be
		// dialled, for the first request and every redirect alike, so a
		// name that resolves to 127.0.0.1 or a DNS-rebinding trick is
		// caught where it matters.
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			return checkAddress(address)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us and bypass the address check
		DialContext:           dialer.DialContext,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   opts.PerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		DisableCompression:    true, // we ask for and decode gzip, deflate and br ourselves
		ForceAttemptHTTP2:     true,
	}
	c := &Client{opts: opts, log: opts.Logger, hosts: map[string]*hostState{}}
	c.robots.entries = map[string]*robotsEntry{}
	c.http = &http.Client{
		Transport: tr,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opts.MaxRedirects {
				return fmt.Errorf("%w (%d)", ErrTooManyRedirects, opts.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s: only http and https are followed", req.URL.Redacted())
			}
			return nil
		},
	}
	return c
}

// checkAddress refuses the addresses untrusted URLs must not reach.
func checkAddress(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: %w", hostport, ErrBlockedAddress)
	}
	if blocked(ip) {
		return fmt.Errorf("dial %s: %w", hostport, ErrBlockedAddress)
	}
	return nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip) ||
		ip == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// Get fetches req.URL as raw bytes (decompressed, not re-encoded).
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	return c.do(ctx, req, false)
}

// GetText fetches req.URL and converts the body to UTF-8 (see ToUTF8).
func (c *Client) GetText(ctx context.Context, req Request) (*Response, error) {
	return c.do(ctx, req, true)
}

func (c *Client) do(ctx context.Context, r Request, text bool) (*Response, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", r.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: only http and https URLs are fetched", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("fetch %s: no host", r.URL)
	}
	release, err := c.acquire(ctx, u.Host)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	defer release()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	} else {
		req.Header.Set("Accept", "*/*")
	}
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	defer resp.Body.Close()
	out := &Response{
		URL:          resp.Request.URL.String(),
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		RetryAfter:   ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		MaxAge:       parseMaxAge(resp.Header, time.Now()),
		Header:       resp.Header,
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		return nil, &StatusError{URL: r.URL, Code: resp.StatusCode, RetryAfter: out.RetryAfter}
	}
	body, err := c.readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	out.Body = body
	if text {
		if out.Body, out.Charset, err = ToUTF8(body, out.ContentType); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
		}
	}
	return out, nil
}

// readBody decompresses and reads the body, failing past MaxBody: the
// limit applies to the decoded bytes, so a small gzip bomb fails too.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))) {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// "deflate" is zlib-wrapped by the spec and raw in practice; sniff.
		br := &peekReader{r: resp.Body}
		if zr, err := newZlibOrFlate(br); err == nil {
			r = zr
		} else {
			return nil, err
		}
	case "br":
		r = brotli.NewReader(resp.Body)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if resp.ContentLength > c.opts.MaxBody {
		return nil, fmt.Errorf("%w: Content-Length %d > %d", ErrTooLarge, resp.ContentLength, c.opts.MaxBody)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, c.opts.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if n > c.opts.MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.opts.MaxBody)
	}
	return buf.Bytes(), nil
}

// acquire waits for a slot on host and for the politeness delay.
func (c *Client) acquire(ctx context.Context, host string) (release func(), err error) {
	c.mu.Lock()
	h := c.hosts[host]
	if h == nil {
		h = &hostState{sem: make(chan struct{}, c.opts.PerHost)}
		c.hosts[host] = h
	}
	c.mu.Unlock()
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.opts.HostDelay > 0 {
		h.mu.Lock()
		now := time.Now()
		start := h.next
		if start.Before(now) {
			start = now
		}
		h.next = start.Add(c.opts.HostDelay)
		h.mu.Unlock()
		if wait := time.Until(start); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				<-h.sem
				return nil, ctx.Err()
			}
		}
	}
	return func() { <-h.sem }, nil
}

// ParseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// parseMaxAge reads how long the response may be considered fresh.
func parseMaxAge(h http.Header, now time.Time) time.Duration {
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		d = strings.TrimSpace(strings.ToLower(d))
		if v, ok := strings.CutPrefix(d, "s-maxage="); ok {
			d = "max-age=" + v
		}
		if v, ok := strings.CutPrefix(d, "max-age="); ok {
			if s, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && s > 0 {
				return time.Duration(s) * time.Second
			}
		}
	}
	if e := h.Get("Expires"); e != "" {
		if t, err := http.ParseTime(e); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	return 0
}

// peekReader lets newZlibOrFlate look at the first bytes.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

func newZlibOrFlate(p *peekReader) (io.Reader, error) {
	head := make([]byte, 2)
	n, err := io.ReadFull(p.r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	p.buf = head[:n]
	// A zlib header: CM=8 in the low nibble and a multiple of 31.
	if n == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		p.buf = nil
		return flate.NewReader(p.r), nil // skip the 2-byte zlib header; the trailer is ignored
	}
	return flate.NewReader(p), nil
}
