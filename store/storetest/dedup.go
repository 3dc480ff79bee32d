package storetest

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"testing"

	"github.com/marsad/marsad"
)

// dedupCorpus registers the dedup stage and stores five articles of
// sources a, b, c, a, e, an hour apart.
func dedupCorpus(t *testing.T, h *harness) []int64 {
	t.Helper()
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup"}))
	return saveAt(t, h, "x", at{"a", 0}, at{"b", 1}, at{"c", 2}, at{"a", 3}, at{"e", 4})
}

func entry(id int64, src string, hr int, canonical int64, sketch ...byte) marsad.DedupEntry {
	return marsad.DedupEntry{ID: id, Source: src, Published: hour(hr), Sketch: sketch, CanonicalID: canonical}
}

// canonicals returns each article's CanonicalID as stored.
func canonicals(t *testing.T, s marsad.Store, ids ...int64) []int64 {
	t.Helper()
	return articleFields(t, s, func(a *marsad.Article) int64 { return a.CanonicalID }, ids...)
}

func copyCount(t *testing.T, s marsad.Store) int {
	t.Helper()
	st, err := s.Stats(ctx(t))
	check(t, "stats", err)
	return st.Copies
}

func testDedupPut(t *testing.T, h *harness) {
	x := dedupCorpus(t, h)
	sketch3 := []byte{0, 1, 2, 0xff, 0, 7} // arbitrary bytes, zeros included
	err := h.DedupBatch(ctx(t), "dedup", x[:3], func(ix marsad.DedupIndex) error {
		if got, err := ix.Indexed(ctx(t), x); err != nil || len(got) != 0 {
			t.Errorf("indexed before any put: %v, %v", got, err)
		}
		if err := ix.Put(ctx(t), []marsad.DedupEntry{entry(x[0], "a", 0, 0, 9, 9), entry(x[1], "b", 1, x[0], 8),
			entry(x[2], "c", 2, x[0], sketch3...)}, [][]int64{{10, 20}, {10}, {20, -30}}); err != nil {
			return err
		}
		// Inside the transaction the batch's own writes are visible.
		got, err := ix.Indexed(ctx(t), x)
		if err != nil {
			return err
		}
		if len(got) != 3 || !got[x[0]] || !got[x[2]] {
			t.Errorf("indexed after put, same transaction: %v", got)
		}
		return nil
	})
	check(t, "dedup batch", err)
	wantIDs(t, "canonical ids", canonicals(t, h, x...), []int64{0, x[0], x[0], 0, 0})
	if n := copyCount(t, h); n != 2 {
		t.Errorf("Stats.Copies = %d, want 2", n)
	}
	wantIDs(t, "dedup work left", allOwed(t, h, "dedup"), x[3:])

	for _, tt := range []struct {
		of   int64
		want []int64
	}{
		{x[1], []int64{x[0], x[2]}}, // its canonical and the other copy, oldest first
		{x[0], []int64{x[1], x[2]}}, // a canonical's copies
		{x[2], []int64{x[0], x[1]}}, //
		{x[4], nil},                 // no copies: empty
	} {
		got, err := h.FindCopies(ctx(t), tt.of)
		check(t, "find copies", err)
		wantIDs(t, "copies of an article", ids(got), tt.want)
		for _, a := range got {
			if a.Title == "" || a.Source == "" {
				t.Errorf("copy %d without title or source: %+v", a.ID, a)
			}
		}
	}

	err = h.DedupBatch(ctx(t), "dedup", nil, func(ix marsad.DedupIndex) error {
		posts, err := ix.Postings(ctx(t), []int64{10, -30, 99})
		if err != nil {
			return err
		}
		slices.SortFunc(posts, func(a, b marsad.DedupPosting) int {
			return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.ID, b.ID))
		})
		want := []marsad.DedupPosting{{Key: -30, ID: x[2]}, {Key: 10, ID: x[0]}, {Key: 10, ID: x[1]}}
		if !slices.Equal(posts, want) {
			t.Errorf("postings %v, want %v", posts, want)
		}
		ents, err := ix.Entries(ctx(t), []int64{x[2], x[0], x[4]})
		if err != nil {
			return err
		}
		slices.SortFunc(ents, func(a, b marsad.DedupEntry) int { return cmp.Compare(a.ID, b.ID) })
		if len(ents) != 2 {
			t.Fatalf("entries of two indexed and one unknown id: %+v", ents)
		}
		for i, want := range []marsad.DedupEntry{entry(x[0], "a", 0, 0, 9, 9), entry(x[2], "c", 2, x[0], sketch3...)} {
			got := ents[i]
			if got.ID != want.ID || got.Source != want.Source || !got.Published.Equal(want.Published) ||
				got.CanonicalID != want.CanonicalID || !bytes.Equal(got.Sketch, want.Sketch) {
				t.Errorf("entry %+v, want %+v", got, want)
			}
		}
		// A second Put of an indexed article leaves it as it is.
		return ix.Put(ctx(t), []marsad.DedupEntry{entry(x[1], "b", 1, x[4], 1)}, [][]int64{{77}})
	})
	check(t, "second batch", err)
	wantIDs(t, "canonical ids after a second put of x2", canonicals(t, h, x...), []int64{0, x[0], x[0], 0, 0})
	check(t, "read entries", h.DedupBatch(ctx(t), "dedup", nil, func(ix marsad.DedupIndex) error {
		ents, err := ix.Entries(ctx(t), []int64{x[1]})
		if err != nil {
			return err
		}
		if len(ents) != 1 || ents[0].CanonicalID != x[0] || !bytes.Equal(ents[0].Sketch, []byte{8}) {
			t.Errorf("entry of x2 after a second put: %+v, want it unchanged", ents)
		}
		posts, err := ix.Postings(ctx(t), []int64{77})
		if err != nil {
			return err
		}
		if len(posts) != 0 {
			t.Errorf("postings of the second put's key: %v, want none", posts)
		}
		return nil
	}))
}

