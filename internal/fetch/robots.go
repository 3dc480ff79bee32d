package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
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
	group   *robotstxt.Group // the group that applies to marsad; nil: everything allowed
	delay   time.Duration
	expires time.Time
}

// robotsAgent is the name marsad's group is looked up by.
const robotsAgent = "marsad"

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
			group, delay, ttl := c.loadRobots(rctx, key+"/robots.txt")
			c.rmu.Lock()
			e.group, e.delay, e.expires = group, delay, time.Now().Add(ttl)
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
	return robotsAllow(e.group, path), nil
}

// loadRobots reads and parses a robots.txt and says how long the answer
// stands.
func (c *Client) loadRobots(ctx context.Context, robotsURL string) (*robotstxt.Group, time.Duration, time.Duration) {
	resp, err := c.Get(ctx, Request{URL: robotsURL, Accept: "text/plain"})
	if err != nil {
		var se *StatusError
		switch {
		case errors.As(err, &se) && (se.Code == 401 || se.Code == 403):
			return parseRobots([]byte("User-agent: *\nDisallow: /\n"), robotsAgent), 0, robotsTTL
		case errors.As(err, &se) && se.Code >= 400 && se.Code < 500:
			return nil, 0, robotsTTL // no robots.txt: everything allowed
		}
		return nil, 0, robotsRetry
	}
	g := parseRobots(resp.Body, robotsAgent)
	var delay time.Duration
	if g != nil {
		delay = g.CrawlDelay
	}
	return g, delay, robotsTTL
}

// parseRobots returns the group of body for agent (or "*" when no group
// names it), read by github.com/temoto/robotstxt; nil, everything allowed,
// when the file cannot be read as robots.txt at all.
func parseRobots(body []byte, agent string) *robotstxt.Group {
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		return nil
	}
	return data.FindGroup(agent)
}

// robotsAllow applies g to path (with its query); a nil group allows.
func robotsAllow(g *robotstxt.Group, path string) bool {
	return g == nil || g.Test(path)
}
