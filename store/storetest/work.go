package storetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/marsad/marsad"
)

func testWorkLedger(t *testing.T, h *harness) {
	wantCode(t, "register an empty name", h.RegisterStages(ctx(t), []string{"dedup", ""}), marsad.EINVALID)
	first := seq(t, h, "a", "a", 0, 3) // stored before any stage exists
	if c := owedCounts(t, h); len(c) > 1 || c["dedup"] != 0 {
		// A refused registration may or may not have kept "dedup"; it owes
		// nothing either way until registered.
		t.Errorf("owed before any stage was registered: %v", c)
	}
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup", "story"}))
	if c := owedCounts(t, h); !maps.Equal(c, map[string]int{"dedup": 3, "story": 3}) {
		t.Errorf("owed after registering: %v, want every stored article owed to each new stage", c)
	}
	second := seq(t, h, "b", "b", 3, 4)
	all := sorted(append(slices.Clone(first), second...))
	wantIDs(t, "dedup owes", allOwed(t, h, "dedup"), all)
	wantIDs(t, "story owes", allOwed(t, h, "story"), all)

	// OwedArticles pages ascending above after, at most limit.
	page, err := h.OwedArticles(ctx(t), "dedup", all[1], 3)
	check(t, "owed page", err)
	wantIDs(t, "owed above the second, 3 at most", page, all[2:5])
	page, err = h.OwedArticles(ctx(t), "dedup", all[6], 3)
	check(t, "owed past the end", err)
	wantIDs(t, "owed past the end", page, nil)
	page, err = h.OwedArticles(ctx(t), "unknown", 0, 10)
	check(t, "owed by an unknown stage", err)
	wantIDs(t, "owed by an unknown stage", page, nil)

	// CompleteWork ignores ids not owed (done already, unknown).
	check(t, "complete", h.CompleteWork(ctx(t), "dedup", []int64{all[0], all[2], all[6] + 100}))
	check(t, "complete again", h.CompleteWork(ctx(t), "dedup", []int64{all[0]}))
	check(t, "complete nothing", h.CompleteWork(ctx(t), "dedup", nil))
	wantIDs(t, "dedup owes after completing two", allOwed(t, h, "dedup"), slices.Concat(all[1:2], all[3:]))
	wantIDs(t, "story untouched by dedup's work", allOwed(t, h, "story"), all)

	// Registering again leaves known stages as they are and adds the new one.
	check(t, "register again", h.RegisterStages(ctx(t), []string{"dedup", "story", "tags"}))
	if c := owedCounts(t, h); !maps.Equal(c, map[string]int{"dedup": 5, "story": 7, "tags": 7}) {
		t.Errorf("owed after registering tags: %v, want dedup 5, story 7, tags 7", c)
	}
	st, err := h.Stats(ctx(t))
	check(t, "stats", err)
	if !maps.Equal(st.Pending, map[string]int{"dedup": 5, "story": 7, "tags": 7}) || st.PendingTotal() != 19 {
		t.Errorf("Stats.Pending = %v, want the owed counts", st.Pending)
	}

	// Done work stays done; OweAgain makes one stage owe everything.
	check(t, "complete all of story", h.CompleteWork(ctx(t), "story", all))
	if c := owedCounts(t, h); c["story"] != 0 {
		t.Errorf("story owes %d after completing all, want 0", c["story"])
	} else if _, ok := c["story"]; !ok {
		t.Errorf("OwedCounts %v leaves out a stage that owes nothing", c)
	}
	check(t, "owe again", h.OweAgain(ctx(t), "dedup"))
	if c := owedCounts(t, h); !maps.Equal(c, map[string]int{"dedup": 7, "story": 0, "tags": 7}) {
		t.Errorf("owed after OweAgain(dedup): %v, want dedup 7, story 0, tags 7", c)
	}
	// A new article is owed to every registered stage, once.
	id := seq(t, h, "c", "c", 10, 1)[0]
	check(t, "read", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		owed, err := tx.Owed(ctx(t), "story", []int64{all[0], id})
		if err == nil && !maps.Equal(owed, map[int64]bool{id: true}) {
			t.Errorf("story owes %v of [%d %d], want only the new one", owed, all[0], id)
		}
		return err
	}))
	if c := owedCounts(t, h); !maps.Equal(c, map[string]int{"dedup": 8, "story": 1, "tags": 8}) {
		t.Errorf("owed after one more article: %v", c)
	}
}

