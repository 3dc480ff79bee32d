package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

func testFeedsCreateFindDelete(t *testing.T, h *harness) {
	f := &marsad.Feed{URL: "https://www.bbc.example/arabic/index.xml", SiteURL: "https://www.bbc.example/arabic",
		Title: "بي بي سي عربي", Source: "bbc", SourceName: "بي بي سي", NextPoll: hour(1), Interval: 15 * time.Minute}
	check(t, "create", h.CreateFeed(ctx(t), f))
	if f.ID <= 0 || f.SourceID <= 0 || f.Created.IsZero() {
		t.Fatalf("CreateFeed left ID %d, SourceID %d, Created %v", f.ID, f.SourceID, f.Created)
	}
	src, err := h.FindSourceByKey(ctx(t), "bbc")
	check(t, "feed's source created", err)
	if src.ID != f.SourceID || src.Name != "بي بي سي" {
		t.Errorf("feed's source %+v, want id %d named بي بي سي", src, f.SourceID)
	}
	got, err := h.FindFeedByID(ctx(t), f.ID)
	check(t, "find feed", err)
	if got.URL != f.URL || got.SiteURL != f.SiteURL || got.Title != f.Title || got.SourceID != f.SourceID ||
		got.Source != "bbc" || got.SourceName != "بي بي سي" || !got.NextPoll.Equal(hour(1)) ||
		got.Interval != 15*time.Minute || got.ErrorCount != 0 || got.ItemsSeen != 0 || got.Created.IsZero() {
		t.Errorf("read back %+v, want what was created", got)
	}

	for _, tt := range []struct {
		name string
		feed marsad.Feed
		code string
	}{
		{"no URL", marsad.Feed{Source: "bbc"}, marsad.EINVALID},
		{"no source key", marsad.Feed{URL: "https://other.example/feed"}, marsad.EINVALID},
		{"URL already followed", marsad.Feed{URL: f.URL, Source: "other"}, marsad.ECONFLICT},
	} {
		wantCode(t, "create with "+tt.name, h.CreateFeed(ctx(t), &tt.feed), tt.code)
	}
	if _, n, _ := h.FindFeeds(ctx(t), marsad.FeedFilter{}); n != 1 {
		t.Errorf("%d feeds after refused creates, want 1", n)
	}

	// A second feed of the same outlet shares its source.
	g := &marsad.Feed{URL: "https://www.bbc.example/arabic/sport.xml", Source: "bbc"}
	check(t, "create second", h.CreateFeed(ctx(t), g))
	if g.SourceID != f.SourceID || g.ID == f.ID {
		t.Errorf("second feed of bbc: id %d source %d, want a new id and source %d", g.ID, g.SourceID, f.SourceID)
	}
	seq(t, h, "a", "bbc", 0, 1) // an article of the outlet

	check(t, "delete", h.DeleteFeed(ctx(t), f.ID))
	_, err = h.FindFeedByID(ctx(t), f.ID)
	wantCode(t, "find deleted feed", err, marsad.ENOTFOUND)
	wantCode(t, "delete again", h.DeleteFeed(ctx(t), f.ID), marsad.ENOTFOUND)
	if _, err := h.FindFeedByID(ctx(t), g.ID); err != nil {
		t.Errorf("the other feed after a delete: %v", err)
	}
	if n, _ := h.CountArticles(ctx(t)); n != 1 {
		t.Errorf("articles after deleting a feed: %d, want 1 (they stay)", n)
	}
	if _, err := h.FindSourceByKey(ctx(t), "bbc"); err != nil {
		t.Errorf("source after deleting a feed: %v", err)
	}
	// The URL can be followed again.
	check(t, "create again after delete", h.CreateFeed(ctx(t), &marsad.Feed{URL: f.URL, Source: "bbc"}))
}

