// Package tagbatch is what both stores do alike when they save a batch of
// tags: count the forms each tag was written in, and find the tags whose
// display (the form the archive writes most) may change. Only the SQL
// differs between the backends.
package tagbatch

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// Form is one written form of a tag.
type Form struct {
	Tag     int64
	Surface string
}

// Tally gathers a batch's tag occurrences.
type Tally struct {
	forms     map[Form]int64
	redisplay map[int64]bool
}

// New returns an empty tally.
func New() *Tally { return &Tally{forms: map[Form]int64{}, redisplay: map[int64]bool{}} }

// Add counts one occurrence of tag, shown now as display, written as
// surface. Counting the shown form cannot dethrone it; any other form may.
func (t *Tally) Add(tag int64, display, surface string) {
	t.forms[Form{tag, surface}]++
	if surface != display {
		t.redisplay[tag] = true
	}
}

// Forms returns the counted forms in (tag, surface) order — one lock order
// for every writer — with their counts.
func (t *Tally) Forms() ([]Form, []int64) {
	fs := slices.SortedFunc(maps.Keys(t.forms), func(a, b Form) int {
		if c := cmp.Compare(a.Tag, b.Tag); c != 0 {
			return c
		}
		return strings.Compare(a.Surface, b.Surface)
	})
	ns := make([]int64, len(fs))
	for i, f := range fs {
		ns[i] = t.forms[f]
	}
	return fs, ns
}

// Redisplay returns, ascending, the tags whose display must be computed
// again once the forms are counted.
func (t *Tally) Redisplay() []int64 { return slices.Sorted(maps.Keys(t.redisplay)) }
