package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
)

// storiesCmd lists, shows and rebuilds stories.
func (a *cli) storiesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "stories", Short: "List, show and rebuild stories"}
	var limit, minArticles int
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List stories, latest first",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				sts, total, err := db.FindStories(ctx, marsad.StoryFilter{MinArticles: minArticles, Limit: limit})
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if asJSON {
					return writeJSON(w, struct {
						Stories []*marsad.Story `json:"stories"`
						Total   int             `json:"total"`
					}{append([]*marsad.Story{}, sts...), total})
				}
				for _, s := range sts {
					fmt.Fprintf(w, "%d\t%s\t%d articles\t%d outlets\t%s\n", s.ID, s.LastSeen.Format(time.RFC3339), s.Articles, s.Outlets, s.Title)
				}
				fmt.Fprintf(w, "%d of %d stories\n", len(sts), total)
				return nil
			})
		},
	}
	list.Flags().IntVar(&limit, "limit", 50, "stories to print")
	list.Flags().IntVar(&minArticles, "min-articles", 2, "only stories with at least this many articles")
	list.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a story and its articles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return marsad.Errorf(marsad.EINVALID, "story id %q is not a number", args[0])
			}
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				s, err := db.FindStoryByID(ctx, id)
				if err != nil {
					return err
				}
				arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{StoryID: &id})
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "story %d: %s\n%s – %s, %d articles, %d outlets\n", s.ID, s.Title,
					s.FirstSeen.Format(time.RFC3339), s.LastSeen.Format(time.RFC3339), s.Articles, s.Outlets)
				for _, ar := range arts {
					copyOf := ""
					if ar.CanonicalID != 0 {
						copyOf = fmt.Sprintf("\t(copy of %d)", ar.CanonicalID)
					}
					fmt.Fprintf(w, "  %d\t%s\t%s\t%s%s\n", ar.ID, ar.Published.Format(time.RFC3339), ar.Source, ar.Title, copyOf)
				}
				return nil
			})
		},
	}
	var from, to string
	rebuild := &cobra.Command{
		Use:   "rebuild [--from DATE --to DATE]",
		Short: "Re-cluster the articles published in a time range, in published order",
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, t := time.Unix(0, 0).UTC(), time.Now().AddDate(100, 0, 0)
			var err error
			if from != "" {
				if f, err = time.Parse(time.DateOnly, from); err != nil {
					return marsad.Errorf(marsad.EINVALID, "--from %q: want YYYY-MM-DD", from)
				}
			}
			if to != "" {
				if t, err = time.Parse(time.DateOnly, to); err != nil {
					return marsad.Errorf(marsad.EINVALID, "--to %q: want YYYY-MM-DD", to)
				}
			}
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				n, err := a.useCases(db).RebuildStories(ctx, f, t)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "stories rebuild: articles=%d\n", n)
				return nil
			})
		},
	}
	rebuild.Flags().StringVar(&from, "from", "", "first day (YYYY-MM-DD, inclusive)")
	rebuild.Flags().StringVar(&to, "to", "", "last day (YYYY-MM-DD, exclusive)")
	cmd.AddCommand(list, show, rebuild)
	return cmd
}
