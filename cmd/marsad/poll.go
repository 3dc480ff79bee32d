package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/feeds"
)

// pollCmd polls the due feeds: once with --once, else until interrupted.
func (a *cli) pollCmd() *cobra.Command {
	var nf netFlags
	var once bool
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
			p := feeds.NewPoller(db, b, a.newFetchClient(nf), feeds.Options{Logger: a.log})
			if !once {
				return p.Run(ctx)
			}
			st, err := p.PollOnce(ctx)
			fmt.Fprintf(a.stdout, "poll: feeds=%d ok=%d not_modified=%d failed=%d stopped=%d new_items=%d pages=%d page_errors=%d imported=%d outage=%v\n",
				st.Feeds, st.OK, st.NotModified, st.Failed, st.Stopped, st.NewItems, st.Pages, st.PageErrors, st.Imported, st.Outage)
			return err
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "one pass over the due feeds, then exit")
	nf.register(&a.cfg, cmd)
	return cmd
}
