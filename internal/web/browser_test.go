package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/internal/web"
)

// browserLines is how many lines of each shared archive the browser test
// imports: enough for top stories across outlets and wire copies, little
// enough to keep the test near half a minute.
const browserLines = 600

// findChromium returns the browser's path, skipping the test when there is
// none (failing when MARSAD_REQUIRE_BROWSER=1, as .ci/run sets).
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MARSAD_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium on PATH (MARSAD_REQUIRE_BROWSER=1): apt-get install -y chromium")
	}
	t.Skip("no chromium on PATH: install Debian's chromium to run the browser test")
	return ""
}

// TestPagesInABrowser opens every kind of page in headless Chromium at a
// phone's and a desktop's width, on a store loaded with real articles, and
// checks what a reader would see: no console error, right to left, nothing
// wider than the screen, every link answering, no story or copy group
// listed twice. With MARSAD_SCREENSHOTS=DIR it also saves a screenshot of
// each page at each width there (docs/screenshots: see README).
func TestPagesInABrowser(t *testing.T) {
	chromium := findChromium(t)
	files := []string{testdata.Path(t, "saudinewsnet/articles.jsonl"), testdata.Path(t, "ant_multisource/articles.jsonl")}
	ctx := context.Background()
	db, err := ingest.Sample(ctx, filepath.Join(t.TempDir(), "browser.db"), browserLines, files...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pages := app.NewPages(db, analyzer.New(), 2)
	srv, err := web.New(pages, db, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	// The pages to open: one of each kind, found in the store.
	home, err := pages.Home(ctx, app.HomeQuery{})
	if err != nil || len(home.Top) == 0 {
		t.Fatalf("home: %v (%d top stories)", err, len(home.Top))
	}
	list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{NoText: true, Limit: 2 * browserLines})
	if err != nil {
		t.Fatal(err)
	}
	var copyID int64
	for _, a := range list {
		if a.CanonicalID != 0 {
			copyID = a.ID
			break
		}
	}
	if copyID == 0 {
		t.Fatal("no copy among the imported articles")
	}
	top := home.Top[0].Story
	targets := []struct {
		name, path string
		status     int
	}{
		{"home", "/", 200},
		{"home-page2", "/?page=2", 200},
		{"story", fmt.Sprintf("/stories/%d", top.ID), 200},
		{"article", fmt.Sprintf("/articles/%d", top.TitleArticleID), 200},
		{"article-copy", fmt.Sprintf("/articles/%d", copyID), 200},
		{"search", "/search?q=" + url.QueryEscape("السعودية"), 200},
		{"search-outlet", "/search?q=" + url.QueryEscape("سوريا") + "&source=" + url.QueryEscape("BBC"), 200},
		{"search-malformed", "/search?q=" + url.QueryEscape(`"وقف إطلاق`), 400},
		{"sources", "/sources", 200},
		{"source", "/sources/" + url.PathEscape(home.Top[0].Outlets[0].Key), 200},
		{"not-found", "/no/such/page", 404},
	}

	dir := t.TempDir()
	alloc, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
	)
	defer cancel()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()

	// Collect every console message of the tab as it comes.
	var mu sync.Mutex
	var console []string
	consoleCtx, stopConsole := context.WithCancel(bctx)
	defer stopConsole()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	msgs := chromedp.Console(consoleCtx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				console = append(console, m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	}()

	shots := os.Getenv("MARSAD_SCREENSHOTS")
	links := map[string]string{} // link → page it was found on
	for _, width := range []int64{360, 1280} {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			t.Run(fmt.Sprintf("%s@%d", tg.name, width), func(t *testing.T) {
				mu.Lock()
				console = console[:0]
				mu.Unlock()
				resp, err := chromedp.RunResponse(bctx, chromedp.Navigate(ts.URL+tg.path))
				if err != nil {
					t.Fatal(err)
				}
				if resp.Status != int64(tg.status) {
					t.Errorf("status %d, want %d", resp.Status, tg.status)
				}
				st, err := chromedp.Run(bctx, chromedp.Evaluate[pageState](pageStateJS))
				if err != nil {
					t.Fatal(err)
				}
				if st.Lang != "ar" || st.Dir != "rtl" {
					t.Errorf("lang=%q dir=%q, want ar rtl", st.Lang, st.Dir)
				}
				if st.ScrollWidth > st.InnerWidth {
					t.Errorf("page is %d px wide in a %d px window (widest: %s)", st.ScrollWidth, st.InnerWidth, st.Widest)
				}
				if st.Stylesheets != 1 || st.Scripts != 0 {
					t.Errorf("%d stylesheets and %d scripts, want 1 and 0", st.Stylesheets, st.Scripts)
				}
				if len(st.Repeated) > 0 {
					t.Errorf("listed twice: %v", st.Repeated)
				}
				if st.Canonical == "" || st.OGTitle == "" || st.Description == "" {
					t.Errorf("canonical %q, og:title %q, description %q", st.Canonical, st.OGTitle, st.Description)
				}
				for _, l := range st.Links {
					if _, ok := links[l]; !ok && tg.status == http.StatusOK {
						links[l] = tg.path
					}
				}
				if shots != "" {
					buf, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%d.png", tg.name, width)), buf, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				time.Sleep(50 * time.Millisecond) // let late console events arrive
				mu.Lock()
				defer mu.Unlock()
				for _, m := range console {
					// The browser logs the page's own error status; that is
					// the page asked for, not a fault of it.
					if tg.status != http.StatusOK && strings.Contains(m, "Failed to load resource") && strings.HasSuffix(m, " at "+ts.URL+tg.path) {
						continue
					}
					t.Errorf("console: %s", m)
				}
			})
		}
	}
	stopConsole()

	// Every link of the site's own pages answers (no 404, no 500).
	checked := 0
	for l, from := range links {
		u, err := url.Parse(l)
		if err != nil || (u.Host != "" && "http://"+u.Host != ts.URL) {
			continue // an outlet's own page
		}
		resp, err := http.Get(ts.URL + u.RequestURI())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("link %s on %s: status %d", l, from, resp.StatusCode)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d links checked", checked)
	}
}

// pageState is what the browser reports of a page.
type pageState struct {
	Lang        string   `json:"lang"`
	Dir         string   `json:"dir"`
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Widest      string   `json:"widest"`
	Stylesheets int      `json:"stylesheets"`
	Scripts     int      `json:"scripts"`
	Repeated    []string `json:"repeated"`
	Links       []string `json:"links"`
	Canonical   string   `json:"canonical"`
	OGTitle     string   `json:"ogTitle"`
	Description string   `json:"description"`
}

// pageStateJS reads a page's state: its direction, its width against the
// window's (and the widest element when it overflows), its links, and the
// items of its lists that point to the same story or text twice.
const pageStateJS = `(() => {
	const d = document.documentElement;
	const meta = (sel) => { const m = document.querySelector(sel); return m ? (m.content || m.href || "") : ""; };
	let widest = "";
	if (d.scrollWidth > window.innerWidth) {
		let w = 0;
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.width > w) { w = r.width; widest = el.tagName + "." + el.className + " " + Math.round(r.width) + "px"; }
		}
	}
	// A list item's own link (its heading's) names the story or text it
	// stands for; two items with one target are one story shown twice.
	const seen = new Map(), repeated = [];
	for (const a of document.querySelectorAll("li > h2 > a")) {
		const href = a.getAttribute("href");
		if (seen.has(href)) repeated.push(href); else seen.set(href, true);
	}
	return {
		lang: d.lang, dir: d.dir, scrollWidth: d.scrollWidth, innerWidth: window.innerWidth, widest,
		stylesheets: document.querySelectorAll('link[rel="stylesheet"]').length,
		scripts: document.scripts.length, repeated,
		links: [...new Set([...document.querySelectorAll("a[href]")].map(a => a.href))],
		canonical: meta('link[rel="canonical"]'), ogTitle: meta('meta[property="og:title"]'),
		description: meta('meta[name="description"]'),
	};
})()`
