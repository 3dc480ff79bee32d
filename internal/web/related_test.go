package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/web"
	"github.com/marsad/marsad/store/sqlite"
)

// pendingRelated is a related source whose lists are computed in the
// background: none (and not Ready) until ready is set.
type pendingRelated struct{ ready atomic.Bool }

func (f *pendingRelated) list() []*marsad.Article {
	if !f.ready.Load() {
		return nil
	}
	return []*marsad.Article{{ID: 999, Title: "عنوان مشابه لا يتكرر", Source: "z", SourceName: "زد",
		Published: time.Date(2024, 9, 10, 8, 0, 0, 0, time.UTC)}}
}
func (f *pendingRelated) ReadAlso(context.Context, int64) ([]*marsad.Article, error) { return nil, nil }
func (f *pendingRelated) Similar(context.Context, int64) ([]*marsad.Article, error) {
	return f.list(), nil
}
func (f *pendingRelated) Ready(int64) bool { return f.ready.Load() }

// An article page rendered while its related lists are still being
// computed is kept only briefly: a view a few seconds later shows them,
// where the archive's other pages are kept ten minutes.
func TestPageWithPendingListsIsKeptBriefly(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	an := analyzer.New()
	res, err := ingest.New(db, an).Ingest(ctx, []*marsad.RawArticle{{URL: "https://cnn.example/a", Source: "cnn",
		Published: time.Date(2024, 9, 11, 9, 0, 0, 0, time.UTC), Title: "بلينكن يبحث مع أمير قطر", Body: "محادثات هاتفية."}})
	if err != nil || res.Imported != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	pages := app.NewPages(db, an, 2)
	rel := &pendingRelated{}
	pages.Related = rel
	srv, err := web.New(pages, db, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{VersionEvery: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	page := ts.URL + "/articles/" + itoa(res.Inserted[0].Article.ID)
	if _, body := get(t, page); strings.Contains(body, "عنوان مشابه لا يتكرر") {
		t.Fatal("lists shown before they were computed")
	}
	rel.ready.Store(true)
	advance(15 * time.Second)
	if _, body := get(t, page); !strings.Contains(body, "عنوان مشابه لا يتكرر") {
		t.Fatal("15 s after the lists were computed, the page still shows the copy rendered without them")
	}
	// Whole, the page is kept as long as any page of the archive.
	rel.ready.Store(false)
	advance(time.Minute)
	if _, body := get(t, page); !strings.Contains(body, "عنوان مشابه لا يتكرر") {
		t.Fatal("a whole page was not kept")
	}
}
