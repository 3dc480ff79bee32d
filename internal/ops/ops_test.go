package ops_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/ops"
	"github.com/marsad/marsad/internal/pipeline"
)

type fakeStore struct {
	down    bool
	version string
}

func (s *fakeStore) DataVersion(context.Context) (int64, error) {
	if s.down {
		return 0, errors.New("disk gone")
	}
	return 1, nil
}

func (s *fakeStore) Meta(context.Context, string) (string, error) { return s.version, nil }

func (s *fakeStore) Stats(context.Context) (*marsad.Stats, error) {
	return &marsad.Stats{Articles: 14452, Stories: 9000, Pending: map[string]int{"dedup": 3}}, nil
}

type fakeDoor struct{ res pipeline.Result }

func (d fakeDoor) Ingest(context.Context, []*marsad.RawArticle) (pipeline.Result, error) {
	return d.res, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func metrics(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := get(h, "/metrics")
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

func TestMetricsCountDoorsPollsAndRoutes(t *testing.T) {
	o := ops.New(&fakeStore{version: "6"}, quiet(), "analyzer_version", "6")
	inner := http.NewServeMux()
	inner.HandleFunc("GET /api/v1/articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		if ops.RequestID(r.Context()) == "" {
			t.Error("no request id in the handler's context")
		}
		w.WriteHeader(404)
	})
	h := o.Handler(inner)
	get(h, "/api/v1/articles/7")
	get(h, "/api/v1/articles/8")
	door := o.Door("api", fakeDoor{pipeline.Result{Read: 5, Imported: 3, Unchanged: 1, Invalid: 1,
		Timings: map[string]time.Duration{"save": time.Millisecond, "dedup": 2 * time.Millisecond}}})
	door.Ingest(context.Background(), nil)
	o.Polled("ok")
	o.Polled("failed")
	o.Polled("failed")

	text := metrics(t, h)
	for _, want := range []string{
		`marsad_articles_ingested_total{door="api",outcome="imported"} 3`,
		`marsad_articles_ingested_total{door="api",outcome="invalid"} 1`,
		`marsad_articles_ingested_total{door="api",outcome="unchanged"} 1`,
		`marsad_stage_seconds_count{stage="dedup"} 1`,
		`marsad_feed_polls_total{outcome="failed"} 2`,
		`marsad_http_request_duration_seconds_count{code="404",route="GET /api/v1/articles/{id}"} 2`,
		`marsad_store_items{kind="articles"} 14452`,
		`marsad_store_items{kind="pending"} 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// A registry per server: another one counts nothing of this one's.
	other := ops.New(&fakeStore{}, quiet(), "", "")
	if strings.Contains(metrics(t, other.Handler(http.NotFoundHandler())), `door="api"`) {
		t.Error("a second server sees the first one's counts")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	for _, tc := range []struct {
		name            string
		store           *fakeStore
		drain           bool
		health, ready   int
		readyMentioning string
	}{
		{"serving", &fakeStore{version: "6"}, false, 200, 200, "ready"},
		{"store down", &fakeStore{down: true, version: "6"}, false, 503, 503, "store"},
		{"indexed by another analyzer", &fakeStore{version: "5"}, false, 200, 503, "reindex"},
		{"shutting down", &fakeStore{version: "6"}, true, 200, 503, "shutting down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ops.New(tc.store, quiet(), "analyzer_version", "6")
			if tc.drain {
				o.Drain()
			}
			h := o.Handler(http.NotFoundHandler())
			if rec := get(h, "/healthz"); rec.Code != tc.health {
				t.Errorf("/healthz: %d, want %d", rec.Code, tc.health)
			}
			rec := get(h, "/readyz")
			if rec.Code != tc.ready || !strings.Contains(rec.Body.String(), tc.readyMentioning) {
				t.Errorf("/readyz: %d %q, want %d mentioning %q", rec.Code, rec.Body, tc.ready, tc.readyMentioning)
			}
		})
	}
}

func TestRequestIDs(t *testing.T) {
	h := ops.New(&fakeStore{version: "6"}, quiet(), "", "").Handler(http.NotFoundHandler())
	if got := get(h, "/x", "X-Request-Id", "abc-123").Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("a plain client id is kept: got %q", got)
	}
	for _, bad := range []string{"", "a b", "<script>", strings.Repeat("a", 65)} {
		got := get(h, "/x", "X-Request-Id", bad).Header().Get("X-Request-Id")
		if got == bad || len(got) != 16 {
			t.Errorf("client id %q: answered %q, want a new one", bad, got)
		}
	}
}
