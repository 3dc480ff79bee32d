package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	marsadapp "github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/web"
)

func (a *app) serveCmd() *cobra.Command {
	var addr, zone, digits, baseURL string
	var noPoll bool
	var net netFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web interface and follow the feeds",
		Long: `Serve the web interface and poll the followed feeds on their schedules.
On first start, when no feed is followed, the built-in list of Arabic outlets
(feeds export shows it) is followed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			an := analyzer.New()
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return fmt.Errorf("--tz %s: %w", zone, err)
			}
			pages := marsadapp.NewPages(db, an, runtime.NumCPU())
			srv, err := web.New(pages, db, a.log, web.Options{Zone: loc, Digits: web.Digits(digits), BaseURL: baseURL})
			if err != nil {
				return err
			}
			pollDone := make(chan error, 1)
			if noPoll {
				pollDone <- nil
			} else {
				_, total, err := db.FindFeeds(ctx, marsad.FeedFilter{Limit: 1})
				if err != nil {
					return err
				}
				if total == 0 {
					list, err := feeds.DefaultFeeds()
					if err != nil {
						return err
					}
					n, err := importFeeds(cmd, db, list)
					if err != nil {
						return err
					}
					a.log.Info("first start: following the built-in outlets", "feeds", n)
				}
				poller := feeds.NewPoller(db, a.newBatcher(ctx, db, an), a.newFetchClient(net), feeds.Options{Logger: a.log})
				go func() { pollDone <- poller.Run(ctx) }()
			}
			a.log.Info("serving", "addr", "http://"+addr, "store", db.Path(), "polling", !noPoll)
			err = srv.ListenAndServe(ctx, addr)
			cancel()
			if perr := <-pollDone; perr != nil && !errors.Is(perr, context.Canceled) && err == nil {
				err = perr
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", envOr("MARSAD_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env MARSAD_ADDR)")
	cmd.Flags().StringVar(&zone, "tz", envOr("MARSAD_TZ", "Asia/Riyadh"), "readers' time zone for dates on the pages (env MARSAD_TZ)")
	cmd.Flags().StringVar(&digits, "digits", envOr("MARSAD_DIGITS", "latn"), "digits on the pages: latn (123) or arab (١٢٣); readers can switch (env MARSAD_DIGITS)")
	cmd.Flags().StringVar(&baseURL, "base-url", envOr("MARSAD_BASE_URL", ""), "public address of the site for canonical links, e.g. https://marsad.example (env MARSAD_BASE_URL)")
	cmd.Flags().BoolVar(&noPoll, "no-poll", envOr("MARSAD_NO_POLL", "") == "1", "serve only; do not poll feeds (env MARSAD_NO_POLL=1)")
	net.register(cmd)
	return cmd
}
