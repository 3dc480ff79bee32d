package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

// archive is a store with the first lines of saudinewsnet (wire copies by
// the dozen) and of ant_multisource (five outlets, stories across them),
// imported once for every test of the package.
var archive struct {
	once sync.Once
	db   *sqlite.DB
	err  error
}

const archiveLines = 2500

func openArchive(t *testing.T) (*sqlite.DB, *app.Pages) {
	t.Helper()
	files := []string{testdata.Path(t, "saudinewsnet/articles.jsonl"), testdata.Path(t, "ant_multisource/articles.jsonl")}
	archive.once.Do(func() {
		dir, err := os.MkdirTemp("", "marsad-app-test")
		if err != nil {
			archive.err = err
			return
		}
		archive.db, archive.err = ingest.Sample(context.Background(), filepath.Join(dir, "pages.db"), archiveLines, files...)
	})
	if archive.err != nil {
		t.Fatal(archive.err)
	}
	return archive.db, app.NewPages(archive.db, analyzer.New(), 2)
}

func TestHomeShowsEveryStoryOnce(t *testing.T) {
	ctx := context.Background()
	db, pages := openArchive(t)
	pages.Now = func() time.Time { return time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC) }
	seen := map[int64]string{}
	var latest []int64
	first, err := pages.Home(ctx, app.HomeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Top) == 0 || len(first.Latest) != app.StoriesPerPage {
		t.Fatalf("home: %d top, %d latest", len(first.Top), len(first.Latest))
	}
	for i, it := range first.Top {
		seen[it.Story.ID] = "top"
		if it.Story.Outlets < 2 || len(it.Outlets) != it.Story.Outlets {
			t.Errorf("top story %d: %d outlets, %d named", it.Story.ID, it.Story.Outlets, len(it.Outlets))
		}
		if i > 0 && it.Story.LastSeen.After(first.Top[0].Story.LastSeen.Add(72*time.Hour)) {
			t.Errorf("top story %d far newer than the first", it.Story.ID)
		}
	}
	for page := 1; page <= 4; page++ {
		h, err := pages.Home(ctx, app.HomeQuery{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		if page > 1 && len(h.Top) != 0 {
			t.Errorf("page %d repeats the top stories", page)
		}
		for _, it := range h.Latest {
			if where, ok := seen[it.Story.ID]; ok {
				t.Errorf("story %d on page %d is already shown (%s)", it.Story.ID, page, where)
			}
			seen[it.Story.ID] = "latest"
			latest = append(latest, it.Story.ID)
		}
	}
	// The latest list is the store's order of stories without the top
	// ones: no page loses or repeats a story.
	all, _, err := db.FindStories(ctx, marsad.StoryFilter{Limit: len(latest) + len(first.Top)})
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, s := range all {
		if seen[s.ID] != "top" {
			want = append(want, s.ID)
		}
	}
	want = want[:min(len(want), len(latest))]
	for i := range want {
		if want[i] != latest[i] {
			t.Fatalf("latest[%d] = story %d, want %d", i, latest[i], want[i])
		}
	}
}

func TestStoryPageShowsEachTextOnceWithItsCopies(t *testing.T) {
	ctx := context.Background()
	db, pages := openArchive(t)
	// The stories of the first wire copies, and the biggest recent ones.
	list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{NoText: true, Limit: 3000})
	if err != nil {
		t.Fatal(err)
	}
	stories, _, err := db.FindStories(ctx, marsad.StoryFilter{MinArticles: 5, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.CanonicalID != 0 && a.StoryID != 0 && len(stories) < 60 {
			stories = append(stories, &marsad.Story{ID: a.StoryID})
		}
	}
	folded := 0
	for _, st := range stories {
		sp, err := pages.Story(ctx, st.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		shown := map[int64]bool{}
		for _, g := range sp.Groups {
			if shown[g.Article.ID] {
				t.Errorf("story %d shows article %d twice", st.ID, g.Article.ID)
			}
			shown[g.Article.ID] = true
			outlets := map[int64]bool{g.Article.SourceID: true}
			for _, c := range g.Copies {
				folded++
				if shown[c.ID] || outlets[c.SourceID] {
					t.Errorf("story %d: copy %d repeats an article or an outlet", st.ID, c.ID)
				}
				shown[c.ID], outlets[c.SourceID] = true, true
				if cmpOr(c.CanonicalID, c.ID) != cmpOr(g.Article.CanonicalID, g.Article.ID) {
					t.Errorf("story %d: article %d folded under %d, another text", st.ID, c.ID, g.Article.ID)
				}
			}
		}
	}
	if folded == 0 {
		t.Error("no copy folded in the stories of saudinewsnet's copies")
	}
}

func cmpOr(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

func TestArticlePageCreditsTheOriginalAndNamesEachOutletOnce(t *testing.T) {
	ctx := context.Background()
	db, pages := openArchive(t)
	list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{NoText: true, Limit: 3000})
	if err != nil {
		t.Fatal(err)
	}
	checked, credited := 0, 0
	for _, a := range list {
		if a.CanonicalID == 0 || checked >= 60 {
			continue
		}
		checked++
		ap, err := pages.Article(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Original != nil {
			credited++
			if ap.Original.ID != a.CanonicalID || ap.Original.SourceID == a.SourceID {
				t.Errorf("article %d: original %d of its own outlet or not its canonical", a.ID, ap.Original.ID)
			}
		}
		named := map[int64]bool{a.SourceID: true}
		if ap.Original != nil {
			named[ap.Original.SourceID] = true
		}
		for _, lists := range [][]*marsad.Article{ap.Copies, ap.AlsoCovered} {
			for _, c := range lists {
				if named[c.SourceID] || c.ID == a.ID {
					t.Errorf("article %d: outlet %s named twice", a.ID, c.Source)
				}
				named[c.SourceID] = true
			}
		}
	}
	if checked == 0 || credited == 0 {
		t.Fatalf("checked %d copies, %d credited an original", checked, credited)
	}
}

func TestSearchGroupsByStoryAndResolvesOutletNames(t *testing.T) {
	ctx := context.Background()
	_, pages := openArchive(t)
	res, err := pages.Search(ctx, app.SearchQuery{Q: "السعودية"})
	if err != nil {
		t.Fatal(err)
	}
	stories := map[int64]bool{}
	for _, r := range res.Results {
		if id := r.Article.StoryID; id != 0 {
			if stories[id] {
				t.Errorf("story %d listed twice", id)
			}
			stories[id] = true
		}
	}
	if len(res.Results) == 0 {
		t.Fatal("no result for السعودية")
	}
	for _, name := range []string{"BBC Arabic", "bbc", "بي بي سي"} {
		_, err := pages.Search(ctx, app.SearchQuery{Q: "سوريا", Source: name})
		if err != nil && name != "بي بي سي" {
			t.Errorf("source %q: %v", name, err)
		}
	}
	if _, err := pages.Search(ctx, app.SearchQuery{Q: "سوريا", Source: "لا أحد"}); marsad.ErrorCode(err) != marsad.EINVALID {
		t.Errorf("unknown outlet: %v, want invalid", err)
	}
	if _, err := pages.Search(ctx, app.SearchQuery{Q: "سوريا", Page: app.MaxPage + 1}); marsad.ErrorCode(err) != marsad.EINVALID {
		t.Errorf("page past the bound: %v, want invalid", err)
	}
}

func TestNoticeSaysWhatIsFollowedAndWhenTheNetworkIsDown(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "notice.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pages := app.NewPages(db, analyzer.New(), 1)
	reached := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)
	var ids []int64
	for _, f := range []*marsad.Feed{
		{URL: "https://a.example/rss", Source: "a", SourceName: "صحيفة أ"},
		{URL: "https://b.example/rss", Source: "b", SourceName: "Outlet B"},
	} {
		if err := db.CreateFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
		if _, err := db.UpdateFeed(ctx, f.ID, marsad.FeedUpdate{LastSuccess: &reached}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := pages.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Notice() || st.NetworkDown || len(st.Outlets) != 2 || !st.Outlets[0].LastReached.Equal(reached) {
		t.Fatalf("first run: %+v", st)
	}
	// Both feeds fail in one pass: the network, not the outlets.
	for i, id := range ids {
		at := reached.Add(time.Hour + time.Duration(i)*time.Minute)
		msg, n := "dial tcp: network is unreachable", 1
		if _, err := db.UpdateFeed(ctx, id, marsad.FeedUpdate{LastError: &msg, LastErrorAt: &at, ErrorCount: &n}); err != nil {
			t.Fatal(err)
		}
	}
	if st, err = pages.Status(ctx); err != nil || !st.NetworkDown || !st.LastReached.Equal(reached) {
		t.Fatalf("outage: %+v %v", st, err)
	}
	// One feed comes back: no outage.
	back := reached.Add(2 * time.Hour)
	if _, err := db.UpdateFeed(ctx, ids[0], marsad.FeedUpdate{LastSuccess: &back}); err != nil {
		t.Fatal(err)
	}
	if st, err = pages.Status(ctx); err != nil || st.NetworkDown {
		t.Fatalf("after one feed came back: %+v %v", st, err)
	}
}

// slowStore is a store whose searches run until their context ends: a
// costly query.
type slowStore struct {
	*sqlite.DB
	started chan struct{}
}

func (s slowStore) Search(ctx context.Context, req marsad.SearchRequest) ([]marsad.SearchHit, int, error) {
	s.started <- struct{}{}
	<-ctx.Done()
	return nil, 0, ctx.Err()
}

func TestCostlySearchesAreBoundedInNumberAndTime(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "slow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := slowStore{DB: db, started: make(chan struct{}, 1)}
	pages := app.NewPages(store, analyzer.New(), 1)
	first := make(chan error, 1)
	go func() {
		_, err := pages.Search(ctx, app.SearchQuery{Q: "السعودية"})
		first <- err
	}()
	<-store.started
	// The one slot is taken: the next search waits, then is turned away.
	if _, err := pages.Search(ctx, app.SearchQuery{Q: "مصر"}); marsad.ErrorCode(err) != marsad.EUNAVAILABLE {
		t.Errorf("second search: %v, want unavailable", err)
	}
	// The first one ends at its deadline with a message, not a 500.
	err = <-first
	if marsad.ErrorCode(err) != marsad.EINVALID || !strings.Contains(marsad.ErrorMessage(err), "وقتاً أطول") {
		t.Errorf("costly search: %v, want the Arabic time-out message", err)
	}
	// A reader who leaves cancels the work.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := pages.Search(cctx, app.SearchQuery{Q: "لبنان"})
		done <- err
	}()
	<-store.started
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a cancelled search succeeded")
		}
	case <-time.After(time.Second):
		t.Error("a cancelled search kept running")
	}
}
