// Command marsad-load measures `marsad serve` under concurrent readers: it
// keeps N connections busy with GET requests for a fixed time or count and
// prints requests/s, latency percentiles and bytes per response. It only
// talks to a server on this machine (loopback), and every run is bounded in
// time and in requests, so it cannot be pointed at someone else's site.
//
//	marsad-load -url http://127.0.0.1:8080 -target article -ids 1:14130 -c 64 -d 10s
//	marsad-load -target search -q السعودية
//	marsad-load -target article -costly 8    # 8 more connections send costly searches
//	marsad-load -paths stories.txt            # paths, one a line, drawn uniformly
//
// Targets: article and story (/articles/{id}, /stories/{id}, ids drawn
// uniformly from -ids, or the first -set of them to model a working set),
// home (/), search (/search?q=Q). The last line is
// `load TARGET: rps=… p50_ms=… p90_ms=… p99_ms=… max_ms=… errors=… kb=…`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of one run.
const (
	maxDuration = 2 * time.Minute
	maxRequests = 5_000_000
	maxConns    = 512
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "marsad-load:", err)
		os.Exit(1)
	}
}

func run() error {
	base := flag.String("url", "http://127.0.0.1:8080", "the server (loopback only)")
	target := flag.String("target", "article", "article, story, home, search, api-article or api-search")
	ids := flag.String("ids", "1:14000", "id range FIRST:LAST for article and story")
	set := flag.Int("set", 0, "draw ids from the first N of the range only (a working set; 0: all)")
	q := flag.String("q", "السعودية", "query of the search target")
	pathFile := flag.String("paths", "", "file of paths (one a line, e.g. /stories/12) drawn uniformly instead of -target")
	conns := flag.Int("c", 64, "concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "duration of the run")
	limit := flag.Int("n", 0, "stop after this many requests (0: no count bound but the duration)")
	costly := flag.Int("costly", 0, "extra connections sending costly searches, each query new (not cached)")
	warm := flag.Duration("warm", 2*time.Second, "warm-up before measuring (requests sent, not counted)")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q: want http://HOST:PORT", *base)
	}
	if err := loopback(u.Hostname()); err != nil {
		return err
	}
	if *dur <= 0 || *dur > maxDuration {
		return fmt.Errorf("-d %s: between 0 and %s", *dur, maxDuration)
	}
	if *conns < 1 || *conns+*costly > maxConns {
		return fmt.Errorf("-c %d -costly %d: at most %d connections", *conns, *costly, maxConns)
	}
	if *limit <= 0 || *limit > maxRequests {
		*limit = maxRequests
	}
	first, last, err := idRange(*ids)
	if err != nil {
		return err
	}
	if *set > 0 && first+int64(*set)-1 < last {
		last = first + int64(*set) - 1
	}
	next, err := paths(*target, first, last, *q)
	if err != nil {
		return err
	}
	if *pathFile != "" {
		if next, err = pathsFrom(*pathFile, *set); err != nil {
			return err
		}
	}

	tr := &http.Transport{MaxIdleConnsPerHost: maxConns, MaxConnsPerHost: maxConns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *warm+*dur)
	defer cancel()
	start := time.Now().Add(*warm)

	var costlyDone atomic.Int64
	var wg sync.WaitGroup
	for i := range *costly {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				// Eight OR branches of the commonest words, each query new.
				qs := fmt.Sprintf("السعودية OR مصر OR سوريا OR العراق OR اليمن OR لبنان OR الرياض OR %d", i*1_000_000+n)
				if get(ctx, client, *base+"/search?q="+url.QueryEscape(qs)) == nil {
					costlyDone.Add(1)
				}
			}
		}()
	}

	results := make([][]time.Duration, *conns)
	var sent, errs, bytes atomic.Int64
	for c := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			for ctx.Err() == nil && sent.Load() < int64(*limit) {
				t0 := time.Now()
				n, err := fetch(ctx, client, *base+next(rng))
				if ctx.Err() != nil {
					return
				}
				if t0.Before(start) {
					continue
				}
				sent.Add(1)
				if err != nil {
					errs.Add(1)
					continue
				}
				bytes.Add(n)
				results[c] = append(results[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	label := *target
	if *pathFile != "" {
		label = "paths"
	}
	all := slices.Concat(results...)
	slices.Sort(all)
	if len(all) == 0 {
		return errors.New("no request succeeded")
	}
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	fmt.Printf("%d requests in %.1f s over %d connections; %d errors; %d costly searches done alongside\n",
		sent.Load(), elapsed.Seconds(), *conns, errs.Load(), costlyDone.Load())
	fmt.Printf("load %s: rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d kb=%.1f\n",
		label, float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.90), pct(0.99),
		float64(all[len(all)-1].Microseconds())/1000, errs.Load(), float64(bytes.Load())/float64(len(all))/1024)
	return nil
}

// loopback refuses any host that is not this machine.
func loopback(host string) error {
	addrs, err := net.LookupIP(host)
	if err != nil {
		return fmt.Errorf("-url host %s: %w", host, err)
	}
	for _, a := range addrs {
		if !a.IsLoopback() {
			return fmt.Errorf("-url host %s is not a loopback address: marsad-load only loads a server on this machine", host)
		}
	}
	return nil
}

func idRange(s string) (int64, int64, error) {
	a, b, ok := strings.Cut(s, ":")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 1 || last < first {
		return 0, 0, fmt.Errorf("-ids %q: want FIRST:LAST", s)
	}
	return first, last, nil
}

// paths returns the path generator of a target.
func paths(target string, first, last int64, q string) (func(*rand.Rand) string, error) {
	pick := func(r *rand.Rand) int64 { return first + r.Int64N(last-first+1) }
	switch target {
	case "article":
		return func(r *rand.Rand) string { return "/articles/" + strconv.FormatInt(pick(r), 10) }, nil
	case "story":
		return func(r *rand.Rand) string { return "/stories/" + strconv.FormatInt(pick(r), 10) }, nil
	case "home":
		return func(*rand.Rand) string { return "/" }, nil
	case "search":
		p := "/search?q=" + url.QueryEscape(q)
		return func(*rand.Rand) string { return p }, nil
	case "api-article":
		return func(r *rand.Rand) string { return "/api/v1/articles/" + strconv.FormatInt(pick(r), 10) }, nil
	case "api-search":
		p := "/api/v1/search?q=" + url.QueryEscape(q)
		return func(*rand.Rand) string { return p }, nil
	}
	return nil, fmt.Errorf("-target %q: want article, story, home, search, api-article or api-search", target)
}

// pathsFrom reads a file of paths (the first n when n > 0).
func pathsFrom(name string, n int) (func(*rand.Rand) string, error) {
	buf, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var list []string
	for i, line := range strings.Split(string(buf), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if !strings.HasPrefix(line, "/") {
			return nil, fmt.Errorf("%s:%d: %q is not a path", name, i+1, line)
		}
		list = append(list, line)
	}
	if n > 0 && n < len(list) {
		list = list[:n]
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: no path", name)
	}
	return func(r *rand.Rand) string { return list[r.IntN(len(list))] }, nil
}

// fetch GETs u as a browser would (compressed) and returns the bytes
// transferred; a status other than 200 is an error.
func fetch(ctx context.Context, c *http.Client, u string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept-Encoding", "br, gzip")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	return n, nil
}

func get(ctx context.Context, c *http.Client, u string) error {
	_, err := fetch(ctx, c, u)
	return err
}
