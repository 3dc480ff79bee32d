// Package ops is what operators read of a running marsad: Prometheus
// metrics (/metrics), liveness (/healthz) and readiness (/readyz), and a
// request id with a structured access log on every request. Metrics live
// in a registry per Ops value, never in package state, so two servers in
// one process (tests) count apart.
package ops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
)

// Store is what ops reads of the store: a cheap ping (the data version),
// the recorded analyzer version for readiness, and the counts for the
// store-size gauges.
type Store interface {
	marsad.VersionService
	Meta(ctx context.Context, key string) (string, error)
	Stats(ctx context.Context) (*marsad.Stats, error)
}

// Ops holds one server's metrics and its health checks.
type Ops struct {
	Registry *prometheus.Registry
	store    Store
	log      *slog.Logger
	// ready, when set, names what the store must hold for /readyz: the
	// analyzer version its index was built with.
	metaKey, metaWant string
	draining          atomic.Bool

	ingested  *prometheus.CounterVec
	stage     *prometheus.HistogramVec
	polls     *prometheus.CounterVec
	httpTime  *prometheus.HistogramVec
	scrapeErr prometheus.Counter
}

// New returns the metrics and checks over store. Readiness requires the
// store's meta value under metaKey to be metaWant (the analyzer version:
// a store indexed by another one answers searches wrongly until
// `marsad reindex`).
func New(store Store, log *slog.Logger, metaKey, metaWant string) *Ops {
	if log == nil {
		log = slog.Default()
	}
	o := &Ops{Registry: prometheus.NewRegistry(), store: store, log: log, metaKey: metaKey, metaWant: metaWant}
	o.ingested = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "marsad_articles_ingested_total",
		Help: "Articles received by door (api, feed, import) and outcome (imported, unchanged, invalid)."}, []string{"door", "outcome"})
	o.stage = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "marsad_stage_seconds",
		Help: "Time of one batch in a pipeline stage (save, dedup, story …).", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"stage"})
	o.polls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "marsad_feed_polls_total",
		Help: "Feed polls by outcome (ok, not_modified, failed, unreachable, stopped)."}, []string{"outcome"})
	o.httpTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "marsad_http_request_duration_seconds",
		Help: "HTTP answers by route pattern and status.", Buckets: prometheus.ExponentialBuckets(0.0005, 3, 10)}, []string{"route", "code"})
	o.scrapeErr = prometheus.NewCounter(prometheus.CounterOpts{Name: "marsad_store_stats_errors_total",
		Help: "Scrapes whose store counts could not be read."})
	o.Registry.MustRegister(o.ingested, o.stage, o.polls, o.httpTime, o.scrapeErr,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{o: o})
	return o
}

// storeCollector reads the store's counts at each scrape (a scrape every
// 15 s or more costs one Stats call).
type storeCollector struct{ o *Ops }

var storeDesc = prometheus.NewDesc("marsad_store_items", "What the store holds, by kind (articles, stories, sources, feeds, copies, pending work).", []string{"kind"}, nil)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- storeDesc }

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.o.store.Stats(ctx)
	if err != nil {
		c.o.scrapeErr.Inc()
		c.o.log.Error("metrics: store stats", "err", err)
		return
	}
	for kind, n := range map[string]int{"articles": st.Articles, "stories": st.Stories, "sources": st.Sources,
		"feeds": st.Feeds, "copies": st.Copies, "pending": st.PendingTotal()} {
		ch <- prometheus.MustNewConstMetric(storeDesc, prometheus.GaugeValue, float64(n), kind)
	}
}

// Ingester is a door into the pipeline.
type Ingester interface {
	Ingest(ctx context.Context, raws []*marsad.RawArticle) (pipeline.Result, error)
}

// Door wraps ing so that what passes through it is counted under door,
// with the time each stage took.
func (o *Ops) Door(door string, ing Ingester) Ingester {
	return &countingDoor{o: o, door: door, next: ing}
}

type countingDoor struct {
	o    *Ops
	door string
	next Ingester
}

func (d *countingDoor) Ingest(ctx context.Context, raws []*marsad.RawArticle) (pipeline.Result, error) {
	res, err := d.next.Ingest(ctx, raws)
	d.o.Ingested(d.door, res)
	return res, err
}

// Ingested counts a pipeline result under door.
func (o *Ops) Ingested(door string, res pipeline.Result) {
	o.ingested.WithLabelValues(door, "imported").Add(float64(res.Imported))
	o.ingested.WithLabelValues(door, "unchanged").Add(float64(res.Unchanged))
	o.ingested.WithLabelValues(door, "invalid").Add(float64(res.Invalid))
	for stage, d := range res.Timings {
		o.stage.WithLabelValues(stage).Observe(d.Seconds())
	}
}

// Polled counts one feed poll's outcome (the poller's OnPoll).
func (o *Ops) Polled(outcome string) { o.polls.WithLabelValues(outcome).Inc() }

// Drain makes /readyz answer 503 from now on: the server is shutting
// down and a balancer should send no more requests.
func (o *Ops) Drain() { o.draining.Store(true) }

// requestIDKey carries the request id in a request's context.
type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Handler serves /metrics, /healthz and /readyz and passes every other
// request to next, with a request id (the client's X-Request-Id when it
// is short and plain, else a new one) in its context and its answer, and
// its latency recorded by route pattern.
func (o *Ops) Handler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(o.log.Handler(), slog.LevelError)}))
	mux.HandleFunc("GET /healthz", o.healthz)
	mux.HandleFunc("GET /readyz", o.readyz)
	mux.Handle("/", next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(sw, r)
		d := time.Since(start)
		// The innermost mux that routed the request set its pattern.
		route := r.Pattern
		if route == "" || route == "/" {
			route = "other"
		}
		o.httpTime.WithLabelValues(route, strconv.Itoa(sw.status)).Observe(d.Seconds())
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelError
		}
		o.log.Log(r.Context(), level, "http", "request_id", id, "method", r.Method, "path", r.URL.Path,
			"route", route, "status", sw.status, "ms", float64(d.Microseconds())/1000)
	})
}

// plainID accepts a client's request id of up to 64 letters, digits, '-'
// and '_': anything else is not echoed into logs and headers.
func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// healthz answers whether the process serves and reaches its store: one
// cheap query (the data version), never a count.
func (o *Ops) healthz(w http.ResponseWriter, r *http.Request) { o.check(w, r, false) }

// readyz answers whether requests should be sent here: the store answers,
// its index was built by this analyzer version, and the server is not
// shutting down.
func (o *Ops) readyz(w http.ResponseWriter, r *http.Request) { o.check(w, r, true) }

func (o *Ops) check(w http.ResponseWriter, r *http.Request, ready bool) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if ready && o.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := o.store.DataVersion(ctx); err != nil {
		o.log.Error("health: store", "path", r.URL.Path, "request_id", RequestID(r.Context()), "err", err)
		http.Error(w, "store unreachable", http.StatusServiceUnavailable)
		return
	}
	if !ready {
		w.Write([]byte("ok\n"))
		return
	}
	if o.metaKey != "" {
		v, err := o.store.Meta(ctx, o.metaKey)
		if err != nil || v != o.metaWant {
			http.Error(w, "store index built by analyzer version "+v+", want "+o.metaWant+": run marsad reindex", http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}
