package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/story"
)

// evalStoriesCmd scores online story clustering against story_gold readings.
func (a *app) evalStoriesCmd() *cobra.Command {
	var articles string
	var golds []string
	var batch int
	var threshold float64
	cmd := &cobra.Command{
		Use:   "stories --articles FILE --gold FILE [--gold FILE]",
		Short: "Score story clustering (B-cubed, pairwise) against gold readings",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if articles == "" || len(golds) == 0 {
				return fmt.Errorf("eval stories: --articles and at least one --gold are required")
			}
			var gs []*eval.StoryGold
			for _, g := range golds {
				sg, err := eval.ReadStoryGold(g)
				if err != nil {
					return err
				}
				gs = append(gs, sg)
			}
			items, err := eval.ReadNewsJSONL(articles)
			if err != nil {
				return err
			}
			// The window is every article some reading labels.
			var win []eval.NewsItem
			for _, it := range items {
				if _, ok := gs[0].Labels[it.ID]; ok {
					win = append(win, it)
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
			pred, err := eval.StoriesThroughPipeline(ctx, dir, win, p, batch)
			if err != nil {
				return err
			}
			eval.StoriesReport(cmd.OutOrStdout(), pred, gs)
			return nil
		},
	}
	cmd.Flags().StringVar(&articles, "articles", "", "corpus JSONL (ant_multisource/articles.jsonl)")
	cmd.Flags().StringArrayVar(&golds, "gold", nil, "story_gold labels JSONL (repeat for each reading)")
	cmd.Flags().IntVar(&batch, "batch", 100, "import batch size")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "join threshold (default: story.DefaultParams)")
	return cmd
}
