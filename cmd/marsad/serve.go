package main

import (
	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/web"
)

func (a *app) serveCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web interface (and follow the feeds)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			srv, err := web.New(db, analyzer.New(), a.log)
			if err != nil {
				return err
			}
			a.log.Info("serving", "addr", "http://"+addr, "store", db.Path())
			return srv.ListenAndServe(ctx, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", envOr("MARSAD_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env MARSAD_ADDR)")
	return cmd
}
