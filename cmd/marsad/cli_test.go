package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/sqlite"
)

// TestShowFindsAURLAsItWasImported: show canonicalizes a URL the way
// import does, so the URL exactly as the producer wrote it — Arabic
// letters unencoded, a tracking parameter — finds its article.
func TestShowFindsAURLAsItWasImported(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "marsad.db")
	dump := filepath.Join(dir, "dump.jsonl")
	raw := "https://news.example/أخبار/وزير-الخارجية?utm_source=twitter&id=7"
	line := `{"url":"` + raw + `","title":"وزير الخارجية","body":"قال وزير الخارجية إن المفاوضات مستمرة.","published":"2024-09-11T09:00:00Z"}`
	if err := os.WriteFile(dump, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, db, "import", dump); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	for _, form := range []string{raw, u.String(), "https://NEWS.example/أخبار/وزير-الخارجية/?id=7#top"} {
		out, err := run(t, db, "show", form, "--json")
		if err != nil {
			t.Errorf("show %s: %v", form, err)
			continue
		}
		var art struct{ Title string }
		if err := json.Unmarshal([]byte(out), &art); err != nil || art.Title != "وزير الخارجية" {
			t.Errorf("show %s: %v %q", form, err, out)
		}
	}
	// The other scheme's form of the page finds it too.
	if out, err := run(t, db, "show", strings.Replace(raw, "https://", "http://", 1), "--json"); err != nil || !strings.Contains(out, "وزير الخارجية") {
		t.Errorf("show of the http:// form: %v", err)
	}
	if _, err := run(t, db, "show", "https://news.example/other"); err == nil || !strings.Contains(err.Error(), "no article") {
		t.Errorf("show of a URL not stored: %v", err)
	}
}

