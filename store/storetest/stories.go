package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// storyRecord returns a story record with the given members' outlets and
// a state blob that names it.
func storyRecord(id int64, title string, titleArticle int64, first, last time.Time, articles int, sources ...string) *marsad.StoryRecord {
	return &marsad.StoryRecord{
		Story: marsad.Story{ID: id, Title: title, TitleArticleID: titleArticle, FirstSeen: first, LastSeen: last,
			Articles: articles, Outlets: len(sources), Sources: sources},
		Sources: sources,
		State:   []byte{byte(id), 0, byte(articles), 0xfe},
	}
}

// inStoryTx runs fn in a story transaction (run is StoryTx or StoryRead)
// and returns its value, failing the test on error.
func inStoryTx[T any](t *testing.T, what string, run func(context.Context, func(marsad.StoryTx) error) error, fn func(marsad.StoryTx) (T, error)) T {
	t.Helper()
	var v T
	check(t, what, run(ctx(t), func(tx marsad.StoryTx) error {
		var err error
		v, err = fn(tx)
		return err
	}))
	return v
}

// saveStories runs one story transaction that saves ch and returns the
// new generation.
func saveStories(t *testing.T, s marsad.Store, ch *marsad.StoryChanges) int64 {
	t.Helper()
	return inStoryTx(t, "story save", s.StoryTx, func(tx marsad.StoryTx) (int64, error) { return tx.Save(ctx(t), ch) })
}

// generation reads the story generation in a read transaction.
func generation(t *testing.T, s marsad.Store) int64 {
	t.Helper()
	return inStoryTx(t, "generation", s.StoryRead, func(tx marsad.StoryTx) (int64, error) { return tx.Generation(ctx(t)) })
}

func nextStoryID(t *testing.T, s marsad.Store) int64 {
	t.Helper()
	return inStoryTx(t, "next story id", s.StoryRead, func(tx marsad.StoryTx) (int64, error) { return tx.NextStoryID(ctx(t)) })
}

// storyIDs returns each article's StoryID as stored.
func storyIDs(t *testing.T, s marsad.Store, ids ...int64) []int64 {
	t.Helper()
	return articleFields(t, s, func(a *marsad.Article) int64 { return a.StoryID }, ids...)
}

// storyFixture stores six articles and places them in four stories:
//
//	S  = a1 (a, h0), a2 (b, h1), a3 (a, h2)   last seen h2
//	S1 = a4 (c, h5)                           last seen h5
//	S2 = a5 (b, h30)                          last seen h30
//	S3 = a6 (d, h5)                           last seen h5, ties S1
//
// with S = NextStoryID of the empty store. The story stage is registered
// and its work done for all but a5.
type storyFixture struct {
	a    []int64 // a[1]..a[6]; a[0] unused
	s    int64   // S; S1 = s+1 …
	gen0 int64   // generation before the save
	gen1 int64   // generation of the save
}

func newStoryFixture(t *testing.T, h *harness) *storyFixture {
	t.Helper()
	check(t, "register", h.RegisterStages(ctx(t), []string{"story"}))
	got := saveAt(t, h, "a", at{"a", 0}, at{"b", 1}, at{"a", 2}, at{"c", 5}, at{"b", 30}, at{"d", 5})
	f := &storyFixture{a: append([]int64{0}, got...)}
	f.s = nextStoryID(t, h)
	if f.s <= 0 {
		t.Fatalf("NextStoryID of an empty store = %d, want > 0", f.s)
	}
	f.gen0 = generation(t, h)
	a, s := f.a, f.s
	f.gen1 = saveStories(t, h, &marsad.StoryChanges{
		Stage:    "story",
		Assigned: map[int64]int64{a[1]: s, a[2]: s, a[3]: s, a[4]: s + 1, a[5]: s + 2, a[6]: s + 3},
		Stories: []*marsad.StoryRecord{
			storyRecord(s, "قصة أولى", a[2], hour(0), hour(2), 3, "a", "b"),
			storyRecord(s+1, "قصة ثانية", a[4], hour(5), hour(5), 1, "c"),
			storyRecord(s+2, "قصة ثالثة", a[5], hour(30), hour(30), 1, "b"),
			storyRecord(s+3, "قصة رابعة", a[6], hour(5), hour(5), 1, "d"),
		},
		Counted:       got,
		Done:          []int64{a[1], a[2], a[3], a[4], a[6]},
		CheckpointKey: "docfreq",
		Checkpoint:    []byte("checkpoint 1"),
	})
	return f
}

