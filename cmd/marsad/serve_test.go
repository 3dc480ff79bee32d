package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/sqlite"
)

// TestServeRoles runs serve processes of each role on one store: a web
// process serves pages and saves what the API is given but never polls
// the feed; a worker polls it, does the stages' work the web process left
// owed, and answers /healthz but no page.
func TestServeRoles(t *testing.T) {
	var polls atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x</link><description>d</description>
<item><title>أمطار على جازان</title><link>https://news.example/rain</link><guid>rain</guid><pubDate>Wed, 11 Sep 2024 09:00:00 GMT</pubDate>
<description>شهدت منطقة جازان أمطاراً غزيرة أدت إلى جريان الأودية وإغلاق عدد من الطرق.</description></item></channel></rss>`)
	}))
	defer feed.Close()
	dbPath := filepath.Join(t.TempDir(), "marsad.db")
	db, err := sqlite.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateFeed(t.Context(), &marsad.Feed{URL: feed.URL + "/rss", Source: "local", SourceName: "محلي"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The web role: pages and the API's ingest, no polling.
	addr := freeAddr(t)
	stop := startServe(t, dbPath, "--role", "web", "--addr", addr, "--api-token", "secret", "--allow-private-networks")
	if code := get(t, addr, "/"); code != http.StatusOK {
		t.Errorf("web role: GET / = %d, want 200", code)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/articles", strings.NewReader(
		`{"url":"https://news.example/posted","title":"افتتاح مستشفى","body":"أعلنت وزارة الصحة افتتاح مستشفى جديد في الرياض.","source":"posted"}`))
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"imported":1`) {
		t.Errorf("web role: POST an article: %d %s", resp.StatusCode, body)
	}
	time.Sleep(1500 * time.Millisecond) // a poller would have claimed the due feed by now
	stop()
	if n := polls.Load(); n != 0 {
		t.Errorf("web role polled the feed %d times, want none", n)
	}
	posted := articleByURL(t, dbPath, "https://news.example/posted")
	if posted.StoryID != 0 {
		t.Errorf("web role ran the story stage (story %d): its stages are the workers'", posted.StoryID)
	}

	// The worker role: polling and the stages' owed work, no pages.
	addr = freeAddr(t)
	stop = startServe(t, dbPath, "--role", "worker", "--addr", addr, "--allow-private-networks")
	deadline := time.Now().Add(20 * time.Second)
	for polls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, path := range []string{"/", "/api/v1/stories", "/search?q=x"} {
		if code := get(t, addr, path); code != http.StatusNotFound {
			t.Errorf("worker role: GET %s = %d, want 404", path, code)
		}
	}
	var placed bool
	for !placed && time.Now().Before(deadline) {
		placed = articleByURL(t, dbPath, "https://news.example/posted").StoryID != 0
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	if polls.Load() == 0 {
		t.Error("worker role never polled the due feed")
	}
	if !placed {
		t.Error("worker role did not place the article the web role saved")
	}
	if _, err := run(t, dbPath, "serve", "--role", "cook"); err == nil || !strings.Contains(err.Error(), "want all, web or worker") {
		t.Errorf("serve --role cook: %v", err)
	}
}

// startServe runs `marsad serve args…` on the store at dbPath until the
// returned stop is called, once its /healthz answers.
func startServe(t *testing.T, dbPath string, args ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &cli{stdout: devNull(t), stderr: devNull(t), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	root := a.rootCmd()
	root.SetArgs(append([]string{"--db", dbPath, "serve"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	addr := args[slices.Index(args, "--addr")+1]
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve %v stopped: %v", args, err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve %v: /healthz never answered", args)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}

func devNull(t *testing.T) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, addr, path string) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func articleByURL(t *testing.T, dbPath, url string) *marsad.Article {
	t.Helper()
	db, err := sqlite.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.FindArticleByURL(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