// testWorkSurvivesCrash saves through one handle, closes it without any
// stage having run (a process killed after the save), and finds the work
// still owed through a new handle, which can then complete it.
func testWorkSurvivesCrash(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup", "story"}))
	saved := seq(t, h, "a", "a", 0, 5)
	// Half of dedup's work done; a failed dedup batch and a failed story
	// transaction leave theirs owed.
	check(t, "complete some", h.CompleteWork(ctx(t), "dedup", saved[:2]))
	_ = h.DedupBatch(ctx(t), "dedup", saved[2:], func(marsad.DedupIndex) error { return fmt.Errorf("killed") })
	_ = h.StoryTx(ctx(t), func(tx marsad.StoryTx) error {
		if _, err := tx.Save(ctx(t), &marsad.StoryChanges{Stage: "story", Done: saved}); err != nil {
			return err
		}
		return fmt.Errorf("killed")
	})
	h.closed = true
	check(t, "close", h.Close())

	after := h.reopen(t)
	t.Cleanup(func() { after.Close() })
	if c := owedCounts(t, after); !maps.Equal(c, map[string]int{"dedup": 3, "story": 5}) {
		t.Errorf("owed after the crash, new handle: %v, want dedup 3, story 5", c)
	}
	wantIDs(t, "dedup owes after the crash", allOwed(t, after, "dedup"), sorted(saved[2:]))
	check(t, "complete dedup", after.DedupBatch(ctx(t), "dedup", saved[2:], func(marsad.DedupIndex) error { return nil }))
	var gen int64
	check(t, "complete story", after.StoryTx(ctx(t), func(tx marsad.StoryTx) error {
		var err error
		gen, err = tx.Save(ctx(t), &marsad.StoryChanges{Stage: "story", Done: saved})
		return err
	}))
	if c := owedCounts(t, after); c["dedup"] != 0 || c["story"] != 0 {
		t.Errorf("owed after completing through the new handle: %v, want 0", c)
	}
	// And a third handle sees it all.
	third := h.second(t)
	if c := owedCounts(t, third); c["dedup"] != 0 || c["story"] != 0 {
		t.Errorf("owed seen by a third handle: %v, want 0", c)
	}
	if g := generation(t, third); g != gen {
		t.Errorf("generation seen by a third handle = %d, want %d", g, gen)
	}
}

// testTwoWriters saves overlapping batches through two handles at once:
// every URL is stored once under one id, and every new article is owed
// once to each stage.
func testTwoWriters(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup", "story"}))
	other := h.second(t)
	const n, batch = 240, 20
	url := func(i int) string { return fmt.Sprintf("https://w.example/%d", i) }
	// Writer 0 saves 0..159 forward, writer 1 saves 80..239 backward: the
	// middle third is saved by both, in batches that overlap in part.
	plans := [2][][]int{}
	for start := 0; start < 160; start += batch {
		plans[0] = append(plans[0], span(start, start+batch))
	}
	for end := n; end > 80; end -= batch - 3 {
		plans[1] = append(plans[1], span(max(80, end-batch), end))
	}
	type result struct {
		url      int
		id       int64
		inserted bool
	}
	results := make([][]result, 2)
	parallel(t, 2, func(w int) error {
		for _, plan := range plans[w] {
			in := make([]*marsad.ArticleInput, len(plan))
			for i, u := range plan {
				in[i] = input(url(u), fmt.Sprintf("src%d", u%5), hour(u), "", "")
			}
			res, err := []marsad.Store{h, other}[w].SaveArticles(ctx(t), in)
			if err != nil {
				return fmt.Errorf("writer %d: %w", w, err)
			}
			for i, r := range res {
				results[w] = append(results[w], result{plan[i], r.ID, r.Inserted})
			}
		}
		return nil
	})
	idOf := map[int]int64{}
	inserted := map[int]int{}
	for _, rs := range results {
		for _, r := range rs {
			if prev, ok := idOf[r.url]; ok && prev != r.id {
				t.Errorf("URL %d got ids %d and %d", r.url, prev, r.id)
			}
			idOf[r.url] = r.id
			if r.inserted {
				inserted[r.url]++
			}
		}
	}
	for u := range n {
		if inserted[u] != 1 {
			t.Errorf("URL %d reported inserted %d times, want once", u, inserted[u])
		}
	}
	if cnt, err := other.CountArticles(ctx(t)); err != nil || cnt != n {
		t.Errorf("stored %d articles, %v; want %d", cnt, err, n)
	}
	var all []int64
	for u := range n {
		a, err := h.FindArticleByURL(ctx(t), url(u))
		check(t, "find by url", err)
		if a.ID != idOf[u] {
			t.Errorf("URL %d stored under %d, reported %d", u, a.ID, idOf[u])
		}
		all = append(all, a.ID)
	}
	slices.Sort(all)
	if len(slices.Compact(slices.Clone(all))) != n {
		t.Errorf("two URLs share an id")
	}
	for _, s := range []marsad.Store{h, other} {
		for _, stage := range []string{"dedup", "story"} {
			wantIDs(t, stage+" owes every article once", allOwed(t, s, stage), all)
		}
	}
}

