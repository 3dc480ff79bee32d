package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/eval"
)

// evalDedupCmd scores LSH near-duplicate links against brute-force exact Jaccard.
func (a *cli) evalDedupCmd() *cobra.Command {
	var articles string
	cmd := &cobra.Command{
		Use:   "dedup --articles FILE",
		Short: "Score near-duplicate detection against brute-force exact Jaccard",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if articles == "" {
				return fmt.Errorf("eval dedup: --articles is required")
			}
			items, err := eval.ReadNewsJSONL(articles)
			if err != nil {
				return err
			}
			cfg := dedup.DefaultConfig()
			rep, err := eval.Dedup(cmd.Context(), items, analyzer.New().Terms, cfg)
			if err != nil {
				return err
			}
			rep.Print(cmd.OutOrStdout(), cfg)
			return nil
		},
	}
	cmd.Flags().StringVar(&articles, "articles", "", "corpus JSONL (saudinewsnet/articles.jsonl)")
	return cmd
}
