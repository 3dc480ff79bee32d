package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/tags"
)

// evalTagsCmd scores the tag extractor against the AKEC keyphrase gold,
// with a plain TF-IDF baseline in the same run; --tune chooses parameters
// on one half of the documents and scores them on the other, both ways.
func (a *cli) evalTagsCmd() *cobra.Command {
	var data string
	var corpora []string
	var goldK int
	var tune bool
	cmd := &cobra.Command{
		Use:   "tags --data documents.jsonl [--corpus news.jsonl]... [--tune]",
		Short: "Score tags against the human keyphrases (P@5, P@10, R@10, F1@10, TF-IDF baseline)",
		RunE: func(cmd *cobra.Command, args []string) error {
			docs, skipped, err := eval.ReadKeyphrases(data)
			if err != nil {
				return err
			}
			if skipped > 0 {
				fmt.Fprintf(a.stderr, "eval tags: %s: %d lines skipped (not JSON, or no body or keyphrase)\n", data, skipped)
			}
			if len(docs) == 0 {
				return fmt.Errorf("eval tags: %s holds no document", data)
			}
			var extra []string
			for _, path := range corpora {
				items, err := eval.ReadNewsJSONL(path)
				if err != nil {
					return err
				}
				for _, it := range items {
					extra = append(extra, it.Title+"\n"+it.Body)
				}
			}
			run := eval.NewTagRun(analyzer.New(), docs, extra, goldK)
			if tune {
				even := func(i int) bool { return i%2 == 0 }
				odd := func(i int) bool { return i%2 == 1 }
				grid := eval.TagGrid()
				for _, h := range []struct {
					name     string
					on, test func(int) bool
				}{{"even→odd", even, odd}, {"odd→even", odd, even}} {
					p, chosen := run.Tune(grid, h.on)
					fmt.Fprintf(a.stdout, "tune %s: chose %+v (f1_at10=%.4f on its half); on the other half: %s\n", h.name, p, chosen.F1, run.Score(p, h.test))
				}
				fmt.Fprintf(a.stdout, "default %+v on even: %s\n", tags.DefaultParams(), run.Score(tags.DefaultParams(), even))
				fmt.Fprintf(a.stdout, "default on odd: %s\n", run.Score(tags.DefaultParams(), odd))
			}
			fmt.Fprintf(a.stdout, "eval tags: %s\n", run.Score(tags.DefaultParams(), nil))
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "../shared/data/akec_keyphrases/documents.jsonl", "keyphrase gold (JSONL: id, body, keyphrases)")
	cmd.Flags().StringArrayVar(&corpora, "corpus", nil, "news JSONL whose documents join the corpus statistics (repeatable)")
	cmd.Flags().IntVar(&goldK, "gold-k", 15, "gold keyphrases per document (the most agreed first)")
	cmd.Flags().BoolVar(&tune, "tune", false, "choose parameters on one half, score them on the other, both ways")
	return cmd
}
