package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	marsadapp "github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/feeds"
)

// pollCmd polls the due feeds: once with --once, else until interrupted.
func (a *cli) pollCmd() *cobra.Command {
	var nf netFlags
	var once, force bool
	var workers int
	cmd := &cobra.Command{
		Use:   "poll",
		Short: "Poll due feeds and ingest their new items (--once: one pass)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			b, wait := a.newBatcher(ctx, db)
			defer func() {
				cancel()
				if berr := wait(); err == nil && berr != nil && !errors.Is(berr, context.Canceled) {
					err = berr
				}
			}()
			if workers < 1 {
				return marsad.Errorf(marsad.EINVALID, "--poll-workers %d: want at least 1", workers)
			}
			p := feeds.NewPoller(db, b, a.newFetchClient(nf), feeds.Options{Logger: a.log, Workers: workers})
			followed, _, err := db.FindFeeds(ctx, marsad.FeedFilter{})
			if err != nil {
				return err
			}
			if len(followed) == 0 {
				fmt.Fprintln(a.stderr, "poll: no feed is followed yet: `marsad feeds add URL` (a site or a feed), `marsad feeds import FILE.opml`, "+
					"or `marsad feeds export > outlets.opml && marsad feeds import outlets.opml` for the built-in list (`marsad serve` follows it by itself)")
			}
			if force {
				// Every feed due now: a feed that failed and backs off, or
				// one polled a minute ago, is polled again.
				if _, err := marsadapp.NewFeeds(db, nil).PollAllNow(ctx); err != nil {
					return err
				}
			}
			if !once {
				return p.Run(ctx)
			}
			start := time.Now()
			st, err := p.PollOnce(ctx)
			fmt.Fprintf(a.stdout, "poll: feeds=%d ok=%d not_modified=%d failed=%d stopped=%d new_items=%d pages=%d page_errors=%d imported=%d outage=%v\n",
				st.Feeds, st.OK, st.NotModified, st.Failed, st.Stopped, st.NewItems, st.Pages, st.PageErrors, st.Imported, st.Outage)
			if err != nil {
				return err
			}
			active := slices.DeleteFunc(slices.Clone(followed), func(f *marsad.Feed) bool { return f.Paused })
			if st.Feeds == 0 && len(followed) > 0 && len(active) == 0 {
				fmt.Fprintf(a.stderr, "poll: every followed feed (%d) is paused: `marsad feeds resume ID` polls one again\n", len(followed))
			}
			if st.Feeds == 0 && len(active) > 0 {
				next := slices.MinFunc(active, func(x, y *marsad.Feed) int { return x.NextPoll.Compare(y.NextPoll) })
				fmt.Fprintf(a.stderr, "poll: no feed is due; the next, %s, is not due until %s (in %s); --force polls every feed now\n",
					next.URL, next.NextPoll.Local().Format("2006-01-02 15:04:05 MST"), time.Until(next.NextPoll).Round(time.Second))
			}
			if st.Failed > 0 {
				// Name each failure here: the log may be off, and the
				// error says what to do (a blocked address names the switch).
				after, _, ferr := db.FindFeeds(ctx, marsad.FeedFilter{})
				if ferr != nil {
					return ferr
				}
				for _, f := range after {
					if f.LastError != "" && !f.LastErrorAt.Before(start.Truncate(time.Second)) {
						fmt.Fprintf(a.stderr, "poll: %s failed: %s\n", f.URL, f.LastError)
					}
				}
			}
			if st.Feeds > 0 && st.OK == 0 && st.Stopped == 0 {
				return fmt.Errorf("every feed polled failed (%d of %d); `marsad feeds list` shows each error", st.Failed, st.Feeds)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "one pass over the due feeds, then exit")
	cmd.Flags().BoolVar(&force, "force", false, "make every feed due now (also those backing off after failures)")
	a.cfg.Int(cmd.Flags(), &workers, "poll-workers", "MARSAD_POLL_WORKERS", feeds.DefaultWorkers, "feeds polled at once")
	nf.register(&a.cfg, cmd)
	return cmd
}
