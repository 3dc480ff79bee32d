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
	var uncached, fromSearch bool
	var similarMin float64
	cmd := &cobra.Command{
		Use:   "related",
		Short: "Compute the related lists of random stored articles (--db) and report latency",
		Long: `Picks N stored articles at random (fixed seed) and computes both lists of each,
through the lists cache an article page uses, ROUNDS times over, in one
process. The first round computes every list (its document-frequency cache
starting empty, as in a new process); later rounds are served from the lists
cache, as a page viewed again within the cache's TTL is. With --uncached every
round computes every list: the later rounds time a computation in a process
that has run a while (its document frequencies read), as a server's is.
--from-search times the first design instead (candidates from a more-like-this
search, their bodies analyzed again), to compare the two on one machine.`,
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
				p := related.DefaultParams()
				p.FromSearch = fromSearch
				p.SimilarMin = similarMin
				f := related.New(db, analyzer.New().Terms, p)
				c := related.NewCache(f, len(picked), time.Hour)
				lists := c.Lists
				if uncached {
					lists = f.Find
				}
				var lat, first []time.Duration
				var similar, readAlso int
				for round := 0; round < rounds; round++ {
					for _, art := range picked {
						start := time.Now()
						l, err := lists(ctx, art)
						if err != nil {
							return err
						}
						d := time.Since(start)
						if round == 0 {
							similar, readAlso = similar+len(l.Similar), readAlso+len(l.ReadAlso)
						}
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
				line := fmt.Sprintf("bench related: articles=%d rounds=%d similar_mean=%.2f read_also_mean=%.2f computed_median_ms=%.3f computed_p95_ms=%.3f computed_p99_ms=%.3f",
					len(picked), rounds, float64(similar)/float64(len(picked)), float64(readAlso)/float64(len(picked)),
					ms(first, 0.5), ms(first, 0.95), ms(first, 0.99))
				if rounds > 1 {
					rest := lat[len(first):]
					name := "cached"
					if uncached {
						name = "recomputed"
					}
					line += fmt.Sprintf(" %s_median_ms=%.3f %s_p95_ms=%.3f %s_p99_ms=%.3f", name, ms(rest, 0.5), name, ms(rest, 0.95), name, ms(rest, 0.99))
				}
				fmt.Fprintln(a.stdout, line)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&n, "articles", 1000, "number of articles")
	cmd.Flags().IntVar(&rounds, "rounds", 2, "times each article's lists are computed")
	cmd.Flags().BoolVar(&fromSearch, "from-search", false, "time the first design: candidates from a more-like-this search, bodies analyzed")
	cmd.Flags().BoolVar(&uncached, "uncached", false, "compute the lists in every round (no lists cache)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed for picking articles")
	cmd.Flags().Float64Var(&similarMin, "similar-min", related.DefaultParams().SimilarMin, "least cosine of a similar entry")
	return cmd
}