func testStorySave(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	a, s := f.a, f.s
	wantIDs(t, "articles' stories", storyIDs(t, h, a[1:]...), []int64{s, s, s, s + 1, s + 2, s + 3})
	got, err := h.FindStoryByID(ctx(t), s)
	check(t, "find story", err)
	if got.ID != s || got.Title != "قصة أولى" || got.TitleArticleID != a[2] || !got.FirstSeen.Equal(hour(0)) ||
		!got.LastSeen.Equal(hour(2)) || got.Articles != 3 || got.Outlets != 2 || !slices.Equal(got.Sources, []string{"a", "b"}) {
		t.Errorf("story read back: %+v", got)
	}
	_, err = h.FindStoryByID(ctx(t), s+10)
	wantCode(t, "find a missing story", err, marsad.ENOTFOUND)
	members, total, err := h.FindArticles(ctx(t), marsad.ArticleFilter{StoryID: &s})
	check(t, "members", err)
	wantIDs(t, "members of S", ids(members), a[1:4])
	if total != 3 {
		t.Errorf("members total %d, want 3", total)
	}
	wantIDs(t, "story work left", allOwed(t, h, "story"), a[5:6])
	check(t, "read", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		owed, err := tx.Owed(ctx(t), "story", a[1:])
		if err != nil {
			return err
		}
		if len(owed) != 1 || !owed[a[5]] {
			t.Errorf("Owed in a story transaction: %v, want only a5", owed)
		}
		// Stories seen in [h2, h30): S (h2), S1 and S3 (h5), by id, with state.
		seen, err := tx.StoriesSeen(ctx(t), hour(2), hour(30))
		if err != nil {
			return err
		}
		var seenIDs []int64
		for _, r := range seen {
			seenIDs = append(seenIDs, r.ID)
		}
		wantIDs(t, "stories seen in [h2, h30)", seenIDs, []int64{s, s + 1, s + 3})
		if len(seen) == 3 {
			want := storyRecord(s+3, "قصة رابعة", a[6], hour(5), hour(5), 1, "d")
			r := seen[2]
			if !bytes.Equal(r.State, want.State) || !slices.Equal(r.Sources, want.Sources) || r.Title != want.Title ||
				r.Articles != 1 || !r.LastSeen.Equal(hour(5)) || r.TitleArticleID != a[6] {
				t.Errorf("story record read back %+v, want %+v", r, want)
			}
		}
		return nil
	}))
	st, err := h.Stats(ctx(t))
	check(t, "stats", err)
	if st.Stories != 4 {
		t.Errorf("Stats.Stories = %d, want 4", st.Stories)
	}
}

func testFindStories(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	s := f.s
	checkPages(t, []pageCase[marsad.StoryFilter]{
		{"latest first, then id", marsad.StoryFilter{}, []int64{s + 2, s + 1, s + 3, s}, 4},
		{"a page", marsad.StoryFilter{Offset: 1, Limit: 2}, []int64{s + 1, s + 3}, 4},
		{"offset only", marsad.StoryFilter{Offset: 2}, []int64{s + 3, s}, 4},
		{"past the end", marsad.StoryFilter{Offset: 4, Limit: 2}, nil, 4},
		{"last seen in [h2, h5): From inclusive, To exclusive", marsad.StoryFilter{From: hour(2), To: hour(5)}, []int64{s}, 1},
		{"at least two articles", marsad.StoryFilter{MinArticles: 2}, []int64{s}, 1},
		{"with an article of b", marsad.StoryFilter{Source: "b"}, []int64{s + 2, s}, 2},
		{"of an outlet with no story", marsad.StoryFilter{Source: "zz"}, nil, 0},
		{"filters together", marsad.StoryFilter{Source: "b", From: hour(3), Limit: 5}, []int64{s + 2}, 1},
	}, func(f marsad.StoryFilter) ([]*marsad.Story, int, error) { return h.FindStories(ctx(t), f) },
		func(st *marsad.Story) int64 { return st.ID })
}

