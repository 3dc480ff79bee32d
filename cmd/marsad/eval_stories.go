package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/story"
)

// evalStoriesCmd scores online story clustering against story_gold readings.
func (a *cli) evalStoriesCmd() *cobra.Command {
	var articles, from, to, dump, weights string
	var golds, sets []string
	var batch, explain, show int
	var noSections bool
	var threshold float64
	cmd := &cobra.Command{
		Use:   "stories --articles FILE (--gold FILE [--gold FILE] | --from DATE --to DATE --show N)",
		Short: "Score story clustering (B-cubed, pairwise) against gold readings, or print the stories of a window",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			if articles == "" || (len(golds) == 0 && from == "") {
				return fmt.Errorf("eval stories: --articles and at least one --gold (or --from/--to) are required")
			}
			gs, err := eval.ReadStoryGolds(golds)
			if err != nil {
				return err
			}
			items, err := eval.ReadNewsJSONL(articles)
			if err != nil {
				return err
			}
			// The window is every article some reading labels, or the UTC
			// dates from..to inclusive (a window to read without gold).
			var win []eval.NewsItem
			if from != "" {
				lo, err := time.Parse(time.DateOnly, from)
				if err != nil {
					return fmt.Errorf("eval stories: --from: %w", err)
				}
				hi, err := time.Parse(time.DateOnly, to)
				if err != nil {
					return fmt.Errorf("eval stories: --to: %w", err)
				}
				for _, it := range items {
					if !it.Published.Before(lo) && it.Published.Before(hi.AddDate(0, 0, 1)) {
						win = append(win, it)
					}
				}
			} else {
				for _, it := range items {
					if _, ok := gs[0].Labels[it.ID]; ok {
						win = append(win, it)
					}
				}
			}
			if noSections {
				// As most feeds come: no publisher section, so no section IDF.
				for i := range win {
					win[i].Category = ""
				}
			}
			dir, err := os.MkdirTemp("", "marsad-eval-stories-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			p := story.DefaultParams()
			if threshold > 0 {
				p.Threshold = threshold
			}
			switch weights {
			case "":
			case "hand":
				p.Learned = nil
			default:
				b, err := os.ReadFile(weights)
				if err != nil {
					return fmt.Errorf("eval stories: %w", err)
				}
				if p.Learned, err = story.ParseWeights(b); err != nil {
					return fmt.Errorf("eval stories: %s: %w", weights, err)
				}
			}
			for _, kv := range sets {
				if err := p.Set(kv); err != nil {
					return err
				}
			}
			pred, rejected, err := eval.StoriesThroughPipeline(ctx, dir, win, p, batch)
			if err != nil {
				return err
			}
			if rejected > 0 {
				fmt.Fprintf(w, "%d of %d articles rejected by the pipeline (each scored as a story of its own)\n", rejected, len(win))
			}
			if dump != "" {
				if err := eval.WriteStoryLabels(dump, pred); err != nil {
					return err
				}
			}
			if show > 0 {
				eval.WriteClusters(w, pred, win, show)
			}
			if len(gs) == 0 {
				return nil
			}
			if explain > 0 {
				titles := map[string]string{}
				for _, it := range win {
					titles[it.ID] = it.Published.UTC().Format("01-02T15 ") + it.Title
				}
				eval.WriteExplain(w, pred, gs, titles, explain, 4)
			}
			// The plain baseline, in the same run, over the same window,
			// with the IDF of the whole corpus file.
			base := eval.BaselineStories(win, items, analyzer.New().Terms)
			eval.StoriesReport(w, pred, base, gs)
			return nil
		},
	}
	cmd.Flags().StringVar(&articles, "articles", "", "corpus JSONL (ant_multisource/articles.jsonl)")
	cmd.Flags().StringArrayVar(&golds, "gold", nil, "story_gold labels JSONL (repeat for each reading)")
	cmd.Flags().IntVar(&batch, "batch", 100, "import batch size")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "join threshold (default: story.DefaultParams)")
	cmd.Flags().IntVar(&explain, "explain", 0, "print the N worst merges and splits against each reading, with titles")
	cmd.Flags().StringVar(&from, "from", "", "cluster the articles of these UTC dates instead of the gold window (YYYY-MM-DD, with --to)")
	cmd.Flags().StringVar(&to, "to", "", "last UTC date of --from's window (inclusive)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a story parameter, Name=value (repeatable)")
	cmd.Flags().StringVar(&dump, "dump", "", "write the predicted story of each article to this JSONL file ({\"id\",\"story\"} per line)")
	cmd.Flags().StringVar(&weights, "weights", "", "learned story weights to use (a file written by `marsad train stories`), or \"hand\" for the hand-set rule; default: the shipped weights")
	cmd.Flags().BoolVar(&noSections, "no-sections", false, "drop the articles' sections (as most feeds come) before clustering")
	cmd.Flags().IntVar(&show, "show", 0, "print the predicted stories of at least N articles, with titles")
	return cmd
}
