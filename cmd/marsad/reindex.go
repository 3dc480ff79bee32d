package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/store/sqlite"
)

// reindexCmd rebuilds what depends on the analyzer's terms — the search
// index, content hashes and near-duplicate links — with the current
// analyzer: needed when its rules (and Version) change.
func (a *app) reindexCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index with this version of the analyzer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := sqlite.Open(ctx, a.dbPath) // not openStore: the version check is what we repair
			if err != nil {
				return err
			}
			defer db.Close()
			total, err := db.CountArticles(ctx)
			if err != nil {
				return err
			}
			an := analyzer.New()
			prog := a.newProgress(int64(total), "reindexing")
			start := time.Now()
			var after int64
			done := 0
			for {
				list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{AfterID: after, Limit: 500})
				if err != nil {
					return err
				}
				if len(list) == 0 {
					break
				}
				batch := make([]*marsad.ArticleInput, len(list))
				for i, art := range list {
					body := an.Terms(art.Body)
					art.ContentHash = dedup.ContentHash(body)
					batch[i] = &marsad.ArticleInput{Article: art,
						TitleTerms: strings.Join(an.Terms(art.Title), " "), BodyTerms: strings.Join(body, " ")}
				}
				if err := db.ReindexArticles(ctx, batch); err != nil {
					return err
				}
				after = list[len(list)-1].ID
				done += len(list)
				fmt.Fprint(prog, strings.Repeat(".", len(list))) // one byte per article
			}
			if err := db.OptimizeIndex(ctx); err != nil {
				return err
			}
			prog.Finish()
			// Near-duplicate sketches were made of the old terms: rebuild
			// them all, so old and new articles compare alike.
			dd := dedupstage.New(db, dedup.DefaultConfig(), an.Terms)
			if err := db.ResetDedup(ctx, dd.Name()); err != nil {
				return err
			}
			if err := dd.CatchUp(ctx); err != nil {
				return err
			}
			if err := db.SetMeta(ctx, analyzerVersionKey, fmt.Sprint(analyzer.Version)); err != nil {
				return err
			}
			st, err := db.Stats(ctx)
			if err != nil {
				return err
			}
			a.log.Info("stories keep their clusters; `marsad stories rebuild` re-clusters them with the new terms")
			fmt.Fprintf(a.stdout, "reindex: articles=%d copies=%d analyzer=%d seconds=%.2f\n", done, st.Copies, analyzer.Version, time.Since(start).Seconds())
			return nil
		},
	}
}
