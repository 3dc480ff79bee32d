// Package pgurl edits PostgreSQL connection strings. It imports nothing of
// marsad, so that the store, its test helpers and the benchmarks that make
// schemas of their own can all use it.
package pgurl

import (
	"net/url"
	"strings"
)

// WithSearchPath returns raw (a postgres:// URL or a key=value connection
// string) with its connections' search_path set to schema.
func WithSearchPath(raw, schema string) string {
	if u, err := url.Parse(raw); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(raw) + " search_path=" + schema
}