func testFeedsUpdate(t *testing.T, h *harness) {
	f := &marsad.Feed{URL: "https://a.example/feed", Source: "a", Title: "قديم"}
	check(t, "create", h.CreateFeed(ctx(t), f))
	title, site, etag, lm, msg := "جديد", "https://a.example/", `"v2"`, "Fri, 01 Mar 2024 12:00:00 GMT", "HTTP 503"
	polled, success, errAt, next := hour(1), hour(2), hour(3), hour(4)
	count, interval := 3, 40*time.Minute
	got, err := h.UpdateFeed(ctx(t), f.ID, marsad.FeedUpdate{Title: &title, SiteURL: &site, ETag: &etag,
		LastModified: &lm, LastPolled: &polled, LastSuccess: &success, LastError: &msg, LastErrorAt: &errAt,
		ErrorCount: &count, NextPoll: &next, Interval: &interval, ItemsSeenAdd: 5})
	check(t, "update all", err)
	want := fmt.Sprint(title, site, etag, lm, polled, success, msg, errAt, count, next, interval, 5)
	show := func(g *marsad.Feed) string {
		return fmt.Sprint(g.Title, g.SiteURL, g.ETag, g.LastModified, g.LastPolled, g.LastSuccess, g.LastError,
			g.LastErrorAt, g.ErrorCount, g.NextPoll, g.Interval, g.ItemsSeen)
	}
	if show(got) != want {
		t.Errorf("updated feed\n got %s\nwant %s", show(got), want)
	}
	if stored, err := h.FindFeedByID(ctx(t), f.ID); err != nil || show(stored) != want {
		t.Errorf("feed read after update\n got %v %v\nwant %s", stored, err, want)
	}
	// Nil fields stay; ItemsSeenAdd adds; a zero count and empty error clear.
	zero, empty := 0, ""
	got, err = h.UpdateFeed(ctx(t), f.ID, marsad.FeedUpdate{ErrorCount: &zero, LastError: &empty, ItemsSeenAdd: 2})
	check(t, "update some", err)
	if got.ErrorCount != 0 || got.LastError != "" || got.ItemsSeen != 7 || got.Title != title || !got.NextPoll.Equal(next) ||
		got.ETag != etag || got.Interval != interval {
		t.Errorf("after a partial update: %+v", got)
	}
	_, err = h.UpdateFeed(ctx(t), f.ID+100, marsad.FeedUpdate{Title: &title})
	wantCode(t, "update a missing feed", err, marsad.ENOTFOUND)
	_, err = h.UpdateFeed(ctx(t), f.ID+100, marsad.FeedUpdate{})
	wantCode(t, "empty update of a missing feed", err, marsad.ENOTFOUND)
}

func testFindFeeds(t *testing.T, h *harness) {
	// Five feeds created in id order with next polls out of that order.
	nexts := []int{3, 2, 5, 1, 1}
	var feedIDs []int64
	for i, n := range nexts {
		f := &marsad.Feed{URL: fmt.Sprintf("https://f%d.example/rss", i), Source: fmt.Sprintf("f%d", i), NextPoll: hour(n)}
		check(t, "create", h.CreateFeed(ctx(t), f))
		feedIDs = append(feedIDs, f.ID)
	}
	pick := func(idx ...int) []int64 {
		var out []int64
		for _, i := range idx {
			out = append(out, feedIDs[i])
		}
		return out
	}
	due2, due0 := hour(2), hour(0)
	url := "https://f2.example/rss"
	checkPages(t, []pageCase[marsad.FeedFilter]{
		{"all by id", marsad.FeedFilter{}, pick(0, 1, 2, 3, 4), 5},
		{"one id", marsad.FeedFilter{ID: &feedIDs[3]}, pick(3), 1},
		{"one URL", marsad.FeedFilter{URL: &url}, pick(2), 1},
		{"a page", marsad.FeedFilter{Offset: 1, Limit: 2}, pick(1, 2), 5},
		{"offset only", marsad.FeedFilter{Offset: 3}, pick(3, 4), 5},
		// Due feeds come by next poll (then id), at or before DueBy.
		{"due by, soonest first", marsad.FeedFilter{DueBy: &due2}, pick(3, 4, 1), 3},
		{"due by, a page", marsad.FeedFilter{DueBy: &due2, Offset: 1, Limit: 1}, pick(4), 3},
		{"none due", marsad.FeedFilter{DueBy: &due0}, nil, 0},
	}, func(f marsad.FeedFilter) ([]*marsad.Feed, int, error) { return h.FindFeeds(ctx(t), f) },
		func(f *marsad.Feed) int64 { return f.ID })
	_, err := h.FindFeedByID(ctx(t), feedIDs[4]+100)
	wantCode(t, "find missing feed", err, marsad.ENOTFOUND)
}

