package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/extract"
	"github.com/marsad/marsad/internal/fetch"
)

// extractCmd prints what marsad extracts from an article page.
func (a *cli) extractCmd() *cobra.Command {
	var nf netFlags
	var pageURL string
	var showHTML bool
	cmd := &cobra.Command{
		Use:   "extract URL|FILE",
		Short: "Extract an article page: title, date, author, tags, text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var page []byte
			target := args[0]
			if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
				resp, err := a.newFetchClient(nf).GetText(cmd.Context(), fetch.Request{URL: target, Accept: "text/html,application/xhtml+xml"})
				if err != nil {
					return err
				}
				page, pageURL = resp.Body, resp.URL
			} else {
				b, err := os.ReadFile(target)
				if err != nil {
					return err
				}
				page = b
			}
			res, err := extract.Extract(page, pageURL)
			if err != nil {
				return err
			}
			w := a.stdout
			fmt.Fprintf(w, "title:     %s\n", res.Title)
			if !res.Published.IsZero() {
				fmt.Fprintf(w, "published: %s\n", res.Published.Format("2006-01-02 15:04 -0700"))
			}
			fmt.Fprintf(w, "author:    %s\nsite:      %s\nlang:      %s\ncanonical: %s\ntags:      %s\n\n",
				res.Author, res.SiteName, res.Lang, res.CanonicalURL, strings.Join(res.Tags, " | "))
			if showHTML {
				fmt.Fprintln(w, res.HTML)
				return nil
			}
			for _, p := range res.Paragraphs() {
				fmt.Fprintf(w, "%s\n\n", p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pageURL, "url", "", "the page's URL when extracting a FILE (resolves links, dates in URLs)")
	cmd.Flags().BoolVar(&showHTML, "html", false, "print the sanitized HTML instead of the text")
	nf.register(&a.cfg, cmd)
	return cmd
}
