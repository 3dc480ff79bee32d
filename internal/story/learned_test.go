package story_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/story"
)

func TestShippedWeightsParse(t *testing.T) {
	w := story.ShippedWeights()
	if len(w.Coef) != len(story.FeatureNames()) || w.Threshold <= 0 || w.Threshold >= 1 {
		t.Fatalf("shipped weights: %d coefficients for %d features, threshold %v", len(w.Coef), len(story.FeatureNames()), w.Threshold)
	}
	b, err := story.MarshalWeights(w)
	if err != nil {
		t.Fatal(err)
	}
	back, err := story.ParseWeights(b)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, len(w.Coef))
	for i := range x {
		x[i] = float64(i) / 10
	}
	if back.Logit(x) != w.Logit(x) {
		t.Fatalf("round trip changed the model: %v, then %v", w.Logit(x), back.Logit(x))
	}
}

func TestParseWeightsRejectsWhatDoesNotFit(t *testing.T) {
	good, err := story.MarshalWeights(story.ShippedWeights())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"another version", `"version": 1`, `"version": 2`, "version 2"},
		{"another feature", `"centroid",`, `"cosine",`, "features"},
		{"threshold not a probability", `"threshold": `, `"threshold": 1`, "threshold"},
		{"unknown field", `"version": 1`, `"version": 1, "bonus": 3`, "unknown field"},
		{"not JSON", `{`, `[`, "story weights"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := strings.Replace(string(good), tc.from, tc.to, 1)
			if b == string(good) {
				t.Fatalf("%q not in the shipped file", tc.from)
			}
			if _, err := story.ParseWeights([]byte(b)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseWeights = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

// Fit finds the feature that tells positives from negatives: the
// positives have a high centroid cosine, every other feature is noise.
func TestFitLearnsTheSignal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := len(story.FeatureNames())
	var ex []story.Example
	for i := 0; i < 2000; i++ {
		x := make([]float64, n)
		for j := range x {
			x[j] = r.Float64()
		}
		pos := i%10 == 0
		x[0] = r.Float64() * 0.3
		if pos {
			x[0] += 0.25
		}
		ex = append(ex, story.Example{X: x, Pos: pos, Doc: i})
	}
	w, err := story.Fit(ex, 1)
	if err != nil {
		t.Fatal(err)
	}
	for j := 1; j < n; j++ {
		if w.Coef[0] < 5*abs(w.Coef[j]) {
			t.Errorf("coefficient of the signal %.3f, of noise feature %s %.3f", w.Coef[0], story.FeatureNames()[j], w.Coef[j])
		}
	}
	hi, lo := make([]float64, n), make([]float64, n)
	hi[0], lo[0] = 0.5, 0.05
	if w.Prob(hi) < 0.9 || w.Prob(lo) > 0.01 {
		t.Errorf("P(high cosine) = %.3f, P(low) = %.3f", w.Prob(hi), w.Prob(lo))
	}
	// Beyond the range it was fitted on, a feature counts as at its edge:
	// the linear model does not extrapolate.
	edge, far := make([]float64, n), make([]float64, n)
	edge[0], far[0] = w.Hi[0], 10*w.Hi[0]
	if w.Logit(far) != w.Logit(edge) {
		t.Errorf("logit at 10× the highest centroid cosine fitted %.3f, at the highest %.3f", w.Logit(far), w.Logit(edge))
	}
	if _, err := story.Fit(nil, 1); err == nil {
		t.Error("Fit of no examples: no error")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
