package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// migrateCmd brings the store's schema up to date. Every command does so
// when it opens the store; this one does only that, so that an operator
// can migrate a shared PostgreSQL database once, before starting the
// processes that use it.
func (a *cli) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the store's schema migrations (embedded in the binary)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openStoreUnchecked(ctx) // opening applies what is missing
			if err != nil {
				return err
			}
			defer db.Close()
			line := "migrate: store=" + a.cfg.Store()
			if m, ok := db.(interface {
				Migrations(context.Context) ([]string, error)
			}); ok {
				names, err := m.Migrations(ctx)
				if err != nil {
					return err
				}
				line += fmt.Sprintf(" applied=%d last=%s", len(names), names[len(names)-1])
				a.log.Info("migrations applied", "names", strings.Join(names, " "))
			}
			fmt.Fprintln(a.stdout, line)
			return nil
		},
	}
}
