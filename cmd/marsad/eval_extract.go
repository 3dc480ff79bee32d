package main

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/eval"
)

// evalExtractCmd scores main-text extraction on a folder laid out like
// article_extraction_benchmark (ground_truth.jsonl + html/*.html.gz).
func (a *cli) evalExtractCmd() *cobra.Command {
	var dir string
	var worst int
	cmd := &cobra.Command{
		Use:   "extract",
		Short: "Score HTML main-text extraction (word 4-gram shingle precision/recall/F1)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := eval.EvalExtract(cmd.Context(), dir)
			if err != nil {
				return err
			}
			if worst > 0 {
				pages := append([]eval.ExtractPage(nil), m.Pages...)
				sort.Slice(pages, func(i, j int) bool {
					return f1(pages[i].Precision, pages[i].Recall) < f1(pages[j].Precision, pages[j].Recall)
				})
				for _, p := range pages[:min(worst, len(pages))] {
					fmt.Fprintf(a.stdout, "p=%.3f r=%.3f %s %s\n", p.Precision, p.Recall, p.ID[:12], p.URL)
				}
			}
			fmt.Fprintln(a.stdout, m.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "data", "../shared/data/article_extraction_benchmark", "benchmark folder (ground_truth.jsonl + html/)")
	cmd.Flags().IntVar(&worst, "worst", 0, "also list the N worst pages")
	return cmd
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