// TestPollExplainsItself: on a fresh store poll says how to follow
// feeds; a loopback feed is refused naming --allow-private-networks and
// the command fails when every feed failed; the next --once says when
// the feed is due, and --force polls it anyway.
func TestPollExplainsItself(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "marsad.db")
	_, stderr, err := runBoth(t, dbPath, "poll", "--once")
	if err != nil || !strings.Contains(stderr, "no feed is followed") || !strings.Contains(stderr, "feeds add") {
		t.Errorf("poll on a fresh store: %v, stderr %q", err, stderr)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x</link><description>d</description></channel></rss>`))
	}))
	defer srv.Close()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateFeed(ctx, &marsad.Feed{URL: srv.URL + "/rss", Source: "local", SourceName: "محلي"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, stderr, err = runBoth(t, dbPath, "poll", "--once")
	if err == nil || !strings.Contains(err.Error(), "every feed polled failed") {
		t.Errorf("poll with only a refused feed: %v, want an error", err)
	}
	if !strings.Contains(stderr, srv.URL) || !strings.Contains(stderr, "--allow-private-networks") {
		t.Errorf("the refusal does not name --allow-private-networks: %q", stderr)
	}
	out, stderr, err := runBoth(t, dbPath, "poll", "--once")
	if err != nil || !strings.Contains(out, "feeds=0") || !strings.Contains(stderr, "not due until") || !strings.Contains(stderr, "--force") {
		t.Errorf("poll --once with nothing due: %v, %q, stderr %q", err, out, stderr)
	}
	out, _, err = runBoth(t, dbPath, "poll", "--once", "--force", "--allow-private-networks")
	if err != nil || !strings.Contains(out, "feeds=1 ok=1") {
		t.Errorf("poll --once --force: %v, %q", err, out)
	}
}

// TestCommandsForPrograms: JSON output of stats, stories list and
// sources; feeds export on a fresh store; --version; a bad --addr.
func TestCommandsForPrograms(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "marsad.db")

	opml, err := run(t, db, "feeds", "export")
	if err != nil || strings.Count(opml, "<outline") < 5 || !strings.Contains(opml, "xmlUrl=") {
		t.Errorf("feeds export on a fresh store: %v\n%.300s", err, opml)
	}
	out, err := run(t, db, "stats")
	if err != nil || !strings.Contains(out, "hint: the store is empty") {
		t.Errorf("stats on an empty store: %v %q", err, out)
	}

	dump := filepath.Join(dir, "dump.jsonl")
	lines := `{"url":"https://a.example/1","source":"a","source_name":"صحيفة أ","title":"المفاوضات في القاهرة","body":"قال الوزير إن المفاوضات في القاهرة مستمرة اليوم.","published":"2024-09-11T09:00:00Z"}
{"url":"https://b.example/2","source":"b","source_name":"صحيفة ب","title":"المفاوضات في القاهرة","body":"قال الوزير إن المفاوضات في القاهرة مستمرة اليوم وغداً.","published":"2024-09-11T10:00:00Z"}
`
	if err := os.WriteFile(dump, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, db, "import", dump); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, db, "stats", "--json")
	var st marsad.Stats
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Articles != 2 || st.Sources != 2 {
		t.Errorf("stats --json: %v %q", err, out)
	}
	out, err = run(t, db, "stories", "list", "--json", "--min-articles", "1")
	var sl struct {
		Stories []marsad.Story `json:"stories"`
		Total   int            `json:"total"`
	}
	if err != nil || json.Unmarshal([]byte(out), &sl) != nil || sl.Total == 0 || len(sl.Stories) != sl.Total {
		t.Errorf("stories list --json: %v %q", err, out)
	}
	out, err = run(t, db, "sources", "--json")
	var srcs []struct {
		Key      string `json:"key"`
		Name     string `json:"name"`
		Articles int    `json:"articles"`
	}
	if err != nil || json.Unmarshal([]byte(out), &srcs) != nil || len(srcs) != 2 || srcs[0].Articles != 1 || srcs[0].Name == "" {
		t.Errorf("sources --json: %v %q", err, out)
	}
	if out, err = run(t, db, "sources"); err != nil || !strings.Contains(out, "صحيفة أ") || lastLine(out) != "sources: 2" {
		t.Errorf("sources: %v %q", err, out)
	}

	if out, err = run(t, db, "--version"); err != nil || !strings.Contains(out, "analyzer") {
		t.Errorf("--version: %v %q", err, out)
	}
	for _, addr := range []string{"18999", "localhost", "127.0.0.1:99999", "127.0.0.1:http"} {
		_, err := run(t, db, "serve", "--no-poll", "--addr", addr)
		if err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
			t.Errorf("serve --addr %s: %v", addr, err)
		}
	}
	if _, err := run(t, db, "serve", "--addr", "18999"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:18999") {
		t.Errorf("serve --addr 18999 does not show the form that works: %v", err)
	}
}

// TestExportResumesAndImportRestores: an export cut in the middle of a
// line is continued by --resume into the same bytes as one uninterrupted
// export (and as --after the last complete id); an export file is never
// overwritten without --resume; import of the file into a new store gives
// back the same export, copy link and all.
func TestExportResumesAndImportRestores(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "marsad.db")
	dump := filepath.Join(dir, "dump.jsonl")
	body := "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بسعة خمسمئة سرير، ويضم المستشفى أقساماً للطوارئ والعناية المركزة وجراحة القلب، ويخدم سكان الأحياء الشمالية من المدينة."
	lines := []string{
		`{"url":"https://okaz.example/1","title":"افتتاح مستشفى في الرياض","body":"` + body + `","source":"okaz","published":"2024-09-11T09:00:00Z","tags":["الرياض"]}`,
		`{"url":"https://spa.example/1","title":"افتتاح مستشفى جديد","body":"` + body + `","source":"spa","published":"2024-09-11T10:00:00Z"}`,
		`{"url":"https://alyaum.example/2","title":"أمطار غزيرة على جازان","body":"شهدت منطقة جازان أمطاراً غزيرة أدت إلى جريان الأودية.","source":"alyaum","published":"2024-09-11T11:00:00Z"}`,
	}
	if err := os.WriteFile(dump, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, db, "import", dump); err != nil {
		t.Fatal(err)
	}
	full, err := run(t, db, "export")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(full, "\n"); n != 3 || !strings.Contains(full, `"copy_of":2`) {
		t.Fatalf("export: %d lines, want 3 with the paper's copy of the wire (copy_of 2):\n%s", n, full)
	}

	out := filepath.Join(dir, "archive.jsonl")
	cut := strings.Index(full, "\n") + 40 // one line and the start of the next
	if err := os.WriteFile(out, []byte(full[:cut]), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, db, "export", "-o", out); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("export over a file that holds lines: %v, want a refusal naming --resume", err)
	}
	if report, err := run(t, db, "export", "-o", out, "--resume"); err != nil || !strings.Contains(report, "lines=2 after=1 ") {
		t.Errorf("resume: %v, report %q; want 2 lines after id 1", err, report)
	}
	if b, _ := os.ReadFile(out); string(b) != full {
		t.Errorf("resumed export differs from the uninterrupted one:\n%s\nwant\n%s", b, full)
	}
	if after, err := run(t, db, "export", "--after", "1"); err != nil || after != full[strings.Index(full, "\n")+1:] {
		t.Errorf("--after 1: %v\n%s", err, after)
	}

	moved := filepath.Join(dir, "moved.db")
	if report, err := run(t, moved, "import", out); err != nil || !strings.Contains(report, "imported=3 ") {
		t.Fatalf("import of the export: %v %q", err, report)
	}
	if again, err := run(t, moved, "export"); err != nil || again != full {
		t.Errorf("export of the moved store: %v\n%s\nwant\n%s", err, again, full)
	}
}

// TestServeKeepsTheAdminTokenSecret: --help names the admin settings but
// never prints a token given by the environment, and a token too short
// to be safe stops serve before it listens.
func TestServeKeepsTheAdminTokenSecret(t *testing.T) {
	t.Setenv("MARSAD_ADMIN_TOKEN", "env-admin-secret-value")
	t.Setenv("MARSAD_API_TOKEN", "env-api-secret-value")
	db := filepath.Join(t.TempDir(), "marsad.db")
	out, stderr, err := runBoth(t, db, "serve", "--help")
	help := out + stderr
	if err != nil || !strings.Contains(help, "--admin-token") || !strings.Contains(help, "MARSAD_ADMIN_TOKEN") || !strings.Contains(help, "--secure-cookies") {
		t.Errorf("serve --help: %v\n%s", err, help)
	}
	if strings.Contains(help, "secret-value") {
		t.Errorf("serve --help prints a token:\n%s", help)
	}
	_, _, err = runBoth(t, db, "serve", "--no-poll", "--addr", "127.0.0.1:0", "--admin-token", "short")
	if err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("serve with a short admin token: %v, want a refusal naming the length", err)
	}
}

// TestFeedsPauseAndResume: the commands of the feed use cases change the
// store and say what they did; import names a bad outline and goes on.
func TestFeedsPauseAndResume(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "marsad.db")
	opml := filepath.Join(dir, "list.opml")
	if err := os.WriteFile(opml, []byte(`<opml version="2.0"><body><outline text="أ" xmlUrl="https://a.example/rss"/><outline text="سيئ" xmlUrl="a.example/rss"/></body></opml>`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runBoth(t, db, "feeds", "import", opml)
	if err != nil || !strings.Contains(out, "read=2 added=1 existing=0 skipped=1") || !strings.Contains(stderr, "outline 2 (سيئ)") {
		t.Fatalf("feeds import: %v %q %q", err, out, stderr)
	}
	if out, err := run(t, db, "feeds", "pause", "1"); err != nil || !strings.Contains(out, "paused=true") {
		t.Errorf("feeds pause: %v %q", err, out)
	}
	if out, err := run(t, db, "feeds", "list"); err != nil || !strings.Contains(out, "paused") {
		t.Errorf("feeds list of a paused feed: %v %q", err, out)
	}
	if _, stderr, err := runBoth(t, db, "poll", "--once"); err != nil || !strings.Contains(stderr, "every followed feed (1) is paused") {
		t.Errorf("poll with every feed paused: %v %q", err, stderr)
	}
	if out, err := run(t, db, "feeds", "resume", "1"); err != nil || !strings.Contains(out, "paused=false") {
		t.Errorf("feeds resume: %v %q", err, out)
	}
	if _, err := run(t, db, "feeds", "pause", "9"); err == nil {
		t.Error("pause of a missing feed succeeded")
	}
	if _, err := run(t, db, "feeds", "pause", "x"); err == nil {
		t.Error("pause of a non-number succeeded")
	}
}
