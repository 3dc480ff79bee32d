package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

func openFeedTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "feeds.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFeedsCreateFindUpdateDelete(t *testing.T) {
	ctx := context.Background()
	db := openFeedTestDB(t)
	f := &marsad.Feed{URL: "https://www.bbc.com/arabic/index.xml", SiteURL: "https://www.bbc.com/arabic", Title: "BBC عربي", Source: "bbc-arabic", SourceName: "BBC عربي"}
	if err := db.CreateFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	if f.ID == 0 || f.SourceID == 0 {
		t.Fatalf("ids not set: %+v", f)
	}
	if err := db.CreateFeed(ctx, &marsad.Feed{URL: f.URL, Source: "x"}); marsad.ErrorCode(err) != marsad.ECONFLICT {
		t.Errorf("second create: %v, want conflict", err)
	}
	if err := db.CreateFeed(ctx, &marsad.Feed{Source: "x"}); marsad.ErrorCode(err) != marsad.EINVALID {
		t.Errorf("create without URL: %v, want invalid", err)
	}
	next := time.Now().Add(time.Hour).Truncate(time.Second)
	msg, n, iv := "HTTP 503", 3, 10*time.Minute
	got, err := db.UpdateFeed(ctx, f.ID, marsad.FeedUpdate{LastError: &msg, ErrorCount: &n, NextPoll: &next, Interval: &iv, ItemsSeenAdd: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.LastError != msg || got.ErrorCount != 3 || !got.NextPoll.Equal(next) || got.Interval != iv || got.ItemsSeen != 2 || got.Source != "bbc-arabic" {
		t.Errorf("after update: %+v", got)
	}
	now := time.Now()
	due, total, err := db.FindFeeds(ctx, marsad.FeedFilter{DueBy: &now})
	if err != nil || total != 0 || len(due) != 0 {
		t.Errorf("due now: %d feeds (err %v), want none before next poll", total, err)
	}
	later := next.Add(time.Second)
	if due, _, _ = db.FindFeeds(ctx, marsad.FeedFilter{DueBy: &later}); len(due) != 1 {
		t.Errorf("due later: %d feeds, want 1", len(due))
	}
	if _, err := db.UpdateFeed(ctx, 999, marsad.FeedUpdate{ErrorCount: &n}); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("update missing: %v", err)
	}
	if err := db.DeleteFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindFeedByID(ctx, f.ID); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("find deleted: %v", err)
	}
}

func TestFeedItemsAreRecordedOnce(t *testing.T) {
	ctx := context.Background()
	db := openFeedTestDB(t)
	f := &marsad.Feed{URL: "https://example.com/rss", Source: "example"}
	if err := db.CreateFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 1000) // more than one chunk
	for i := range keys {
		keys[i] = "https://example.com/a/" + string(rune('a'+i%26)) + time.Duration(i).String()
	}
	if n, err := db.AddFeedItems(ctx, f.ID, keys[:600]); err != nil || n != 600 {
		t.Fatalf("add: %d %v", n, err)
	}
	if n, err := db.AddFeedItems(ctx, f.ID, keys); err != nil || n != 400 {
		t.Fatalf("add again: %d %v, want only the 400 new", n, err)
	}
	seen, err := db.SeenFeedItems(ctx, f.ID, append(keys[990:], "new"))
	if err != nil || len(seen) != 10 || seen["new"] {
		t.Errorf("seen: %d %v", len(seen), err)
	}
	got, _ := db.FindFeedByID(ctx, f.ID)
	if got.ItemsSeen != 1000 {
		t.Errorf("items_seen = %d, want 1000", got.ItemsSeen)
	}
}

func TestClaimDueFeedsNeverHandsOneFeedToTwoPollers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path) // a second process on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const n = 120
	for i := range n {
		f := &marsad.Feed{URL: fmt.Sprintf("https://e%d.example/rss", i), Source: "s"}
		if i%4 == 0 {
			f.NextPoll = now.Add(time.Hour) // not due
		}
		if err := a.CreateFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.ClaimDueFeeds(ctx, now, 0, 10); marsad.ErrorCode(err) != marsad.EINVALID {
		t.Errorf("zero lease: %v, want invalid", err)
	}

	// Both claim in small bites at once until nothing is due.
	claimed := make([]map[int64]bool, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, db := range []*DB{a, b} {
		claimed[i] = map[int64]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := db.ClaimDueFeeds(ctx, now, 10*time.Minute, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				for _, f := range got {
					if !f.NextPoll.Equal(now.Add(10*time.Minute)) || f.Source != "s" {
						errs <- fmt.Errorf("claimed feed %+v", f)
						return
					}
					claimed[i][f.ID] = true
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for id := range claimed[0] {
		if claimed[1][id] {
			t.Errorf("feed %d claimed by both", id)
		}
	}
	if got := len(claimed[0]) + len(claimed[1]); got != n-n/4 {
		t.Errorf("%d feeds claimed, want the %d due ones", got, n-n/4)
	}
	// Within the lease nothing is due; after it, everything is.
	if got, _ := a.ClaimDueFeeds(ctx, now.Add(9*time.Minute), time.Minute, 0); len(got) != 0 {
		t.Errorf("%d feeds claimed again within the lease", len(got))
	}
	if got, _ := b.ClaimDueFeeds(ctx, now.Add(2*time.Hour), time.Minute, 0); len(got) != n {
		t.Errorf("%d feeds due after every lease and next poll, want %d", len(got), n)
	}
}
