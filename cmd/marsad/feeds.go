package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	marsadapp "github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/config"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/fetch"
)

// netFlags are the network options shared by the commands that fetch.
type netFlags struct {
	allowPrivate bool
	hostDelay    time.Duration
}

func (n *netFlags) register(cfg *config.Config, cmd *cobra.Command) {
	cfg.Bool(cmd.Flags(), &n.allowPrivate, "allow-private-networks", "MARSAD_ALLOW_PRIVATE_NETWORKS", false,
		"let feeds and pages point at loopback and private addresses")
	cfg.Duration(cmd.Flags(), &n.hostDelay, "host-delay", "MARSAD_HOST_DELAY", time.Second,
		"pause between two requests to one host, in each process (0: none, for feeds served on this machine)")
}

func (a *cli) newFetchClient(n netFlags) *fetch.Client {
	delay := n.hostDelay
	if delay <= 0 {
		delay = -1 // fetch reads 0 as "the default": none is negative there
	}
	return fetch.New(fetch.Options{AllowPrivate: n.allowPrivate, HostDelay: delay, Logger: a.log})
}

// feedUseCases returns the feed use cases over db, discovering with a
// fetch client configured by nf.
func (a *cli) feedUseCases(db marsad.FeedService, nf netFlags) *marsadapp.Feeds {
	client := a.newFetchClient(nf)
	return marsadapp.NewFeeds(db, func(ctx context.Context, u string) ([]feeds.Discovered, error) {
		return feeds.Discover(ctx, client, u)
	})
}

// feedsCmd groups following outlets: add (with discovery), import, export,
// list, pause, resume — each a call of the feed use cases (app.Feeds), as
// the admin pages make them.
func (a *cli) feedsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "feeds", Short: "Follow outlets: add, import/export OPML, list feed health, pause, resume"}
	var nf netFlags
	add := &cobra.Command{
		Use:   "add URL",
		Short: "Follow the feed(s) found at URL (a feed or a site page)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			found, err := a.feedUseCases(db, nf).Add(ctx, args[0])
			for _, f := range found {
				if f.Added {
					fmt.Fprintf(a.stdout, "added %s (%s)\n", f.Feed.URL, f.Feed.Title)
				} else {
					fmt.Fprintf(a.stdout, "already following %s\n", f.Feed.URL)
				}
			}
			return err
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
			res, err := marsadapp.NewFeeds(db, nil).Import(ctx, list)
			for _, p := range res.Problems {
				fmt.Fprintf(a.stderr, "feeds import: %s: %s\n", args[0], p)
			}
			fmt.Fprintf(a.stdout, "feeds import: read=%d added=%d existing=%d skipped=%d\n", res.Read, res.Added, res.Existing, len(res.Problems))
			return err
		},
	}
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the followed feeds as OPML to standard output",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				title, list, builtIn, err := marsadapp.NewFeeds(db, nil).Export(ctx)
				if err != nil {
					return err
				}
				if builtIn {
					fmt.Fprintln(a.stderr, "feeds export: no feed is followed yet; this is the built-in list `marsad serve` follows on first start")
				}
				return feeds.WriteOPML(a.stdout, title, list)
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
					next := ago(f.NextPoll)
					if f.Paused {
						next = "paused"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", f.ID, f.Source, f.URL, ago(f.LastSuccess), next,
						f.Interval, f.ErrorCount, f.ItemsSeen, truncate(f.LastError, 80))
				}
				return tw.Flush()
			})
		},
	}
	toggle := func(use, short string, do func(*marsadapp.Feeds, context.Context, int64) (*marsad.Feed, error)) *cobra.Command {
		return &cobra.Command{
			Use:   use + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return marsad.Errorf(marsad.EINVALID, "feed id %q: want the number `marsad feeds list` shows", args[0])
				}
				return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
					f, err := do(marsadapp.NewFeeds(db, nil), ctx, id)
					if err == nil {
						fmt.Fprintf(a.stdout, "%s: %s (paused=%v)\n", use, f.URL, f.Paused)
					}
					return err
				})
			},
		}
	}
	pause := toggle("pause", "Stop polling a feed until it is resumed", (*marsadapp.Feeds).Pause)
	resume := toggle("resume", "Poll a paused feed again, at once", (*marsadapp.Feeds).Resume)
	cmd.AddCommand(add, imp, export, list, pause, resume)
	return cmd
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
