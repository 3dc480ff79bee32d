package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/internal/web"
)

// BenchmarkPages renders pages in process, from the cache (hit) and with a
// cache too small to keep anything (miss: the store's queries, the
// template, the compression), on the first 1,000 lines of each archive.
func BenchmarkPages(b *testing.B) {
	files := []string{testdata.Path(b, "saudinewsnet/articles.jsonl"), testdata.Path(b, "ant_multisource/articles.jsonl")}
	db, err := ingest.Sample(context.Background(), filepath.Join(b.TempDir(), "bench.db"), 1000, files...)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, cache := range []struct {
		name  string
		bytes int
	}{{"hit", 0}, {"miss", 1}} {
		srv, err := web.New(app.NewPages(db, analyzer.New(), 2), db, slog.New(slog.NewTextHandler(io.Discard, nil)),
			web.Options{CacheBytes: cache.bytes})
		if err != nil {
			b.Fatal(err)
		}
		for _, path := range []string{"/articles/1500", "/stories/100", "/", "/search?q=" + url.QueryEscape("السعودية")} {
			b.Run(fmt.Sprintf("%s%s", cache.name, path), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					p := path
					if cache.name == "miss" {
						p += fmt.Sprintf("?x=%d", i) // a new key each time
						if path[len(path)-1] != '/' && len(path) > 8 && path[:8] == "/search?" {
							p = path + fmt.Sprintf("&x=%d", i)
						}
					}
					req := httptest.NewRequest("GET", p, nil)
					req.Header.Set("Accept-Encoding", "br, gzip")
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("%s: %d", p, w.Code)
					}
				}
			})
		}
	}
}
