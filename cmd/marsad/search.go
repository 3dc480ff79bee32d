package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/search"
)

func (a *cli) searchCmd() *cobra.Command {
	var limit, offset int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the archive the way Arabic is really written",
		Long: `Search with BM25 (title matches weigh more). Syntax:
  word "a phrase" -excluded a OR b source:okaz from:2015-08-07 to:2015-08-09
Every word goes through the Arabic analyzer: وزیر finds وزير, اطلاق finds إطلاق,
مفاوضات finds والمفاوضات, ٩٠ finds 90. The last line is "search: hits=N ms=T"
where N counts every matching article, copies of one text (wire stories
republished by several outlets) counting once: they are shown as one hit.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				an := analyzer.New()
				start := time.Now()
				q, err := search.Parse(strings.Join(args, " "), an)
				if err != nil {
					return err
				}
				q.Request.Limit, q.Request.Offset = limit, offset
				hits, total, err := db.Search(ctx, q.Request)
				if err != nil {
					return err
				}
				type jsonHit struct {
					ID        int64     `json:"id"`
					URL       string    `json:"url"`
					Title     string    `json:"title"`
					Source    string    `json:"source"`
					Published time.Time `json:"published"`
					Score     float64   `json:"score"`
					Copies    int       `json:"copies"` // other matching copies of the same text
					Snippet   string    `json:"snippet"`
				}
				var out []jsonHit
				for _, h := range hits {
					snip := search.Snippet(an, h.Article.Body, q.Terms, 30)
					out = append(out, jsonHit{h.Article.ID, h.Article.URL, h.Article.Title, h.Article.Source,
						h.Article.Published, h.Score, h.Copies, search.Plain(snip, "[", "]")})
				}
				ms := float64(time.Since(start).Microseconds()) / 1000
				if asJSON {
					enc := json.NewEncoder(a.stdout)
					enc.SetEscapeHTML(false)
					if err := enc.Encode(map[string]any{"hits": total, "results": out}); err != nil {
						return err
					}
				} else {
					for i, h := range out {
						title := search.Plain(search.Highlight(an, h.Title, q.Terms), "[", "]")
						copies := ""
						if h.Copies > 0 {
							copies = fmt.Sprintf(" · also published %d more time(s)", h.Copies)
						}
						fmt.Fprintf(a.stdout, "%d. %s\n   %s · %s · id %d%s\n   %s\n   %s\n\n", offset+i+1, title,
							h.Source, h.Published.Format("2006-01-02 15:04"), h.ID, copies, h.URL, h.Snippet)
					}
				}
				fmt.Fprintf(a.stdout, "search: hits=%d ms=%.2f\n", total, ms)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 10, "results to show")
	cmd.Flags().IntVar(&offset, "offset", 0, "results to skip")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