// span returns from, from+1, …, to-1.
func span(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func testMeta(t *testing.T, h *harness) {
	v, err := h.Meta(ctx(t), "analyzer")
	check(t, "meta", err)
	if v != "" {
		t.Errorf("missing meta = %q, want empty", v)
	}
	check(t, "set", h.SetMeta(ctx(t), "analyzer", "6"))
	check(t, "set other", h.SetMeta(ctx(t), "other", "قيمة"))
	check(t, "overwrite", h.SetMeta(ctx(t), "analyzer", "7"))
	other := h.second(t)
	for key, want := range map[string]string{"analyzer": "7", "other": "قيمة", "none": ""} {
		for i, s := range []marsad.Store{h, other} {
			if got, err := s.Meta(ctx(t), key); err != nil || got != want {
				t.Errorf("handle %d: meta %s = %q, %v; want %q", i, key, got, err, want)
			}
		}
	}
}

func testDataVersion(t *testing.T, h *harness) {
	other := h.second(t)
	handles := []marsad.Store{h, other}
	versions := func() []int64 {
		t.Helper()
		out := make([]int64, len(handles))
		for i, s := range handles {
			v, err := s.DataVersion(ctx(t))
			check(t, "data version", err)
			out[i] = v
		}
		return out
	}
	before := versions()
	if again := versions(); !slices.Equal(before, again) {
		t.Errorf("data version changed without a write: %v → %v", before, again)
	}
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup", "story"}))
	var ids []int64
	var feed marsad.Feed
	// Each write, through either handle, changes what both handles report.
	writes := []struct {
		name  string
		write func(s marsad.Store) error
	}{
		{"save articles", func(s marsad.Store) error {
			ids = seq(t, s, "v", "a", 0, 3)
			return nil
		}},
		{"a copy link", func(s marsad.Store) error {
			return s.DedupBatch(ctx(t), "dedup", ids, func(ix marsad.DedupIndex) error {
				return ix.Put(ctx(t), []marsad.DedupEntry{entry(ids[0], "a", 0, 0, 1), entry(ids[1], "a", 1, ids[0], 1)},
					[][]int64{{1}, {1}})
			})
		}},
		{"stories", func(s marsad.Store) error {
			return s.StoryTx(ctx(t), func(tx marsad.StoryTx) error {
				_, err := tx.Save(ctx(t), &marsad.StoryChanges{Stage: "story", Assigned: map[int64]int64{ids[0]: 1},
					Stories: []*marsad.StoryRecord{storyRecord(1, "س", ids[0], hour(0), hour(0), 1, "a")}, Done: ids})
				return err
			})
		}},
		{"clear stories", func(s marsad.Store) error { return s.ClearStories(ctx(t), hour(0), hour(1)) }},
		{"create a feed", func(s marsad.Store) error {
			feed = marsad.Feed{URL: "https://a.example/rss", Source: "a"}
			return s.CreateFeed(ctx(t), &feed)
		}},
		{"update a feed", func(s marsad.Store) error {
			title := "جديد"
			_, err := s.UpdateFeed(ctx(t), feed.ID, marsad.FeedUpdate{Title: &title})
			return err
		}},
		{"delete a feed", func(s marsad.Store) error { return s.DeleteFeed(ctx(t), feed.ID) }},
	}
	for i, w := range writes {
		check(t, w.name, w.write(handles[i%2]))
		after := versions()
		for j := range handles {
			if after[j] == before[j] {
				t.Errorf("after %s through handle %d: handle %d still reports data version %d", w.name, i%2, j, after[j])
			}
		}
		before = after
	}
}

func testStats(t *testing.T, h *harness) {
	st, err := h.Stats(ctx(t))
	check(t, "stats of an empty store", err)
	if st.Articles != 0 || st.Sources != 0 || st.Feeds != 0 || st.Stories != 0 || st.Copies != 0 || st.PendingTotal() != 0 {
		t.Errorf("stats of an empty store: %+v", st)
	}
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup"}))
	x := seq(t, h, "a", "a", 0, 3)
	seq(t, h, "b", "b", 3, 1)
	check(t, "feed", h.CreateFeed(ctx(t), &marsad.Feed{URL: "https://c.example/rss", Source: "c"}))
	linkCopies(t, h, x[0], x[1])
	saveStories(t, h, &marsad.StoryChanges{Stage: "story", Assigned: map[int64]int64{x[0]: 1},
		Stories: []*marsad.StoryRecord{storyRecord(1, "س", x[0], hour(0), hour(0), 1, "a")}})
	st, err = h.Stats(ctx(t))
	check(t, "stats", err)
	want := marsad.Stats{Articles: 4, Sources: 3, Feeds: 1, Stories: 1, Copies: 1, Pending: map[string]int{"dedup": 4}}
	if st.Articles != want.Articles || st.Sources != want.Sources || st.Feeds != want.Feeds || st.Stories != want.Stories ||
		st.Copies != want.Copies || !maps.Equal(st.Pending, want.Pending) {
		t.Errorf("stats %+v, want %+v", st, want)
	}
}
