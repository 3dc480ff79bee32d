package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// robotsTTL is how long a host's robots.txt is trusted before re-reading;
// robotsRetry how long an answer that could not be read (the network
// failed, the server erred) stands before it is asked again; robotsWait
// bounds one read, whoever asked first.
const (
	robotsTTL   = 12 * time.Hour
	robotsRetry = 5 * time.Minute
	robotsWait  = 30 * time.Second
)

// robots caches parsed robots.txt files per scheme://host.
type robots struct {
	rmu     sync.Mutex
	entries map[string]*robotsEntry
}

// robotsEntry is one host's rules, read once by whoever asks first; the
// others wait for done. expires is set, under robots.rmu, when the read
// ends.
type robotsEntry struct {
	done    chan struct{}
	rules   []robotsRule // the group that applies to marsad
	delay   time.Duration
	expires time.Time
}

type robotsRule struct {
	allow  bool
	prefix string // may hold * wildcards and a trailing $
}

// Allowed reports whether robots.txt of the URL's host lets marsad fetch
// it. A missing robots.txt (404) allows everything, as the convention
// says; 401/403 on robots.txt is read as "disallow all". A robots.txt that
// could not be read (network failure, 5xx) allows, but only for
// robotsRetry. The read does not belong to the first caller: it runs on
// its own deadline, so a caller cancelled meanwhile gets its ctx's error
// and never leaves a wrong answer in the cache for the others.
func (c *Client) Allowed(ctx context.Context, rawURL string) (bool, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false, fmt.Errorf("robots %q: %w", rawURL, err)
	}
	key := u.Scheme + "://" + u.Host
	c.rmu.Lock()
	e := c.entries[key]
	if e == nil || (!e.expires.IsZero() && time.Now().After(e.expires)) {
		e = &robotsEntry{done: make(chan struct{})}
		c.entries[key] = e
		// Detached from ctx (its values kept): the answer is shared.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), robotsWait)
		go func() {
			defer cancel()
			rules, delay, ttl := c.loadRobots(rctx, key+"/robots.txt")
			c.rmu.Lock()
			e.rules, e.delay, e.expires = rules, delay, time.Now().Add(ttl)
			c.rmu.Unlock()
			close(e.done)
		}()
	}
	c.rmu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
		return false, fmt.Errorf("robots %s: %w", key, ctx.Err())
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return robotsAllow(e.rules, path), nil
}

// loadRobots reads and parses a robots.txt and says how long the answer
// stands.
func (c *Client) loadRobots(ctx context.Context, robotsURL string) ([]robotsRule, time.Duration, time.Duration) {
	resp, err := c.Get(ctx, Request{URL: robotsURL, Accept: "text/plain"})
	if err != nil {
		var se *StatusError
		switch {
		case errors.As(err, &se) && (se.Code == 401 || se.Code == 403):
			return []robotsRule{{allow: false, prefix: "/"}}, 0, robotsTTL
		case errors.As(err, &se) && se.Code >= 400 && se.Code < 500:
			return nil, 0, robotsTTL // no robots.txt: everything allowed
		}
		return nil, 0, robotsRetry
	}
	rules, delay := parseRobots(resp.Body, "marsad")
	return rules, delay, robotsTTL
}

// parseRobots returns the rules of the group for agent (or "*" when no
// group names it) and its Crawl-delay.
func parseRobots(body []byte, agent string) ([]robotsRule, time.Duration) {
	type group struct {
		agents []string
		rules  []robotsRule
		delay  time.Duration
	}
	var groups []*group
	var cur *group
	lastWasAgent := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "user-agent":
			if !lastWasAgent || cur == nil {
				cur = &group{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, strings.ToLower(v))
			lastWasAgent = true
			continue
		case "allow", "disallow":
			if cur != nil && (v != "" || k == "allow") {
				cur.rules = append(cur.rules, robotsRule{allow: k == "allow", prefix: v})
			}
		case "crawl-delay":
			if cur != nil {
				if d, err := time.ParseDuration(v + "s"); err == nil {
					cur.delay = d
				}
			}
		}
		lastWasAgent = false
	}
	var star *group
	for _, g := range groups {
		for _, a := range g.agents {
			if a != "*" && strings.Contains(agent, a) || a != "*" && strings.Contains(a, agent) {
				return g.rules, g.delay
			}
			if a == "*" {
				star = g
			}
		}
	}
	if star != nil {
		return star.rules, star.delay
	}
	return nil, 0
}

// robotsAllow applies the longest matching rule; Allow wins ties.
func robotsAllow(rules []robotsRule, path string) bool {
	best, allow := -1, true
	for _, r := range rules {
		if r.prefix == "" {
			continue
		}
		if robotsMatch(r.prefix, path) {
			if l := len(r.prefix); l > best || l == best && r.allow {
				best, allow = l, r.allow
			}
		}
	}
	return allow
}

// robotsMatch matches a robots.txt path pattern (with * and $) at the
// start of path.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	pattern = strings.TrimSuffix(pattern, "$")
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for _, p := range parts[1:] {
		i := strings.Index(path[pos:], p)
		if i < 0 {
			return false
		}
		pos += i + len(p)
	}
	if anchored {
		if len(parts) > 1 && parts[len(parts)-1] == "" {
			return true
		}
		return pos == len(path) || strings.HasSuffix(path, parts[len(parts)-1]) && len(parts) > 1
	}
	return true
}
