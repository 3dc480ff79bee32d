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
	marsadapp "github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/tags"
)

// tagsCmd prints an article's tags, the trending tags, and a tag's
// articles.
func (a *cli) tagsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "tags ARTICLE | top | show TAG",
		Short: "An article's tags (ID or URL); trending tags; a tag's articles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				art, err := findArticle(ctx, db, args[0])
				if err != nil {
					return err
				}
				list, err := db.TagsOf(ctx, art.ID)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if asJSON {
					if list == nil {
						list = []marsad.ArticleTag{}
					}
					return json.NewEncoder(w).Encode(struct {
						ID    int64               `json:"id"`
						Title string              `json:"title"`
						Tags  []marsad.ArticleTag `json:"tags"`
					}{art.ID, art.Title, list})
				}
				fmt.Fprintf(w, "%d\t%s\n", art.ID, art.Title)
				for _, t := range list {
					pub := ""
					if t.Publisher {
						pub = "\tpublisher"
					}
					fmt.Fprintf(w, "  %s\t%.3f%s\n", t.Display, t.Score, pub)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	var since time.Duration
	var limit int
	var topJSON bool
	top := &cobra.Command{
		Use:   "top [--since 24h] [--json]",
		Short: "Trending tags: growth in the window against each tag's own past",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since <= 0 {
				return marsad.Errorf(marsad.EINVALID, "--since %s: want a positive duration", since)
			}
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				// An archive's "now" is its newest article, a live store's
				// the clock.
				now, err := db.LatestPublished(ctx)
				if err != nil {
					return err
				}
				if now.IsZero() || now.After(time.Now()) {
					now = time.Now()
				}
				now = now.Add(time.Second)
				const windows = 7
				recent, err := db.TagCounts(ctx, now.Add(-since), now)
				if err != nil {
					return err
				}
				past, err := db.TagCounts(ctx, now.Add(-since*(windows+1)), now.Add(-since))
				if err != nil {
					return err
				}
				trends := tags.Trending(countsOf(recent), countsOf(past), windows, 2)
				trends = trends[:min(limit, len(trends))]
				w := cmd.OutOrStdout()
				if topJSON {
					if trends == nil {
						trends = []tags.Trend{}
					}
					return json.NewEncoder(w).Encode(struct {
						From   time.Time    `json:"from"`
						To     time.Time    `json:"to"`
						Trends []tags.Trend `json:"tags"`
					}{now.Add(-since).UTC(), now.UTC(), trends})
				}
				fmt.Fprintf(w, "trending %s – %s (against the %d windows before)\n", now.Add(-since).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), windows)
				for _, t := range trends {
					fmt.Fprintf(w, "  %s\t%d articles\t%.1f before\t×%.1f\n", t.Display, t.Recent, t.Past, t.Growth)
				}
				return nil
			})
		},
	}
	top.Flags().DurationVar(&since, "since", 24*time.Hour, "the window")
	top.Flags().IntVar(&limit, "limit", 20, "tags to print")
	top.Flags().BoolVar(&topJSON, "json", false, "print one JSON object")
	var showLimit int
	show := &cobra.Command{
		Use:   "show TAG",
		Short: "A tag's articles, latest first (any spelling of the tag)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key := strings.Join(analyzer.New().Terms(strings.Join(args, " ")), " ")
			if key == "" {
				return marsad.Errorf(marsad.EINVALID, "tag %q has no word to look up", strings.Join(args, " "))
			}
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				tc, arts, err := db.TagArticles(ctx, key, 0, showLimit)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "tag %s: %d articles\n", tc.Display, tc.Articles)
				for _, ar := range arts {
					fmt.Fprintf(w, "  %d\t%s\t%s\t%s\n", ar.ID, ar.Published.Format(time.RFC3339), ar.Source, ar.Title)
				}
				return nil
			})
		},
	}
	show.Flags().IntVar(&showLimit, "limit", 50, "articles to print")
	cmd.AddCommand(top, show)
	return cmd
}

func countsOf(list []marsad.TagCount) []tags.Count {
	out := make([]tags.Count, len(list))
	for i, c := range list {
		out[i] = tags.Count{Key: c.Key, Display: c.Display, N: c.Articles}
	}
	return out
}

// tagSource gives the reader's web the tag stage's tags (app.TagSource).
type tagSource struct {
	store marsad.TagStore
	an    *analyzer.Analyzer
}

// ArticleTags implements app.TagSource: the tags in the archive's most
// common form.
func (s tagSource) ArticleTags(ctx context.Context, id int64) ([]marsadapp.Tag, error) {
	list, err := s.store.TagsOf(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]marsadapp.Tag, len(list))
	for i, t := range list {
		out[i] = marsadapp.Tag{Name: t.Display}
	}
	return out, nil
}

// TagArticles implements app.TagSource: any spelling of the tag finds it.
func (s tagSource) TagArticles(ctx context.Context, name string, offset, limit int) (*marsadapp.Tag, []*marsad.Article, int, error) {
	key := strings.Join(s.an.Terms(name), " ")
	if key == "" {
		return nil, nil, 0, marsad.Errorf(marsad.ENOTFOUND, "no article carries the tag %q", name)
	}
	tc, arts, err := s.store.TagArticles(ctx, key, offset, limit)
	if err != nil {
		return nil, nil, 0, err
	}
	return &marsadapp.Tag{Name: tc.Display}, arts, tc.Articles, nil
}