func testStoryMerge(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	a, s := f.a, f.s
	if n := nextStoryID(t, h); n != s+4 {
		t.Errorf("NextStoryID after stories %d..%d = %d, want %d", s, s+3, n, s+4)
	}
	// S3, the highest id, merges into S1.
	saveStories(t, h, &marsad.StoryChanges{Stage: "story",
		Merged:  map[int64]int64{s + 3: s + 1},
		Stories: []*marsad.StoryRecord{storyRecord(s+1, "قصة ثانية", a[4], hour(5), hour(5), 2, "c", "d")}})
	wantIDs(t, "articles' stories after the merge", storyIDs(t, h, a[1:]...), []int64{s, s, s, s + 1, s + 2, s + 1})
	_, err := h.FindStoryByID(ctx(t), s+3)
	wantCode(t, "find a merged story", err, marsad.ENOTFOUND)
	got, err := h.FindStoryByID(ctx(t), s+1)
	check(t, "find the merged-into story", err)
	if got.Articles != 2 || got.Outlets != 2 || !slices.Equal(got.Sources, []string{"c", "d"}) {
		t.Errorf("story after merge: %+v", got)
	}
	// An id once stored is never given again, even when its story is gone:
	// a link to the merged story must not lead to another one.
	if n := nextStoryID(t, h); n != s+4 {
		t.Errorf("NextStoryID after the highest story merged away = %d, want %d (one more than the highest ever stored)", n, s+4)
	}
	// A new story takes the next id and keeps its members.
	saveStories(t, h, &marsad.StoryChanges{Stage: "story", Assigned: map[int64]int64{a[5]: s + 4},
		Merged:  map[int64]int64{s + 2: s + 4},
		Stories: []*marsad.StoryRecord{storyRecord(s+4, "قصة خامسة", a[5], hour(30), hour(30), 1, "b")}, Done: []int64{a[5]}})
	if n := nextStoryID(t, h); n != s+5 {
		t.Errorf("NextStoryID = %d, want %d", n, s+5)
	}
	wantIDs(t, "story of a5", storyIDs(t, h, a[5]), []int64{s + 4})
	if c := owedCounts(t, h); c["story"] != 0 {
		t.Errorf("story work owed after the last save: %d, want 0", c["story"])
	}
	if st, _, err := h.FindStories(ctx(t), marsad.StoryFilter{}); err != nil || len(st) != 3 {
		t.Errorf("stories after two merges: %d, %v; want 3", len(st), err)
	}
}

func testStoryGeneration(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	a := f.a
	if f.gen1 == f.gen0 {
		t.Fatalf("Save returned generation %d, unchanged", f.gen1)
	}
	if g := generation(t, h); g != f.gen1 {
		t.Errorf("Generation after a save = %d, want what Save returned (%d)", g, f.gen1)
	}
	check(t, "read", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		blob, gen, err := tx.Checkpoint(ctx(t), "docfreq")
		if err != nil {
			return err
		}
		if string(blob) != "checkpoint 1" || gen != f.gen1 {
			t.Errorf("checkpoint = %q at %d, want %q at %d", blob, gen, "checkpoint 1", f.gen1)
		}
		blob, gen, err = tx.Checkpoint(ctx(t), "none")
		if err != nil {
			return err
		}
		if blob != nil || gen != 0 {
			t.Errorf("missing checkpoint = %q at %d, want nil at 0", blob, gen)
		}
		all, err := tx.CountedSince(ctx(t), f.gen0)
		if err != nil {
			return err
		}
		wantIDs(t, "counted since before the save", all, a[1:])
		none, err := tx.CountedSince(ctx(t), f.gen1)
		if err != nil {
			return err
		}
		wantIDs(t, "counted since the save", none, nil)
		return nil
	}))

	// A save without a checkpoint keeps the old one; what it counts is
	// stamped with its own generation.
	gen2 := saveStories(t, h, &marsad.StoryChanges{Stage: "story", Counted: []int64{a[6], a[2]}})
	if gen2 == f.gen1 || gen2 == f.gen0 {
		t.Errorf("second save: generation %d, want a new one (had %d, %d)", gen2, f.gen0, f.gen1)
	}
	gen3 := saveStories(t, h, &marsad.StoryChanges{Stage: "story"}) // even an empty save
	if gen3 == gen2 || gen3 == f.gen1 {
		t.Errorf("empty save: generation %d, want a new one", gen3)
	}
	check(t, "read", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		_, gen, err := tx.Checkpoint(ctx(t), "docfreq")
		if err != nil {
			return err
		}
		if gen != f.gen1 {
			t.Errorf("checkpoint after saves without one: at %d, want %d", gen, f.gen1)
		}
		since, err := tx.CountedSince(ctx(t), f.gen1)
		if err != nil {
			return err
		}
		wantIDs(t, "counted since the first save", since, []int64{a[2], a[6]})
		return nil
	}))
	gen4 := saveStories(t, h, &marsad.StoryChanges{Stage: "story", CheckpointKey: "docfreq", Checkpoint: []byte("checkpoint 2")})
	check(t, "read", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		blob, gen, err := tx.Checkpoint(ctx(t), "docfreq")
		if err != nil {
			return err
		}
		if string(blob) != "checkpoint 2" || gen != gen4 {
			t.Errorf("replaced checkpoint = %q at %d, want %q at %d", blob, gen, "checkpoint 2", gen4)
		}
		since, err := tx.CountedSince(ctx(t), gen4)
		if err != nil {
			return err
		}
		wantIDs(t, "counted since the new checkpoint", since, nil)
		return nil
	}))
	// Another handle sees the same generation.
	if g := generation(t, h.second(t)); g != gen4 {
		t.Errorf("generation through a second handle = %d, want %d", g, gen4)
	}
}

