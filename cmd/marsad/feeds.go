package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/config"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/fetch"
)

// netFlags are the network options shared by the commands that fetch.
type netFlags struct {
	allowPrivate bool
}

func (n *netFlags) register(cfg *config.Config, cmd *cobra.Command) {
	cfg.Bool(cmd.Flags(), &n.allowPrivate, "allow-private-networks", "MARSAD_ALLOW_PRIVATE_NETWORKS", false,
		"let feeds and pages point at loopback and private addresses")
}

func (a *cli) newFetchClient(n netFlags) *fetch.Client {
	return fetch.New(fetch.Options{AllowPrivate: n.allowPrivate, Logger: a.log})
}

// feedsCmd groups following outlets: add (with discovery), import, export, list.
func (a *cli) feedsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "feeds", Short: "Follow outlets: add, import/export OPML, list feed health"}
	var nf netFlags
	add := &cobra.Command{
		Use:   "add URL",
		Short: "Follow the feed(s) found at URL (a feed or a site page)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			found, err := feeds.Discover(ctx, a.newFetchClient(nf), args[0])
			if err != nil {
				return err
			}
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			for _, d := range found {
				f := feedFor(d.URL, d.Title, args[0])
				switch err := db.CreateFeed(ctx, f); marsad.ErrorCode(err) {
				case "":
					fmt.Fprintf(a.stdout, "added %s (%s)\n", f.URL, f.Title)
				case marsad.ECONFLICT:
					fmt.Fprintf(a.stdout, "already following %s\n", f.URL)
				default:
					return err
				}
			}
			return nil
		},
	}
	nf.register(&a.cfg, add)
	imp := &cobra.Command{
		Use:   "import FILE.opml",
		Short: "Follow every feed of an OPML file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fh, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer fh.Close()
			list, err := feeds.ParseOPML(fh, args[0])
			if err != nil {
				return err
			}
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			added, err := importFeeds(cmd, db, list)
			fmt.Fprintf(a.stdout, "feeds import: read=%d added=%d\n", len(list), added)
			return err
		},
	}
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the followed feeds as OPML to standard output",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				list, _, err := db.FindFeeds(ctx, marsad.FeedFilter{})
				if err != nil {
					return err
				}
				var out []feeds.OPMLFeed
				for _, f := range list {
					out = append(out, feeds.OPMLFeed{Title: cmp.Or(f.Title, f.SourceName), XMLURL: f.URL, HTMLURL: f.SiteURL, Category: f.SourceName})
				}
				if len(list) == 0 {
					// Nothing followed yet: the list serve would follow on
					// its first start, so it can be edited and imported.
					if out, err = feeds.DefaultFeeds(); err != nil {
						return err
					}
					fmt.Fprintln(a.stderr, "feeds export: no feed is followed yet; this is the built-in list `marsad serve` follows on first start")
					return feeds.WriteOPML(a.stdout, "marsad built-in feeds", out)
				}
				return feeds.WriteOPML(a.stdout, "marsad feeds", out)
			})
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Show every feed with its health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				list, _, err := db.FindFeeds(ctx, marsad.FeedFilter{})
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSOURCE\tURL\tLAST SUCCESS\tNEXT POLL\tINTERVAL\tERRORS\tITEMS\tLAST ERROR")
				for _, f := range list {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", f.ID, f.Source, f.URL, ago(f.LastSuccess), ago(f.NextPoll),
						f.Interval, f.ErrorCount, f.ItemsSeen, truncate(f.LastError, 80))
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, imp, export, list)
	return cmd
}

// importFeeds creates the feeds of list that are not followed yet.
func importFeeds(cmd *cobra.Command, db marsad.FeedService, list []feeds.OPMLFeed) (int, error) {
	added := 0
	for _, o := range list {
		f := feedFor(o.XMLURL, o.Title, o.HTMLURL)
		switch err := db.CreateFeed(cmd.Context(), f); marsad.ErrorCode(err) {
		case "":
			added++
		case marsad.ECONFLICT:
		default:
			return added, err
		}
	}
	return added, nil
}

// feedFor builds a feed whose source is keyed by the site's host.
func feedFor(feedURL, title, siteURL string) *marsad.Feed {
	host := marsad.DomainOf(siteURL, feedURL)
	return &marsad.Feed{URL: feedURL, Title: title, SiteURL: siteURL, Source: host, SourceName: cmp.Or(title, host)}
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Until(t).Round(time.Second)
	if d > 0 {
		return "in " + d.String()
	}
	return (-d).String() + " ago"
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