func testFeedItems(t *testing.T, h *harness) {
	f := &marsad.Feed{URL: "https://a.example/feed", Source: "a"}
	g := &marsad.Feed{URL: "https://a.example/other", Source: "a"}
	check(t, "create", h.CreateFeed(ctx(t), f))
	check(t, "create", h.CreateFeed(ctx(t), g))
	seen, err := h.SeenFeedItems(ctx(t), f.ID, []string{"x", "y"})
	check(t, "seen before any", err)
	if len(seen) != 0 {
		t.Errorf("seen before anything was added: %v", seen)
	}
	n, err := h.AddFeedItems(ctx(t), f.ID, []string{"x", "y", "x"})
	check(t, "add", err)
	if n != 2 {
		t.Errorf("first add: %d new, want 2 (x twice counts once)", n)
	}
	n, err = h.AddFeedItems(ctx(t), f.ID, []string{"y", "z"})
	check(t, "add again", err)
	if n != 1 {
		t.Errorf("second add: %d new, want 1", n)
	}
	if n, err := h.AddFeedItems(ctx(t), f.ID, nil); err != nil || n != 0 {
		t.Errorf("add nothing: %d, %v", n, err)
	}
	// Many keys at once (more than one statement's worth in most stores).
	many := make([]string, 1500)
	for i := range many {
		many[i] = fmt.Sprintf("https://a.example/item/%d", i)
	}
	if n, err := h.AddFeedItems(ctx(t), f.ID, many); err != nil || n != len(many) {
		t.Errorf("add %d keys: %d new, %v", len(many), n, err)
	}
	seen, err = h.SeenFeedItems(ctx(t), f.ID, append([]string{"x", "y", "z", "w"}, many...))
	check(t, "seen", err)
	if len(seen) != 3+len(many) || !seen["x"] || !seen["z"] || seen["w"] || !seen[many[1499]] {
		t.Errorf("seen: %d keys (w: %v), want x, y, z and the %d added", len(seen), seen["w"], len(many))
	}
	if other, err := h.SeenFeedItems(ctx(t), g.ID, []string{"x"}); err != nil || len(other) != 0 {
		t.Errorf("another feed's items: %v, %v; want none (items belong to one feed)", other, err)
	}
	got, err := h.FindFeedByID(ctx(t), f.ID)
	check(t, "find", err)
	if got.ItemsSeen != 3+len(many) {
		t.Errorf("ItemsSeen = %d, want %d (the new items added)", got.ItemsSeen, 3+len(many))
	}
}

func testClaimDueFeeds(t *testing.T, h *harness) {
	for _, lease := range []time.Duration{0, -time.Minute} {
		_, err := h.ClaimDueFeeds(ctx(t), hour(0), lease, 0)
		wantCode(t, fmt.Sprintf("claim with lease %v", lease), err, marsad.EINVALID)
	}
	nexts := []int{1, 3, 2, 10}
	var feedIDs []int64
	for i, n := range nexts {
		f := &marsad.Feed{URL: fmt.Sprintf("https://c%d.example/rss", i), Source: "c", NextPoll: hour(n)}
		check(t, "create", h.CreateFeed(ctx(t), f))
		feedIDs = append(feedIDs, f.ID)
	}
	claim := func(s marsad.Store, now time.Time, limit int) []int64 {
		t.Helper()
		got, err := s.ClaimDueFeeds(ctx(t), now, time.Hour, limit)
		check(t, "claim", err)
		var out []int64
		for _, f := range got {
			out = append(out, f.ID)
			if !f.NextPoll.Equal(now.Add(time.Hour)) || f.URL == "" || f.Source != "c" {
				t.Errorf("claimed feed %+v, want it read back with NextPoll at the lease's end %v", f, now.Add(time.Hour))
			}
		}
		return sorted(out)
	}
	// The two due the longest, then the third due one; then none is left.
	wantIDs(t, "claim 2 at h3", claim(h, hour(3), 2), sorted([]int64{feedIDs[0], feedIDs[2]}))
	if f, err := h.FindFeedByID(ctx(t), feedIDs[0]); err != nil || !f.NextPoll.Equal(hour(4)) {
		t.Errorf("claimed feed read back: %+v, %v; want NextPoll at h4", f, err)
	}
	wantIDs(t, "claim again at h3", claim(h, hour(3), 2), feedIDs[1:2])
	wantIDs(t, "claim a third time at h3", claim(h, hour(3), 0), nil)
	// Leases end at h4: all three are due again, never the one due at h10.
	wantIDs(t, "claim all at h4", claim(h, hour(4), 0), sorted(feedIDs[:3]))

	// Two pollers claiming at once through two handles share the feeds:
	// none is claimed by both.
	other := h.second(t)
	var more []int64
	for i := range 30 {
		f := &marsad.Feed{URL: fmt.Sprintf("https://m%d.example/rss", i), Source: "m", NextPoll: hour(i % 7)}
		check(t, "create", h.CreateFeed(ctx(t), f))
		more = append(more, f.ID)
	}
	now := hour(9) // the 30 and the first three (leased until h5) are due; not the h10 one
	got := make([][]int64, 2)
	parallel(t, 2, func(w int) error {
		for range 20 {
			feeds, err := []marsad.Store{h, other}[w].ClaimDueFeeds(ctx(t), now, time.Hour, 2)
			if err != nil {
				return fmt.Errorf("poller %d: %w", w, err)
			}
			for _, f := range feeds {
				got[w] = append(got[w], f.ID)
			}
		}
		return nil
	})
	all := slices.Concat(got[0], got[1])
	slices.Sort(all)
	wantIDs(t, "feeds claimed by two pollers at once, each once", all, sorted(slices.Concat(feedIDs[:3], more)))
}

