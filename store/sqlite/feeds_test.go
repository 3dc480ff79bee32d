package sqlite

import (
	"context"
	"path/filepath"
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
