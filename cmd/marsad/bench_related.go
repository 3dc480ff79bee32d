package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/related"
)

func (a *cli) benchRelatedCmd() *cobra.Command {
	var n, rounds int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "related",
		Short: "Compute the related lists of random stored articles (--db) and report latency",
		Long: `Picks N stored articles at random (fixed seed) and computes both lists of each,
as "marsad related" and the article page do, ROUNDS times over, in one process
whose document-frequency cache starts empty. The first round includes the
cache's warm-up; later rounds are what a running server sees.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				total, err := db.CountArticles(ctx)
				if err != nil {
					return err
				}
				if total == 0 {
					return fmt.Errorf("bench related: store %s holds no article", a.cfg.DBPath)
				}
				all, _, err := db.FindArticles(ctx, marsad.ArticleFilter{Limit: total})
				if err != nil {
					return err
				}
				r := rand.New(rand.NewPCG(seed, seed))
				r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
				picked := all[:min(n, len(all))]
				f := related.New(db, analyzer.New().Terms, related.DefaultParams())
				var lat, first []time.Duration
				for round := 0; round < rounds; round++ {
					for _, art := range picked {
						start := time.Now()
						if _, err := f.Find(ctx, art); err != nil {
							return err
						}
						d := time.Since(start)
						lat = append(lat, d)
						if round == 0 {
							first = append(first, d)
						}
					}
				}
				ms := func(l []time.Duration, p float64) float64 {
					l = slices.Clone(l)
					slices.Sort(l)
					return float64(l[min(len(l)-1, int(p*float64(len(l))))].Microseconds()) / 1000
				}
				fmt.Fprintf(a.stdout, "first round: median_ms=%.3f p95_ms=%.3f p99_ms=%.3f\n", ms(first, 0.5), ms(first, 0.95), ms(first, 0.99))
				fmt.Fprintf(a.stdout, "bench related: articles=%d rounds=%d median_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
					len(picked), rounds, ms(lat, 0.5), ms(lat, 0.95), ms(lat, 0.99), ms(lat, 1))
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&n, "articles", 1000, "number of articles")
	cmd.Flags().IntVar(&rounds, "rounds", 2, "times each article's lists are computed")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed for picking articles")
	return cmd
}
