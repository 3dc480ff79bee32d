package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	marsadapp "github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/related"
)

func (a *cli) relatedCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "related ID|URL",
		Short: "Print an article's similar articles (مقالات مشابهة) and read-also picks (إقرأ أيضاً)",
		Long: `Similar: up to 10 nearest articles by the analyzer's terms (a more-like-this
query of the article's heaviest TF-IDF terms, re-ranked by cosine and time),
never the article itself or a copy of it, one entry per copy group, at most two
from one outlet. Read also: up to 3 related articles from other stories than
the article's, other outlets preferred. The last line is "related: similar=N
read_also=M ms=T".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				art, err := findArticle(ctx, db, args[0])
				if err != nil {
					return err
				}
				start := time.Now()
				p := related.DefaultParams()
				p.ScanVocabulary = false // one list: its own terms cost less than the whole vocabulary
				lists, err := related.New(db, analyzer.New().Terms, p).Find(ctx, art)
				if err != nil {
					return err
				}
				ms := float64(time.Since(start).Microseconds()) / 1000
				if asJSON {
					enc := json.NewEncoder(a.stdout)
					enc.SetEscapeHTML(false)
					enc.SetIndent("", "  ")
					return enc.Encode(struct {
						ID int64 `json:"id"`
						*related.Lists
					}{art.ID, lists})
				}
				fmt.Fprintf(a.stdout, "%s\n%s · %s · id %d\n", art.Title, art.SourceName, art.Published.Format("2006-01-02 15:04"), art.ID)
				for _, l := range []struct {
					name    string
					entries []related.Entry
				}{{"إقرأ أيضاً (read also)", lists.ReadAlso}, {"مقالات مشابهة (similar)", lists.Similar}} {
					fmt.Fprintf(a.stdout, "\n%s:\n", l.name)
					for i, e := range l.entries {
						copies := ""
						if e.Copies > 0 {
							copies = fmt.Sprintf(" · also published %d more time(s)", e.Copies)
						}
						fmt.Fprintf(a.stdout, "%2d. %s\n    %s · %s · id %d · %.3f%s\n", i+1, e.Title, e.SourceName,
							e.Published.Format("2006-01-02 15:04"), e.ID, e.Score, copies)
					}
				}
				fmt.Fprintf(a.stdout, "related: similar=%d read_also=%d ms=%.2f\n", len(lists.Similar), len(lists.ReadAlso), ms)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// findArticle resolves a command's ARTICLE argument: an id, else a URL,
// canonicalized as every door canonicalizes what it stores (a URL as it was
// imported, or its other scheme's form, finds its article).
func findArticle(ctx context.Context, s marsad.ArticleService, arg string) (*marsad.Article, error) {
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil {
		return s.FindArticleByID(ctx, id)
	}
	return marsadapp.FindArticleByURL(ctx, s, arg)
}
