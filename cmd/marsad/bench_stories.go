package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/story"
)

// benchStoriesCmd shows that the story stage costs the same per article
// whatever the store already holds: it imports a corpus, then the same
// corpus again and again with dates shifted past the previous copy (the
// last copy at the corpus's own dates) and URLs made new, and prints the
// story (and dedup) cost of each copy.
func (a *cli) benchStoriesCmd() *cobra.Command {
	var copies, batch int
	var hand bool
	var profileDir string
	cmd := &cobra.Command{
		Use:   "stories FILE...",
		Short: "Import a corpus COPIES times (shifted dates and URLs) and report the story stage cost per article for each copy",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var items []eval.NewsItem
			for _, name := range args {
				list, err := eval.ReadNewsJSONL(name)
				if err != nil {
					return err
				}
				items = append(items, list...)
			}
			if len(items) == 0 {
				return fmt.Errorf("bench stories: no articles in %s", strings.Join(args, ", "))
			}
			byTime := func(x, y eval.NewsItem) int { return x.Published.Compare(y.Published) }
			first, last := slices.MinFunc(items, byTime).Published, slices.MaxFunc(items, byTime).Published
			db, done, err := openBenchStore(ctx, "")
			if err != nil {
				return err
			}
			defer done()
			p := a.useCases(db).Pipeline()
			if hand {
				// The hand-set join, for a ratio against the learned one in
				// the same session.
				sp := story.DefaultParams()
				sp.Learned = nil
				an := analyzer.New()
				p = pipeline.New(db, an, pipeline.WithStages(ingest.Stages(db, an, sp)...), pipeline.WithLogger(a.log))
			}
			var firstMS, lastMS float64
			stored := 0
			for c := 0; c < copies; c++ {
				timings := map[string]time.Duration{}
				imported := 0
				stop, err := startCopyProfile(profileDir, c+1)
				if err != nil {
					return err
				}
				start := time.Now()
				for s := 0; s < len(items); s += batch {
					var raws []*marsad.RawArticle
					for _, it := range items[s:min(len(items), s+batch)] {
						url := it.URL
						if c > 0 {
							url = strings.TrimSuffix(url, "/") + fmt.Sprintf("/copy-%d", c)
						}
						raws = append(raws, &marsad.RawArticle{URL: url, Title: it.Title, Body: it.Body, Summary: it.Summary,
							Source: it.Source, SourceName: it.Source, Category: it.Category, Lang: "ar",
							Published: it.Published.Add(copyShift(first, last, copies, c))})
					}
					res, err := p.Ingest(ctx, raws)
					if err != nil {
						stop()
						return err
					}
					imported += res.Imported
					for k, d := range res.Timings {
						timings[k] += d
					}
				}
				stop()
				stored += imported
				ms := func(k string) float64 {
					return float64(timings[k].Microseconds()) / 1000 / float64(max(imported, 1))
				}
				if c == 0 {
					firstMS = ms("story")
				}
				lastMS = ms("story")
				fmt.Fprintf(a.stdout, "copy %d: stored=%d imported=%d story_ms_per_article=%.3f dedup_ms_per_article=%.3f rate=%.0f/s\n",
					c+1, stored, imported, ms("story"), ms("dedup"), float64(imported)/time.Since(start).Seconds())
			}
			fmt.Fprintf(a.stdout, "bench stories: copies=%d stored=%d story_ms_first=%.3f story_ms_last=%.3f ratio=%.2f\n",
				copies, stored, firstMS, lastMS, lastMS/max(firstMS, 1e-9))
			return nil
		},
	}
	cmd.Flags().IntVar(&copies, "copies", 10, "times the corpus is imported (the last copy runs on a store this many times bigger)")
	cmd.Flags().BoolVar(&hand, "hand", false, "use the hand-set join rule instead of the learned one (for comparing their cost)")
	cmd.Flags().IntVar(&batch, "batch", 500, "articles per pipeline batch (as import)")
	cmd.Flags().StringVar(&profileDir, "profile-dir", "", "write a CPU profile of each copy into this folder (copy-N.pprof), to compare what grows with the store")
	return cmd
}

// startCopyProfile starts a CPU profile of one copy in dir (none when dir
// is empty) and returns the function that stops it.
func startCopyProfile(dir string, copy int) (stop func(), err error) {
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("copy-%d.pprof", copy)))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench stories: %w (--profile-dir cannot be used with --cpuprofile)", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// copyShift is how far bench stories moves the dates of copy c (0-based)
// of a corpus published in [first, last]. Each copy starts 30 days after
// the previous one ended, so that its stories never meet the previous
// copy's, and the last copy keeps the corpus's own dates: the copies lie
// in the past. Shifted forward from the corpus instead, the copies past
// today were dated at their arrival by the pipeline
// (pipeline.MaxFutureSkew), so from the fifth copy of the two archives on
// every copy landed in the same minutes, joined the stories of the copies
// before it (the same texts, all in the model's window), and the bench
// measured that pile-up: from the fourth copy to the eighth the story
// stage scanned 5.8 times the member vectors per copy.
func copyShift(first, last time.Time, copies, c int) time.Duration {
	shift := last.Sub(first) + 30*24*time.Hour
	return time.Duration(c-(copies-1)) * shift
}