func testStoryReadRefusesSave(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	a := f.a
	err := h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		_, err := tx.Save(ctx(t), &marsad.StoryChanges{Stage: "story", Assigned: map[int64]int64{a[5]: f.s}, Done: []int64{a[5]}})
		return err
	})
	wantCode(t, "save in a read transaction", err, marsad.EINVALID)
	if g := generation(t, h); g != f.gen1 {
		t.Errorf("generation after a refused save = %d, want %d", g, f.gen1)
	}
	wantIDs(t, "story of a5 after a refused save", storyIDs(t, h, a[5]), []int64{f.s + 2})
	wantIDs(t, "story work after a refused save", allOwed(t, h, "story"), a[5:6])
}

func testStoryFailedTx(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	a, s := f.a, f.s
	boom := errors.New("stage failed")
	err := h.StoryTx(ctx(t), func(tx marsad.StoryTx) error {
		if _, err := tx.Save(ctx(t), &marsad.StoryChanges{Stage: "story",
			Assigned: map[int64]int64{a[5]: s}, Merged: map[int64]int64{s + 1: s},
			Stories: []*marsad.StoryRecord{storyRecord(s+9, "x", a[5], hour(30), hour(30), 1, "b")},
			Done:    []int64{a[5]}, CheckpointKey: "docfreq", Checkpoint: []byte("lost")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("failed transaction returned %v, want the stage's error", err)
	}
	if g := generation(t, h); g != f.gen1 {
		t.Errorf("generation after a failed transaction = %d, want %d", g, f.gen1)
	}
	wantIDs(t, "stories after a failed transaction", storyIDs(t, h, a[1:]...), []int64{s, s, s, s + 1, s + 2, s + 3})
	for _, id := range []int64{s + 1} {
		if _, err := h.FindStoryByID(ctx(t), id); err != nil {
			t.Errorf("story %d after a failed merge: %v", id, err)
		}
	}
	_, err = h.FindStoryByID(ctx(t), s+9)
	wantCode(t, "story of a failed transaction", err, marsad.ENOTFOUND)
	wantIDs(t, "story work after a failed transaction", allOwed(t, h, "story"), a[5:6])
	check(t, "read", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		blob, _, err := tx.Checkpoint(ctx(t), "docfreq")
		if err == nil && string(blob) != "checkpoint 1" {
			t.Errorf("checkpoint after a failed transaction: %q", blob)
		}
		return err
	}))
}

func testCopyStories(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"story"}))
	// c1 with copies c2, c3: c1 placed in story 5. d1 with copy d2, none
	// placed. e1 alone, placed.
	got := saveAt(t, h, "c", at{"a", 0}, at{"b", 1}, at{"c", 2}, at{"a", 3}, at{"b", 4}, at{"a", 5})
	c1, c2, c3, d1, d2, e1 := got[0], got[1], got[2], got[3], got[4], got[5]
	linkCopies(t, h, c1, c2, c3)
	linkCopies(t, h, d1, d2)
	saveStories(t, h, &marsad.StoryChanges{Stage: "story", Assigned: map[int64]int64{c1: 5, e1: 6},
		Stories: []*marsad.StoryRecord{storyRecord(5, "c", c1, hour(0), hour(0), 1, "a"),
			storyRecord(6, "e", e1, hour(5), hour(5), 1, "a")}})
	check(t, "copy stories", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		canon, story, err := tx.CopyStories(ctx(t), []int64{c2, c1, d1, d2, e1})
		if err != nil {
			return err
		}
		wantCanon := map[int64]int64{c2: c1, c1: c1, d1: d1, d2: d1}
		if len(canon) != len(wantCanon) {
			t.Errorf("canonical map %v, want %v (e1 has no copies)", canon, wantCanon)
		}
		for a, c := range wantCanon {
			if canon[a] != c {
				t.Errorf("canonical of %d = %d, want %d", a, canon[a], c)
			}
		}
		for a, st := range map[int64]int64{c2: 5, c1: 5, d1: 0, d2: 0, e1: 0} {
			if story[a] != st {
				t.Errorf("story of the copy group of %d = %d, want %d", a, story[a], st)
			}
		}
		return nil
	}))
}

