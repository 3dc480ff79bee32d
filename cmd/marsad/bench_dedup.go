package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/internal/pipeline"
)

// benchDedupCmd measures the near-duplicate stage as the store grows: the
// corpus is imported, then imported again under shifted URLs and dates,
// pass after pass. Every article of a later pass is an exact copy of one
// article of each earlier pass, the worst case for linking: the store
// holds ever more copies of the same texts.
func (a *cli) benchDedupCmd() *cobra.Command {
	var passes, batch int
	var keep string
	cmd := &cobra.Command{
		Use:   "dedup FILE...",
		Short: "Import JSONL files PASSES times (shifted URLs and dates) and report the dedup stage's ms/article per pass",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			raws, err := readBenchArticles(args, 0)
			if err != nil {
				return err
			}
			db, done, err := openBenchStore(ctx, keep)
			if err != nil {
				return err
			}
			defer done()
			an := analyzer.New()
			// Only the dedup stage: the figures are its own.
			p := pipeline.New(db, an, pipeline.WithLogger(a.log),
				pipeline.WithStages(dedupstage.New(db, dedup.DefaultConfig())))
			var first, last float64
			for pass := range passes {
				d, imported, err := benchDedupPass(ctx, p, shifted(raws, pass), batch)
				if err != nil {
					return err
				}
				st, err := db.Stats(ctx)
				if err != nil {
					return err
				}
				ms := float64(d.Microseconds()) / 1000 / float64(max(imported, 1))
				if pass == 0 {
					first = ms
				}
				last = ms
				fmt.Fprintf(a.stdout, "pass %d: imported=%d stored=%d copies=%d dedup_ms_per_article=%.3f dedup_seconds=%.2f\n",
					pass+1, imported, st.Articles, st.Copies, ms, d.Seconds())
			}
			fmt.Fprintf(a.stdout, "bench dedup: passes=%d articles_per_pass=%d first_ms_per_article=%.3f last_ms_per_article=%.3f growth=%.2f\n",
				passes, len(raws), first, last, last/max(first, 1e-9))
			return nil
		},
	}
	cmd.Flags().IntVar(&passes, "passes", 10, "how many times the corpus is imported")
	cmd.Flags().IntVar(&batch, "batch", 500, "articles per batch, as the importer")
	cmd.Flags().StringVar(&keep, "keep", "", "write the store here instead of a temporary file")
	return cmd
}

// benchDedupPass imports raws in batches and returns the time spent in the
// dedup stage and the number of newly stored articles.
func benchDedupPass(ctx context.Context, p *pipeline.Pipeline, raws []*marsad.RawArticle, batch int) (time.Duration, int, error) {
	var d time.Duration
	imported := 0
	for lo := 0; lo < len(raws); lo += batch {
		res, err := p.Ingest(ctx, raws[lo:min(len(raws), lo+batch)])
		if err != nil {
			return 0, 0, err
		}
		d += res.Timings["dedup"]
		imported += res.Imported
	}
	return d, imported, nil
}

// shifted returns copies of raws for pass n: URL paths under /pass-n and
// dates n×30 days later (pass 0 is raws itself).
func shifted(raws []*marsad.RawArticle, n int) []*marsad.RawArticle {
	if n == 0 {
		return raws
	}
	out := make([]*marsad.RawArticle, len(raws))
	for i, r := range raws {
		c := *r
		if u, err := url.Parse(r.URL); err == nil {
			u.Path = fmt.Sprintf("/pass-%d%s", n, u.Path)
			u.RawPath = ""
			c.URL = u.String()
		}
		if !c.Published.IsZero() {
			c.Published = c.Published.AddDate(0, 0, 30*n)
		}
		out[i] = &c
	}
	return out
}
