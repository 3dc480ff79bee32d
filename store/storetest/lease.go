package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// testLeases checks one lease's life: taken, refused to another holder
// while it runs, renewed by its holder, released, and lost by a holder
// that stops renewing (a killed process) only once it has expired.
func testLeases(t *testing.T, h *harness) {
	now := t0
	const ttl = 30 * time.Second
	take := func(s marsad.Store, name, holder string, at time.Time) bool {
		t.Helper()
		ok, err := s.TakeLease(ctx(t), name, holder, at, ttl)
		check(t, fmt.Sprintf("%s takes %s", holder, name), err)
		return ok
	}
	for _, tt := range []struct {
		what         string
		name, holder string
		ttl          time.Duration
	}{
		{"no name", "", "w1", ttl},
		{"blank name", "  ", "w1", ttl},
		{"no holder", "stage:story", "", ttl},
		{"zero ttl", "stage:story", "w1", 0},
		{"negative ttl", "stage:story", "w1", -time.Second},
	} {
		_, err := h.TakeLease(ctx(t), tt.name, tt.holder, now, tt.ttl)
		wantCode(t, "take with "+tt.what, err, marsad.EINVALID)
	}
	wantCode(t, "release with no holder", h.ReleaseLease(ctx(t), "stage:story", ""), marsad.EINVALID)

	other := h.second(t) // another process
	if !take(h, "stage:story", "w1", now) {
		t.Fatal("a free lease was refused")
	}
	if take(other, "stage:story", "w2", now.Add(ttl/2)) {
		t.Error("a second holder got a running lease")
	}
	if !take(other, "stage:dedup", "w2", now) {
		t.Error("a lease of another name was refused")
	}
	// The holder renews before the end: its lease runs from the renewal.
	if !take(h, "stage:story", "w1", now.Add(ttl-time.Second)) {
		t.Error("the holder could not renew its lease")
	}
	if take(other, "stage:story", "w2", now.Add(ttl+time.Second)) {
		t.Error("the lease went to another holder before the renewed lease ended")
	}
	wantLeases(t, other, now.Add(ttl/2), []marsad.Lease{
		{Name: "stage:dedup", Holder: "w2", Until: now.Add(ttl)},
		{Name: "stage:story", Holder: "w1", Until: now.Add(2*ttl - time.Second)},
	})
	// Then w1 is killed: it never renews or releases. Its lease is
	// another's only once it has expired, and the expired one is not
	// listed.
	end := now.Add(2*ttl - time.Second)
	if take(other, "stage:story", "w2", end.Add(-time.Millisecond)) {
		t.Error("the lease was taken a millisecond before it expired")
	}
	if !take(other, "stage:story", "w2", end) {
		t.Error("an expired lease was refused")
	}
	wantLeases(t, h, end, []marsad.Lease{{Name: "stage:story", Holder: "w2", Until: end.Add(ttl)}})
	// The killed holder, back (a paused process), cannot take it back.
	if take(h, "stage:story", "w1", end.Add(time.Second)) {
		t.Error("the former holder took back a lease another holds")
	}
	// A release by another than the holder changes nothing; the holder's
	// frees the lease at once.
	check(t, "release by another", h.ReleaseLease(ctx(t), "stage:story", "w1"))
	if take(h, "stage:story", "w1", end.Add(time.Second)) {
		t.Error("a release by a former holder freed the lease")
	}
	check(t, "release", other.ReleaseLease(ctx(t), "stage:story", "w2"))
	check(t, "release again", other.ReleaseLease(ctx(t), "stage:story", "w2"))
	if !take(h, "stage:story", "w1", end.Add(time.Second)) {
		t.Error("a released lease was refused")
	}
	wantLeases(t, h, end.Add(10*ttl), nil)
}

func wantLeases(t *testing.T, s marsad.Store, now time.Time, want []marsad.Lease) {
	t.Helper()
	got, err := s.Leases(ctx(t), now)
	check(t, "leases", err)
	if len(got) != len(want) {
		t.Errorf("leases at %v: %v, want %v", now, got, want)
		return
	}
	for i := range got {
		if got[i].Name != want[i].Name || got[i].Holder != want[i].Holder || !got[i].Until.Equal(want[i].Until) {
			t.Errorf("leases at %v: %v, want %v", now, got, want)
			return
		}
	}
}