// testFeedsPause: a paused feed is never due — not claimed, not listed by
// DueBy — whatever its NextPoll, and stays paused when a poll that was in
// flight writes its health; resumed, it is due again.
func testFeedsPause(t *testing.T, h *harness) {
	var ids []int64
	for i := range 3 {
		f := &marsad.Feed{URL: fmt.Sprintf("https://p%d.example/rss", i), Source: "p", NextPoll: hour(1)}
		check(t, "create", h.CreateFeed(ctx(t), f))
		if f.Paused {
			t.Errorf("a new feed is paused")
		}
		ids = append(ids, f.ID)
	}
	yes, no := true, false
	got, err := h.UpdateFeed(ctx(t), ids[1], marsad.FeedUpdate{Paused: &yes})
	check(t, "pause", err)
	if !got.Paused {
		t.Fatalf("paused feed read back %+v", got)
	}
	// The poll in flight records its outcome: the feed stays paused.
	next := hour(2)
	if got, err = h.UpdateFeed(ctx(t), ids[1], marsad.FeedUpdate{NextPoll: &next}); err != nil || !got.Paused {
		t.Errorf("a poll's write after the pause: %+v %v, want still paused", got, err)
	}
	now := hour(5)
	due, n, err := h.FindFeeds(ctx(t), marsad.FeedFilter{DueBy: &now})
	check(t, "due", err)
	if n != 2 || len(due) != 2 || due[0].ID == ids[1] || due[1].ID == ids[1] {
		t.Errorf("due by h5: %d feeds (%v), want the 2 not paused", n, due)
	}
	claimed, err := h.ClaimDueFeeds(ctx(t), now, time.Hour, 0)
	check(t, "claim", err)
	var got2 []int64
	for _, f := range claimed {
		got2 = append(got2, f.ID)
	}
	wantIDs(t, "claimed with one paused", sorted(got2), sorted([]int64{ids[0], ids[2]}))
	if all, n, _ := h.FindFeeds(ctx(t), marsad.FeedFilter{}); n != 3 || !all[1].Paused || all[0].Paused {
		t.Errorf("every feed is listed, the paused one marked: %d", n)
	}
	_, err = h.UpdateFeed(ctx(t), ids[1], marsad.FeedUpdate{Paused: &no})
	check(t, "resume", err)
	claimed, err = h.ClaimDueFeeds(ctx(t), now, time.Hour, 0)
	check(t, "claim after resume", err)
	if len(claimed) != 1 || claimed[0].ID != ids[1] || claimed[0].Paused {
		t.Errorf("claimed after the resume: %+v, want feed %d", claimed, ids[1])
	}
}
