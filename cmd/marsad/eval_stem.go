package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
)

// evalStemCmd scores the analyzer's conflation on the stemming gold and,
// with --postgres, PostgreSQL's 'arabic' configuration in the same run.
func (a *cli) evalStemCmd() *cobra.Command {
	var data, dsn string
	cmd := &cobra.Command{
		Use:   "stem --data golden_corpus.jsonl [--postgres DSN]",
		Short: "Score the stemmer's conflation against the stemming gold",
		RunE: func(cmd *cobra.Command, args []string) error {
			gold, err := eval.ReadStemGold(data)
			if err != nil {
				return err
			}
			an := analyzer.New()
			if dsn != "" {
				pg, err := eval.StemTermsPostgres(cmd.Context(), dsn, gold)
				if err != nil {
					return err
				}
				r := eval.StemScore(gold, pg, an.Normalize)
				r.System = "postgres-arabic"
				fmt.Fprintf(a.stdout, "eval stem: %s\n", r)
			}
			terms := make([]string, len(gold))
			for i, e := range gold {
				terms[i] = an.Term(e.Word)
			}
			fmt.Fprintf(a.stdout, "eval stem: %s\n", eval.StemScore(gold, terms, an.Normalize))
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "../shared/data/arabic_stemming_gold/golden_corpus.jsonl", "stemming gold (JSONL: word, stem, root)")
	cmd.Flags().StringVar(&dsn, "postgres", os.Getenv("MARSAD_EVAL_PG"), "also score PostgreSQL's 'arabic' config via this DSN (env MARSAD_EVAL_PG)")
	return cmd
}
