package eval_test

import (
	"io"
	"math"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/story"
)

// TestShippedWeightsAreTheTrainedOnes fits the story model as `marsad train
// stories` does with the four readings (the command of the weights file's
// doc) and wants the embedded weights.json: a change of the analyzer, a
// feature or the training that moves the fit must ship the file it gives,
// or the binary runs weights nobody can regenerate (the file had drifted
// from analyzer v7 until 2026-11-30).
func TestShippedWeightsAreTheTrainedOnes(t *testing.T) {
	var golds []*eval.StoryGold
	var all []eval.NewsItem
	for _, files := range [][2]string{april, may} {
		g, items, _ := goldWindow(t, files)
		golds, all = append(golds, g...), items
	}
	windows, err := eval.StoryWindows(all, golds, analyzer.New().Terms)
	if err != nil {
		t.Fatal(err)
	}
	got, err := eval.TrainStories(io.Discard, story.DefaultParams(), windows, eval.DefaultGrid())
	if err != nil {
		t.Fatal(err)
	}
	want := story.ShippedWeights()
	same := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if !same(got.Lambda, want.Lambda) || !same(got.Threshold, want.Threshold) || !same(got.Bias, want.Bias) {
		t.Fatalf("trained λ %v threshold %v bias %v, shipped %v %v %v: regenerate internal/story/weights.json with `marsad train stories`",
			got.Lambda, got.Threshold, got.Bias, want.Lambda, want.Threshold, want.Bias)
	}
	for _, v := range []struct {
		name      string
		got, want []float64
	}{{"coef", got.Coef, want.Coef}, {"mean", got.Mean, want.Mean}, {"scale", got.Scale, want.Scale}, {"lo", got.Lo, want.Lo}, {"hi", got.Hi, want.Hi}} {
		if len(v.got) != len(v.want) {
			t.Fatalf("%s: %d values trained, %d shipped", v.name, len(v.got), len(v.want))
		}
		for i := range v.got {
			if !same(v.got[i], v.want[i]) {
				t.Errorf("%s of %s: trained %v, shipped %v: regenerate internal/story/weights.json with `marsad train stories`", v.name, got.Features[i], v.got[i], v.want[i])
			}
		}
	}
}
