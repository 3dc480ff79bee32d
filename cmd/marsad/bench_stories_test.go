package main

import (
	"testing"
	"time"
)

func TestBenchStoriesCopiesLieInThePastOneAfterAnother(t *testing.T) {
	first := time.Date(2015, 8, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2018, 5, 12, 0, 0, 0, 0, time.UTC)
	const copies = 10
	for c := range copies {
		from, to := first.Add(copyShift(first, last, copies, c)), last.Add(copyShift(first, last, copies, c))
		// A copy dated after the corpus could be dated in the future, which
		// the pipeline replaces by the arrival time: every such copy would
		// land in the same minutes.
		if to.After(last) {
			t.Errorf("copy %d ends %s, after the corpus (%s)", c+1, to, last)
		}
		if c == copies-1 && !to.Equal(last) {
			t.Errorf("the last copy ends %s, want the corpus's own dates (%s)", to, last)
		}
		if c > 0 {
			prevEnd := last.Add(copyShift(first, last, copies, c-1))
			if gap := from.Sub(prevEnd); gap < 30*24*time.Hour {
				t.Errorf("copy %d starts %s after copy %d ended, want at least 30 days: their stories could meet", c+1, gap, c)
			}
		}
	}
}