func testDedupRelink(t *testing.T, h *harness) {
	x := dedupCorpus(t, h)
	check(t, "put", h.DedupBatch(ctx(t), "dedup", x[:3], func(ix marsad.DedupIndex) error {
		return ix.Put(ctx(t), []marsad.DedupEntry{entry(x[0], "a", 0, 0, 1), entry(x[1], "b", 1, x[0], 1),
			entry(x[2], "c", 2, x[0], 1)}, [][]int64{{1}, {1}, {1}})
	}))
	// x4 turns out to be the group's original: the group moves to it.
	check(t, "relink", h.DedupBatch(ctx(t), "dedup", x[3:4], func(ix marsad.DedupIndex) error {
		if err := ix.Put(ctx(t), []marsad.DedupEntry{entry(x[3], "a", 3, 0, 1)}, [][]int64{{1}}); err != nil {
			return err
		}
		return ix.Relink(ctx(t), x[0], x[3])
	}))
	wantIDs(t, "canonical ids after relink", canonicals(t, h, x...), []int64{x[3], x[3], x[3], 0, 0})
	if n := copyCount(t, h); n != 3 {
		t.Errorf("Stats.Copies = %d, want 3", n)
	}
	copies, err := h.FindCopies(ctx(t), x[3])
	check(t, "find copies", err)
	wantIDs(t, "copies of the new canonical", ids(copies), x[:3])
	copies, err = h.FindCopies(ctx(t), x[1])
	check(t, "find copies", err)
	wantIDs(t, "copies of a member, oldest first", ids(copies), []int64{x[0], x[2], x[3]})
	check(t, "entries", h.DedupBatch(ctx(t), "dedup", nil, func(ix marsad.DedupIndex) error {
		ents, err := ix.Entries(ctx(t), x[:4])
		if err != nil {
			return err
		}
		for _, e := range ents {
			want := x[3]
			if e.ID == x[3] {
				want = 0
			}
			if e.CanonicalID != want {
				t.Errorf("entry %d after relink: canonical %d, want %d", e.ID, e.CanonicalID, want)
			}
		}
		return nil
	}))
	wantIDs(t, "dedup work left", allOwed(t, h, "dedup"), x[4:])

	// A member of the group becomes its canonical: it links to nothing.
	check(t, "relink to a member", h.DedupBatch(ctx(t), "dedup", nil, func(ix marsad.DedupIndex) error {
		return ix.Relink(ctx(t), x[3], x[1])
	}))
	wantIDs(t, "canonical ids after relinking to a member", canonicals(t, h, x...), []int64{x[1], 0, x[1], x[1], 0})
	copies, err = h.FindCopies(ctx(t), x[1])
	check(t, "find copies", err)
	wantIDs(t, "copies of the member made canonical", ids(copies), []int64{x[0], x[2], x[3]})
}

func testDedupFailedBatch(t *testing.T, h *harness) {
	x := dedupCorpus(t, h)
	boom := errors.New("stage failed")
	err := h.DedupBatch(ctx(t), "dedup", x, func(ix marsad.DedupIndex) error {
		if err := ix.Put(ctx(t), []marsad.DedupEntry{entry(x[0], "a", 0, 0, 1), entry(x[1], "b", 1, x[0], 1)},
			[][]int64{{1}, {1}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("failed batch returned %v, want the stage's error", err)
	}
	wantIDs(t, "canonical ids after a failed batch", canonicals(t, h, x...), make([]int64, 5))
	wantIDs(t, "dedup work after a failed batch", allOwed(t, h, "dedup"), x)
	check(t, "indexed", h.DedupBatch(ctx(t), "dedup", nil, func(ix marsad.DedupIndex) error {
		if got, err := ix.Indexed(ctx(t), x); err != nil || len(got) != 0 {
			t.Errorf("indexed after a failed batch: %v, %v", got, err)
		}
		return nil
	}))
}

func testDedupReset(t *testing.T, h *harness) {
	x := dedupCorpus(t, h)
	check(t, "register story", h.RegisterStages(ctx(t), []string{"story"}))
	check(t, "put", h.DedupBatch(ctx(t), "dedup", x, func(ix marsad.DedupIndex) error {
		return ix.Put(ctx(t), []marsad.DedupEntry{entry(x[0], "a", 0, 0, 1), entry(x[1], "b", 1, x[0], 1)},
			[][]int64{{1}, {1}})
	}))
	check(t, "story work done", h.CompleteWork(ctx(t), "story", x))
	check(t, "reset", h.ResetDedup(ctx(t), "dedup"))
	wantIDs(t, "canonical ids after reset", canonicals(t, h, x...), make([]int64, 5))
	if n := copyCount(t, h); n != 0 {
		t.Errorf("Stats.Copies after reset = %d, want 0", n)
	}
	if c := owedCounts(t, h); c["dedup"] != 5 || c["story"] != 0 {
		t.Errorf("owed after reset: %v, want dedup 5 (every article again), story 0", c)
	}
	check(t, "indexed", h.DedupBatch(ctx(t), "dedup", nil, func(ix marsad.DedupIndex) error {
		got, err := ix.Indexed(ctx(t), x)
		if err == nil && len(got) != 0 {
			t.Errorf("indexed after reset: %v", got)
		}
		posts, err2 := ix.Postings(ctx(t), []int64{1})
		if err2 == nil && len(posts) != 0 {
			t.Errorf("postings after reset: %v", posts)
		}
		return errors.Join(err, err2)
	}))
}
