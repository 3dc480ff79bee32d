package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
)

func (a *app) showCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID|URL",
		Short: "Print one article",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			var art *marsad.Article
			if id, perr := strconv.ParseInt(args[0], 10, 64); perr == nil {
				art, err = db.FindArticleByID(ctx, id)
			} else {
				art, err = db.FindArticleByURL(ctx, args[0])
			}
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(art)
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
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func (a *app) statsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Count what the store holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.Stats(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "store: %s\n", db.Path())
			fmt.Fprintf(a.stdout, "stats: articles=%d sources=%d feeds=%d stories=%d tags=%d copies=%d\n",
				st.Articles, st.Sources, st.Feeds, st.Stories, st.Tags, st.Copies)
			return nil
		},
	}
}
