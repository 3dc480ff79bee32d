package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/store/sqlite"
)

// fakeSites answers discovery for a few made-up sites: a site page naming
// two feeds, a feed URL itself, and a page without feeds.
func fakeSites(_ context.Context, u string) ([]feeds.Discovered, error) {
	switch u {
	case "https://news.example/":
		return []feeds.Discovered{{URL: "https://news.example/rss", Title: "أخبار"}, {URL: "https://news.example/sport.rss", Title: "رياضة"}}, nil
	case "https://feed.example/atom.xml":
		return []feeds.Discovered{{URL: "https://feed.example/atom.xml", Title: "خلاصة"}}, nil
	}
	return nil, errors.New("discover " + u + ": no feed found on the page or at the usual paths")
}

func openFeeds(t *testing.T) (*sqlite.DB, *app.Feeds) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feeds.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, app.NewFeeds(db, fakeSites)
}

func TestFeedsAddFollowsWhatDiscoveryFinds(t *testing.T) {
	ctx := context.Background()
	db, fs := openFeeds(t)
	tests := []struct {
		name     string
		url      string
		added    []string // feed URLs newly followed
		existing []string // feed URLs already followed
		code     string
	}{
		{"a site page with two feeds", "https://news.example/", []string{"https://news.example/rss", "https://news.example/sport.rss"}, nil, ""},
		{"the same page again", " https://news.example/ ", nil, []string{"https://news.example/rss", "https://news.example/sport.rss"}, ""},
		{"a feed URL", "https://feed.example/atom.xml", []string{"https://feed.example/atom.xml"}, nil, ""},
		{"a page without feeds", "https://empty.example/", nil, nil, marsad.EINVALID},
		{"no scheme", "news.example", nil, nil, marsad.EINVALID},
		{"not http", "ftp://news.example/rss", nil, nil, marsad.EINVALID},
		{"empty", "", nil, nil, marsad.EINVALID},
	}
	for _, tt := range tests {
		got, err := fs.Add(ctx, tt.url)
		if code := marsad.ErrorCode(err); err != nil && code != tt.code || err == nil && tt.code != "" {
			t.Errorf("%s: error %v, want code %q", tt.name, err, tt.code)
			continue
		}
		var added, existing []string
		for _, a := range got {
			if a.Feed.ID <= 0 {
				t.Errorf("%s: %s has no id", tt.name, a.Feed.URL)
			}
			if a.Added {
				added = append(added, a.Feed.URL)
			} else {
				existing = append(existing, a.Feed.URL)
			}
		}
		if strings.Join(added, " ") != strings.Join(tt.added, " ") || strings.Join(existing, " ") != strings.Join(tt.existing, " ") {
			t.Errorf("%s: added %v existing %v, want %v and %v", tt.name, added, existing, tt.added, tt.existing)
		}
	}
	list, n, err := db.FindFeeds(ctx, marsad.FeedFilter{})
	if err != nil || n != 3 {
		t.Fatalf("store holds %d feeds (%v), want 3", n, err)
	}
	if list[0].Source != "news.example" || list[1].Source != "news.example" || list[2].Source != "feed.example" {
		t.Errorf("outlets keyed by the site's host: %s %s %s", list[0].Source, list[1].Source, list[2].Source)
	}
}

func TestFeedsImportSkipsBadOutlinesByNumber(t *testing.T) {
	ctx := context.Background()
	db, fs := openFeeds(t)
	if _, err := fs.Add(ctx, "https://feed.example/atom.xml"); err != nil {
		t.Fatal(err)
	}
	opml := `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="صحف"><outline text="أ" xmlUrl="https://a.example/rss" htmlUrl="https://a.example/"/>
<outline text="بلا مخطط" xmlUrl="a.example/feed"/></outline>
<outline text="موجودة" xmlUrl="https://feed.example/atom.xml"/>
<outline text="ملف" xmlUrl="file:///etc/passwd"/>
<outline text="ب" xmlUrl="https://b.example/rss"/></body></opml>`
	list, err := feeds.ParseOPML(strings.NewReader(opml), "t.opml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := fs.Import(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 5 || res.Added != 2 || res.Existing != 1 || len(res.Problems) != 2 ||
		!strings.HasPrefix(res.Problems[0], "outline 2 (بلا مخطط)") || !strings.HasPrefix(res.Problems[1], "outline 4 (ملف)") {
		t.Errorf("import: %+v", res)
	}
	if _, n, _ := db.FindFeeds(ctx, marsad.FeedFilter{}); n != 3 {
		t.Errorf("store holds %d feeds, want 3", n)
	}
	title, out, builtIn, err := fs.Export(ctx)
	if err != nil || builtIn || title != "marsad feeds" || len(out) != 3 || out[1].XMLURL != "https://a.example/rss" || out[1].HTMLURL != "https://a.example/" {
		t.Errorf("export: %q %+v builtIn=%v %v", title, out, builtIn, err)
	}
	_, empty := openFeeds(t)
	if _, out, builtIn, err := empty.Export(ctx); err != nil || !builtIn || len(out) < 5 {
		t.Errorf("export of a fresh store: %d feeds, builtIn=%v, %v; want the built-in list", len(out), builtIn, err)
	}
}

func TestFeedsPauseResumePollNowChangeTheStore(t *testing.T) {
	ctx := context.Background()
	db, fs := openFeeds(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fs = fs.WithClock(func() time.Time { return now })
	added, err := fs.Add(ctx, "https://feed.example/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	id := added[0].Feed.ID
	later := now.Add(6 * time.Hour) // backing off after failures
	if _, err := db.UpdateFeed(ctx, id, marsad.FeedUpdate{NextPoll: &later}); err != nil {
		t.Fatal(err)
	}
	stored := func() *marsad.Feed {
		f, err := db.FindFeedByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if _, err := fs.PollNow(ctx, id); err != nil {
		t.Fatal(err)
	}
	if f := stored(); !f.NextPoll.Equal(now) {
		t.Errorf("poll now: next poll %v, want %v", f.NextPoll, now)
	}
	if _, err := fs.Pause(ctx, id); err != nil {
		t.Fatal(err)
	}
	if f := stored(); !f.Paused {
		t.Errorf("pause: feed not paused")
	}
	if due, err := db.ClaimDueFeeds(ctx, now.Add(time.Hour), time.Minute, 0); err != nil || len(due) != 0 {
		t.Errorf("a paused feed was claimed: %v %v", due, err)
	}
	if _, err := fs.PollNow(ctx, id); marsad.ErrorCode(err) != marsad.ECONFLICT {
		t.Errorf("poll now of a paused feed: %v, want %s", err, marsad.ECONFLICT)
	}
	now = now.Add(time.Hour)
	if _, err := fs.Resume(ctx, id); err != nil {
		t.Fatal(err)
	}
	if f := stored(); f.Paused || !f.NextPoll.Equal(now) {
		t.Errorf("resume: paused=%v next poll %v, want due at %v", f.Paused, f.NextPoll, now)
	}
	for name, do := range map[string]func(context.Context, int64) (*marsad.Feed, error){"pause": fs.Pause, "resume": fs.Resume, "poll now": fs.PollNow} {
		if _, err := do(ctx, id+100); marsad.ErrorCode(err) != marsad.ENOTFOUND {
			t.Errorf("%s of a missing feed: %v", name, err)
		}
	}
}
