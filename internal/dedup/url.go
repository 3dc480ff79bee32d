// Package dedup finds copies: the same article under another URL, the same
// analyzed body, and near-duplicates (wire copies with small edits) by MinHash
// signatures with banded LSH, every candidate verified by exact Jaccard.
//
// Everything here works on analyzed term slices (the pipeline analyzes once);
// persistence goes through the Index interface, which the store implements.
package dedup

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that only tell where a click came
// from; two URLs differing only in them are the same page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "igshid": true, "twclid": true, "ttclid": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true,
	"_ga": true, "_gl": true, "ocid": true, "cmpid": true, "ito": true, "xtor": true,
	"at_medium": true, "at_campaign": true, "s_cid": true, "sr_share": true,
	"ns_source": true, "ns_mchannel": true, "ns_campaign": true, "ns_linkname": true, "ns_fee": true,
	"spm": true,
}

// trackingPrefixes are parameter-name prefixes that are always tracking.
var trackingPrefixes = []string{"utm_", "pk_", "mtm_", "hsa_"}

// IsTrackingParam reports whether a query parameter name only tracks clicks.
func IsTrackingParam(name string) bool {
	n := strings.ToLower(name)
	if trackingParams[n] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// CanonicalURL returns the form of raw under which an article is stored, so
// that the same page reached through different links is stored once:
// scheme and host lower-cased, default port and trailing dot of the host
// dropped, fragment dropped, tracking parameters (utm_*, fbclid, gclid, …)
// removed, remaining parameters sorted, path percent-encoded in one way
// (raw Arabic and %d8%a7 give the same result) and a trailing slash removed
// except for the root path. It returns an error for a URL that is not
// absolute http(s).
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("canonical url %q: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("canonical url %q: not an http(s) URL", raw)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("canonical url %q: no host", raw)
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment, u.RawFragment = "", ""

	// Keep an encoded slash (%2F) as it is: decoding it would change the path.
	if !strings.Contains(strings.ToLower(u.RawPath), "%2f") {
		u.RawPath = ""
	}
	if len(u.Path) > 1 {
		u.Path = strings.TrimRight(u.Path, "/")
		if u.Path == "" {
			u.Path = "/"
		}
		u.RawPath = strings.TrimRight(u.RawPath, "/")
	}
	if u.Path == "" {
		u.Path = "/"
	}

	u.RawQuery = canonicalQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String(), nil
}

// canonicalQuery drops tracking parameters and sorts the rest by key, then
// value, re-encoding them one way.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var kept []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		if IsTrackingParam(dk) {
			continue
		}
		kept = append(kept, kv{dk, dv})
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if kept[i].k != kept[j].k {
			return kept[i].k < kept[j].k
		}
		return kept[i].v < kept[j].v
	})
	var b strings.Builder
	for i, p := range kept {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.v))
	}
	return b.String()
}

// ResolveCanonical returns the canonical URL of a page given the href of its
// <link rel="canonical"> (or og:url), which is preferred when it points to
// the same site — AMP and mobile variants (amp., m., /amp) name their main
// page this way. A canonical link to another site is ignored: it could move
// an article under a different outlet's key.
func ResolveCanonical(pageURL, canonicalHref string) (string, error) {
	page, err := CanonicalURL(pageURL)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(canonicalHref) == "" {
		return page, nil
	}
	base, _ := url.Parse(page)
	ref, err := url.Parse(strings.TrimSpace(canonicalHref))
	if err != nil {
		return page, nil
	}
	c, err := CanonicalURL(base.ResolveReference(ref).String())
	if err != nil {
		return page, nil
	}
	cu, _ := url.Parse(c)
	if siteKey(cu.Hostname()) != siteKey(base.Hostname()) {
		return page, nil
	}
	return c, nil
}

// siteKey strips the host prefixes that mark variants of one site.
func siteKey(host string) string {
	for _, p := range []string{"www.", "amp.", "m.", "mobile."} {
		host = strings.TrimPrefix(host, p)
	}
	return host
}
