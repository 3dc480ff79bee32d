package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
)

func (a *cli) showCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID|URL",
		Short: "Print one article",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				art, err := findArticle(ctx, db, args[0])
				if err != nil {
					return err
				}
				copies, err := db.FindCopies(ctx, art.ID)
				if err != nil {
					return err
				}
				var story *marsad.Story
				if art.StoryID != 0 {
					if story, err = db.FindStoryByID(ctx, art.StoryID); err != nil && marsad.ErrorCode(err) != marsad.ENOTFOUND {
						return err
					}
				}
				if asJSON {
					type copyRef struct {
						ID        int64     `json:"id"`
						URL       string    `json:"url"`
						Source    string    `json:"source"`
						Published time.Time `json:"published"`
					}
					out := struct {
						*marsad.Article
						Copies []copyRef     `json:"copies"`
						Story  *marsad.Story `json:"story,omitempty"`
					}{Article: art, Copies: []copyRef{}, Story: story}
					for _, c := range copies {
						out.Copies = append(out.Copies, copyRef{c.ID, c.URL, c.Source, c.Published})
					}
					return writeJSON(a.stdout, out)
				}
				fmt.Fprintf(a.stdout, "%s\n%s · %s", art.Title, art.SourceName, art.Published.Format("2006-01-02 15:04 MST"))
				if art.Author != "" {
					fmt.Fprintf(a.stdout, " · %s", art.Author)
				}
				fmt.Fprintf(a.stdout, "\n%s\n", art.URL)
				if len(art.Tags) > 0 {
					fmt.Fprintf(a.stdout, "tags: %s\n", strings.Join(art.Tags, " · "))
				}
				fmt.Fprintln(a.stdout)
				for _, p := range art.Paragraphs() {
					fmt.Fprintf(a.stdout, "%s\n\n", p)
				}
				if len(copies) > 0 {
					fmt.Fprintln(a.stdout, "also published by:")
					for _, c := range copies {
						fmt.Fprintf(a.stdout, "  %s · %s · id %d · %s\n", c.SourceName, c.Published.Format("2006-01-02 15:04"), c.ID, c.URL)
					}
				}
				if story != nil {
					fmt.Fprintf(a.stdout, "story %d: %s (%d articles, %d outlets)\n", story.ID, story.Title, story.Articles, story.Outlets)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func (a *cli) statsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count what the store holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				st, err := db.Stats(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, st)
				}
				fmt.Fprintf(a.stdout, "store: %s\n", a.cfg.Store())
				for _, stage := range slices.Sorted(maps.Keys(st.Pending)) {
					fmt.Fprintf(a.stdout, "owed: stage=%s articles=%d\n", stage, st.Pending[stage])
				}
				// Which worker runs which stage now (serve --role worker).
				leases, err := db.Leases(ctx, time.Now())
				if err != nil {
					return err
				}
				for _, l := range leases {
					fmt.Fprintf(a.stdout, "lease: name=%s holder=%s until=%s\n", l.Name, l.Holder, l.Until.Format(time.RFC3339))
				}
				fmt.Fprintf(a.stdout, "stats: articles=%d sources=%d feeds=%d stories=%d tags=%d copies=%d pending=%d\n",
					st.Articles, st.Sources, st.Feeds, st.Stories, st.Tags, st.Copies, st.PendingTotal())
				if st.Articles == 0 {
					fmt.Fprintln(a.stdout, "hint: the store is empty: `marsad import FILE.jsonl` loads an archive, `marsad serve` or `marsad poll` follows the feeds")
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
