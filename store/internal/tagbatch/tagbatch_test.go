package tagbatch

import (
	"slices"
	"testing"
)

func TestTally(t *testing.T) {
	tl := New()
	tl.Add(2, "الرياض", "الرياض")
	tl.Add(1, "غزة", "غزه")
	tl.Add(2, "الرياض", "الرياض")
	tl.Add(1, "غزة", "غزة")
	fs, ns := tl.Forms()
	want := []Form{{1, "غزة"}, {1, "غزه"}, {2, "الرياض"}}
	if !slices.Equal(fs, want) || !slices.Equal(ns, []int64{1, 1, 2}) {
		t.Errorf("Forms = %v %v, want %v [1 1 2]", fs, ns, want)
	}
	if got := tl.Redisplay(); !slices.Equal(got, []int64{1}) {
		t.Errorf("Redisplay = %v, want [1]: only tag 1 was written in a form it does not show", got)
	}
}
