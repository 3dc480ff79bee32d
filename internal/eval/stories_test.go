package eval_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/internal/testdata"
)

// The two labelled windows of story_gold, each with its two readings.
var (
	april = [2]string{"story_gold/ant_2018-04-12_15.jsonl", "story_gold/reading2_2018-04-12_15.jsonl"}
	may   = [2]string{"story_gold/ant_2018-05-03_06.jsonl", "story_gold/reading2_2018-05-03_06.jsonl"}
)

// goldWindow reads both readings of a story_gold window, the whole
// ant_multisource corpus and the articles the readings label, in arrival
// order.
func goldWindow(t *testing.T, files [2]string) (golds []*eval.StoryGold, all, win []eval.NewsItem) {
	t.Helper()
	for _, f := range files {
		g, err := eval.ReadStoryGold(testdata.Path(t, f))
		if err != nil {
			t.Fatal(err)
		}
		golds = append(golds, g)
	}
	all, err := eval.ReadNewsJSONL(testdata.Path(t, "ant_multisource/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		if _, ok := golds[0].Labels[it.ID]; ok {
			win = append(win, it)
		}
	}
	return golds, all, win
}

// TestStoriesFloor runs the eval stories command's path (fresh store, the
// pipeline with dedup and story stages, batches of 100, the shipped
// weights) on both labelled windows: the mean B-cubed F1 over the two
// readings stays above a floor a little under the measured figure, and
// every reading scores above the plain TF-IDF baseline.
func TestStoriesFloor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files [2]string
		floor float64 // measured with the shipped weights: see docs/PERFORMANCE.md
	}{
		{"12-15 April", april, 0.825}, // 0.830 measured
		{"3-6 May", may, 0.888},       // 0.897 measured
	} {
		t.Run(tc.name, func(t *testing.T) {
			golds, all, win := goldWindow(t, tc.files)
			pred, rejected, err := eval.StoriesThroughPipeline(context.Background(), t.TempDir(), win, story.DefaultParams(), 100)
			if err != nil {
				t.Fatal(err)
			}
			if rejected > 0 {
				t.Errorf("%d gold articles rejected by the pipeline", rejected)
			}
			base := eval.BaselineStories(win, all, analyzer.New().Terms)
			var mean float64
			for _, g := range golds {
				s, b := eval.ScoreClusters(pred, g.Labels), eval.ScoreClusters(base, g.Labels)
				t.Logf("%s: %s baseline_bcubed_f1=%.4f", g.Name, s.Format(), b.BF1)
				if s.BF1 <= b.BF1 {
					t.Errorf("%s: B-cubed F1 %.4f, not above the baseline's %.4f", g.Name, s.BF1, b.BF1)
				}
				mean += s.BF1 / 2
			}
			if mean < tc.floor {
				t.Errorf("mean B-cubed F1 %.4f, want ≥ %.3f", mean, tc.floor)
			}
		})
	}
}

// TestStoriesCrossWindow fits the learned model on one window only (both
// readings, the shipped penalty and threshold) and scores the other
// window with it, both ways: what the model is worth on days it was not
// fitted to. Floors a little under the measured figures.
func TestStoriesCrossWindow(t *testing.T) {
	an := analyzer.New()
	var windows []*eval.StoryWindow
	for _, files := range [][2]string{april, may} {
		golds, all, _ := goldWindow(t, files)
		w, err := eval.StoryWindows(all, golds, an.Terms)
		if err != nil {
			t.Fatal(err)
		}
		windows = append(windows, w...)
	}
	shipped := story.DefaultParams().Learned
	for _, tc := range []struct {
		train, test int
		floor       float64
	}{
		{1, 0, 0.83},  // fitted on May, scored on April: 0.834 measured
		{0, 1, 0.885}, // 0.891 measured
	} {
		train, test := windows[tc.train], windows[tc.test]
		t.Run(train.Name+" to "+test.Name, func(t *testing.T) {
			p := story.DefaultParams()
			w, err := eval.FitStories(p, []*eval.StoryWindow{train}, shipped.Lambda, shipped.Threshold)
			if err != nil {
				t.Fatal(err)
			}
			p.Learned = w
			f := test.Score(p)
			t.Logf("fitted on %s, scored on %s: mean B-cubed F1 %.4f", train.Name, test.Name, f)
			if f < tc.floor {
				t.Errorf("mean B-cubed F1 %.4f, want ≥ %.3f", f, tc.floor)
			}
		})
	}
}