// testCopyStoriesLowest checks that a copy group's story is the lowest
// story among its placed members, whichever member holds it, and that a
// group of many copies answers the same (the lookup seeks instead of
// reading every member).
func testCopyStoriesLowest(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"story"}))
	var ats []at
	for i := range 40 {
		ats = append(ats, at{string(rune('a' + i%5)), i})
	}
	got := saveAt(t, h, "g", ats...)
	// f = got[0] with 30 copies, f itself unplaced; copies placed in
	// stories 9, 7 and 8 (7, the lowest, is the group's story). g =
	// got[31] with copies got[32..], only g placed, in story 3.
	f, fc := got[0], got[1:31]
	g, gc := got[31], got[32:]
	linkCopies(t, h, f, fc...)
	linkCopies(t, h, g, gc...)
	assigned := map[int64]int64{g: 3}
	for i, c := range fc {
		switch {
		case i%3 == 0:
			assigned[c] = 9
		case i == 7:
			assigned[c] = 7
		case i%3 == 1:
			assigned[c] = 8
		}
	}
	saveStories(t, h, &marsad.StoryChanges{Stage: "story", Assigned: assigned,
		Stories: []*marsad.StoryRecord{storyRecord(3, "g", g, hour(31), hour(39), 1, "b"),
			storyRecord(7, "f7", fc[7], hour(8), hour(8), 1, "a"),
			storyRecord(8, "f8", fc[1], hour(2), hour(29), 9, "c"),
			storyRecord(9, "f9", fc[0], hour(1), hour(28), 10, "b")}})
	check(t, "copy stories", h.StoryRead(ctx(t), func(tx marsad.StoryTx) error {
		canon, story, err := tx.CopyStories(ctx(t), []int64{f, fc[2], fc[29], g, gc[3]})
		if err != nil {
			return err
		}
		for a, want := range map[int64][2]int64{f: {f, 7}, fc[2]: {f, 7}, fc[29]: {f, 7}, g: {g, 3}, gc[3]: {g, 3}} {
			if canon[a] != want[0] || story[a] != want[1] {
				t.Errorf("article %d: canonical %d, story %d; want %d and %d (the lowest story of the group)", a, canon[a], story[a], want[0], want[1])
			}
		}
		return nil
	}))
}

