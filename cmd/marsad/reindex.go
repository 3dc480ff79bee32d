package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
)

// reindexCmd rebuilds what depends on the analyzer's terms — the search
// index, content hashes and near-duplicate links — with the current
// analyzer: needed when its rules (and Version) change.
func (a *cli) reindexCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index with this version of the analyzer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openStoreUnchecked(ctx) // the version check is what we repair
			if err != nil {
				return err
			}
			defer db.Close()
			total, err := db.CountArticles(ctx)
			if err != nil {
				return err
			}
			prog := a.newProgress(int64(total), "reindexing")
			start := time.Now()
			last := 0
			res, err := a.useCases(db).Reindex(ctx, func(done int) {
				fmt.Fprint(prog, strings.Repeat(".", done-last)) // one byte per article
				last = done
			})
			prog.Finish()
			if err != nil {
				return err
			}
			a.log.Info("stories keep their clusters; `marsad stories rebuild` re-clusters them with the new terms")
			fmt.Fprintf(a.stdout, "reindex: articles=%d copies=%d analyzer=%d seconds=%.2f\n", res.Articles, res.Copies, analyzer.Version, time.Since(start).Seconds())
			return nil
		},
	}
}