// testLeaseOneHolder has eight holders on two handles (two processes)
// try, over and over at once, to take one lease, hold it a moment and
// release it: at no moment do two of them hold it, and each gets it.
func testLeaseOneHolder(t *testing.T, h *harness) {
	stores := []marsad.Store{h, h.second(t)}
	const holders, rounds = 8, 15
	var holding, most atomic.Int32
	var mu sync.Mutex
	got := map[string]int{}
	parallel(t, holders, func(w int) error {
		s, me := stores[w%2], fmt.Sprintf("w%d", w)
		for taken := 0; taken < rounds; {
			now := time.Now()
			ok, err := s.TakeLease(ctx(t), "stage:story", me, now, time.Minute)
			if err != nil {
				return err
			}
			if !ok {
				time.Sleep(time.Millisecond)
				continue
			}
			n := holding.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(200 * time.Microsecond)
			holding.Add(-1)
			if err := s.ReleaseLease(ctx(t), "stage:story", me); err != nil {
				return err
			}
			taken++
			mu.Lock()
			got[me]++
			mu.Unlock()
		}
		return nil
	})
	if m := most.Load(); m != 1 {
		t.Errorf("%d holders held the lease at once, want 1", m)
	}
	for w := range holders {
		if n := got[fmt.Sprintf("w%d", w)]; n != rounds {
			t.Errorf("holder w%d took the lease %d times, want %d", w, n, rounds)
		}
	}
}

// testReadyWork checks that a stage's ready work is what it owes and no
// earlier stage does, in published, URL, id order, whatever the ids.
func testReadyWork(t *testing.T, h *harness) {
	_, err := h.ReadyWork(ctx(t), "", 10)
	wantCode(t, "ready work of no stage", err, marsad.EINVALID)
	check(t, "register", h.RegisterStages(ctx(t), []string{"dedup", "story", "tags"}))
	// Saved out of order: ids do not follow publication, and two articles
	// share a published time (their URLs order them).
	ids := save(t, h,
		input("https://b.example/late", "b", hour(5), "", ""),
		input("https://b.example/same", "b", hour(2), "", ""),
		input("https://a.example/early", "a", hour(1), "", ""),
		input("https://a.example/same", "a", hour(2), "", ""),
	)
	late, bSame, early, aSame := ids[0], ids[1], ids[2], ids[3]
	ready := func(stage string, limit int) []int64 {
		t.Helper()
		got, err := h.ReadyWork(ctx(t), stage, limit)
		check(t, "ready work of "+stage, err)
		return got
	}
	wantIDs(t, "dedup's ready work", ready("dedup", 10), []int64{early, aSame, bSame, late})
	wantIDs(t, "dedup's ready work, 2 at most", ready("dedup", 2), []int64{early, aSame})
	wantIDs(t, "story waits for dedup", ready("story", 10), nil)
	wantIDs(t, "tags wait for dedup and story", ready("tags", 10), nil)
	check(t, "dedup some", h.CompleteWork(ctx(t), "dedup", []int64{late, aSame}))
	wantIDs(t, "story's ready work after dedup", ready("story", 10), []int64{aSame, late})
	wantIDs(t, "dedup's ready work after some", ready("dedup", 10), []int64{early, bSame})
	check(t, "story some", h.CompleteWork(ctx(t), "story", []int64{late}))
	wantIDs(t, "tags' ready work", ready("tags", 10), []int64{late})
	wantIDs(t, "ready work of an unknown stage", ready("unknown", 10), nil)
}

// testStorySaveUnderLease: a story save made under a LeaseCheck writes
// only while its holder holds the lease; otherwise ECONFLICT and nothing
// written (the work stays owed).
func testStorySaveUnderLease(t *testing.T, h *harness) {
	check(t, "register", h.RegisterStages(ctx(t), []string{"story"}))
	ids := seq(t, h, "a", "a", 0, 3)
	const name = "stage:story"
	if ok, err := h.TakeLease(ctx(t), name, "w1", time.Now(), time.Minute); err != nil || !ok {
		t.Fatalf("take: %v %v", ok, err)
	}
	save := func(holder string, done ...int64) error {
		t.Helper()
		c := marsad.WithLeaseCheck(ctx(t), marsad.LeaseCheck{Name: name, Holder: holder})
		return h.StoryTx(c, func(tx marsad.StoryTx) error {
			_, err := tx.Save(c, &marsad.StoryChanges{Stage: "story", Done: done})
			return err
		})
	}
	wantCode(t, "save by a process that does not hold the lease", save("w2", ids[0]), marsad.ECONFLICT)
	check(t, "save by the holder", save("w1", ids[1]))
	// w1 pauses past the end; w2 takes the stage over: w1's late save is refused.
	later := time.Now().Add(2 * time.Minute)
	if ok, err := h.TakeLease(ctx(t), name, "w2", later, time.Minute); err != nil || !ok {
		t.Fatalf("w2 takes the expired lease: %v %v", ok, err)
	}
	wantCode(t, "save by the former holder", save("w1", ids[2]), marsad.ECONFLICT)
	check(t, "release", h.ReleaseLease(ctx(t), name, "w2"))
	wantCode(t, "save under a lease nobody holds", save("w2", ids[2]), marsad.ECONFLICT)
	wantIDs(t, "story owes after the refused saves", allOwed(t, h, "story"), []int64{ids[0], ids[2]})
}