// TestStoriesIgnoreBatchSize imports the gold window through the pipeline
// one article at a time and in batches of 500: the stories must be the
// same. An import (500 per batch), a poller (a few articles at a time) and
// this evaluation (100) then cluster alike.
func TestStoriesIgnoreBatchSize(t *testing.T) {
	_, _, win := goldWindow(t, april)
	var parts []map[string]string
	for _, batch := range []int{1, 500} {
		pred, _, err := eval.StoriesThroughPipeline(context.Background(), t.TempDir(), win, story.DefaultParams(), batch)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, pred)
	}
	// The same partition: story ids may differ, so each is mapped to the
	// other's.
	same := map[string]string{}
	for _, it := range win {
		a, b := parts[0][it.ID], parts[1][it.ID]
		if prev, ok := same[a]; ok && prev != b {
			t.Fatalf("%s (%s): story %s of batch 1 maps to stories %s and %s of batch 500", it.ID, it.Title, a, prev, b)
		}
		same[a] = b
	}
	if s := eval.ScoreClusters(parts[0], parts[1]); s.BF1 != 1 {
		t.Errorf("batches of 1 and 500 differ: %s", s.Format())
	}
}

// TestStoriesChaining clusters the whole ANT file (six weeks) with the
// shipped model, in memory, and scores each labelled window inside that
// run against the same window clustered alone: with the days before it in
// memory (and counted into the document frequencies) a window may lose at
// most 0.01 of mean B-cubed F1 (the bound). Measured: April
// +0.007, May −0.006; with rare_shared, whose value drifts with the
// archive's size, May lost 0.009 here (0.013 through the pipeline).
func TestStoriesChaining(t *testing.T) {
	an := analyzer.New()
	var all []eval.NewsItem
	var windows []*eval.StoryWindow
	for _, files := range [][2]string{april, may} {
		golds, items, _ := goldWindow(t, files)
		all = items
		w, err := eval.StoryWindows(items, golds, an.Terms)
		if err != nil {
			t.Fatal(err)
		}
		windows = append(windows, w...)
	}
	p := story.DefaultParams()
	got := eval.ClusterOnline(eval.StoryDocs(all, an.Terms), p, 100)
	pred := make(map[string]string, len(all))
	for i, it := range all {
		pred[it.ID] = fmt.Sprint(got[i])
	}
	for _, w := range windows {
		alone := w.Score(p)
		whole := 0.0
		for _, g := range w.Golds {
			whole += eval.ScoreClusters(pred, g.Labels).BF1 / float64(len(w.Golds))
		}
		t.Logf("%s: mean B-cubed F1 %.4f alone, %.4f inside the whole file (%+.4f)", w.Name, alone, whole, whole-alone)
		if whole < alone-0.01 {
			t.Errorf("%s: mean B-cubed F1 %.4f inside the whole file, %.4f alone: lost more than 0.01", w.Name, whole, alone)
		}
	}
}

// TestStoriesDesksChainNoMore clusters saudinewsnet (no sections, each
// paper's edition at once) in memory with the shipped model and holds its
// recurring desks at most where they are: they chain across the five days
// today (issue 12, not cured: docs/PERFORMANCE.md), and a change that
// chains them more must show it here. Measured at fa4eeac: 3,331 stories,
// the 8 largest 483, 172, 140, 123, 120, 88, 81, 73 (1,280 articles); a
// rare-term count scaled to the archive, better on both gold windows,
// gave 3,166 stories and 1,389.
func TestStoriesDesksChainNoMore(t *testing.T) {
	items, err := eval.ReadNewsJSONL(testdata.Path(t, "saudinewsnet/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	got := eval.ClusterOnline(eval.StoryDocs(items, analyzer.New().Terms), story.DefaultParams(), 500)
	size := map[int64]int{}
	for _, s := range got {
		size[s]++
	}
	var sizes []int
	for _, n := range size {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	top := 0
	for _, n := range sizes[:8] {
		top += n
	}
	t.Logf("%d stories; the 8 largest %v hold %d articles", len(sizes), sizes[:8], top)
	if top > 1320 || len(sizes) < 3250 {
		t.Errorf("%d stories, the 8 largest hold %d articles: want ≥ 3,250 stories and ≤ 1,320 articles in the 8 largest", len(sizes), top)
	}
}