func testClearStories(t *testing.T, h *harness) {
	f := newStoryFixture(t, h)
	a, s := f.a, f.s
	// Detach what was published in [h1, h6): a2, a3 of S, a4 (all of S1),
	// a6 (all of S3). S keeps a1; S2 (a5, h30) is untouched.
	check(t, "clear", h.ClearStories(ctx(t), hour(1), hour(6)))
	wantIDs(t, "articles' stories after the clear", storyIDs(t, h, a[1:]...), []int64{s, 0, 0, 0, s + 2, 0})
	for _, id := range []int64{s + 1, s + 3} {
		_, err := h.FindStoryByID(ctx(t), id)
		wantCode(t, "a story left without members", err, marsad.ENOTFOUND)
	}
	got, err := h.FindStoryByID(ctx(t), s)
	check(t, "find the story that kept a member", err)
	if got.Articles != 1 || got.Outlets != 1 || !slices.Equal(got.Sources, []string{"a"}) ||
		!got.FirstSeen.Equal(hour(0)) || !got.LastSeen.Equal(hour(0)) {
		t.Errorf("story after the clear: %+v, want 1 article of a at h0", got)
	}
	untouched, err := h.FindStoryByID(ctx(t), s+2)
	check(t, "find the untouched story", err)
	if untouched.Articles != 1 || !slices.Equal(untouched.Sources, []string{"b"}) || !untouched.LastSeen.Equal(hour(30)) {
		t.Errorf("untouched story: %+v", untouched)
	}
	if g := generation(t, h); g == f.gen1 {
		t.Errorf("generation unchanged by ClearStories (%d): running stages would not reload", g)
	}
	st, err := h.Stats(ctx(t))
	check(t, "stats", err)
	if st.Stories != 2 {
		t.Errorf("Stats.Stories after the clear = %d, want 2", st.Stories)
	}
	listed, total, err := h.FindStories(ctx(t), marsad.StoryFilter{Source: "b"})
	check(t, "find stories of b", err)
	if total != 1 || len(listed) != 1 || listed[0].ID != s+2 {
		t.Errorf("stories of b after the clear: %v (total %d), want only S2", listed, total)
	}

	// The rebuild places the detached articles again: S takes a2, a3 back
	// with a new member count and outlets, the others a new story.
	next := nextStoryID(t, h)
	if next <= s+3 {
		t.Errorf("NextStoryID after the clear = %d, want above %d (ids are not reused)", next, s+3)
	}
	saveStories(t, h, &marsad.StoryChanges{Stage: "story",
		Assigned: map[int64]int64{a[2]: s, a[3]: s, a[4]: next, a[6]: next},
		Stories: []*marsad.StoryRecord{storyRecord(s, "قصة أولى", a[2], hour(0), hour(2), 3, "a", "b"),
			storyRecord(next, "جديدة", a[4], hour(5), hour(5), 2, "c", "d")}})
	wantIDs(t, "articles' stories after the rebuild", storyIDs(t, h, a[1:]...), []int64{s, s, s, next, s + 2, next})
	list, total, err := h.FindStories(ctx(t), marsad.StoryFilter{})
	check(t, "find stories", err)
	var order []int64
	for _, st := range list {
		order = append(order, st.ID)
	}
	wantIDs(t, "stories after the rebuild, latest first", order, []int64{s + 2, next, s})
	if total != 3 {
		t.Errorf("stories after the rebuild: total %d, want 3", total)
	}
}

// testStoryWriters saves stories through two handles at once: every save
// gets a generation of its own, and the store ends at one of them.
func testStoryWriters(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"story"}))
	other := h.second(t)
	const perWriter = 8
	art := seq(t, h, "w", "a", 0, 2*perWriter)
	gens := make([][]int64, 2)
	parallel(t, 2, func(w int) error {
		s := []marsad.Store{h, other}[w]
		for i := range perWriter {
			a := art[w*perWriter+i]
			id := int64(100*(w+1) + i)
			err := s.StoryTx(ctx(t), func(tx marsad.StoryTx) error {
				gen, err := tx.Save(ctx(t), &marsad.StoryChanges{Stage: "story", Assigned: map[int64]int64{a: id},
					Stories: []*marsad.StoryRecord{storyRecord(id, "س", a, hour(0), hour(0), 1, "a")}, Done: []int64{a}})
				gens[w] = append(gens[w], gen)
				return err
			})
			if err != nil {
				return fmt.Errorf("writer %d: %w", w, err)
			}
		}
		return nil
	})
	all := slices.Concat(gens[0], gens[1])
	slices.Sort(all)
	if len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Errorf("generations of %d saves by two writers: %v, want all different", len(all), all)
	}
	if g := generation(t, h); !slices.Contains(all, g) {
		t.Errorf("generation after the saves = %d, want one the saves returned (%v)", g, all)
	}
	if c := owedCounts(t, h); c["story"] != 0 {
		t.Errorf("story work owed after both writers: %d, want 0", c["story"])
	}
	if st, _, err := h.FindStories(ctx(t), marsad.StoryFilter{}); err != nil || len(st) != 2*perWriter {
		t.Errorf("stories after both writers: %d, %v; want %d", len(st), err, 2*perWriter)
	}
	if n := nextStoryID(t, other); n != 200+perWriter {
		t.Errorf("NextStoryID = %d, want %d", n, 200+perWriter)
	}
}
