package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/postgres"
	"github.com/marsad/marsad/store/sqlite"
)

// openStore opens the store the configuration names (--db / MARSAD_DB, or
// --database-url / MARSAD_DATABASE_URL) and checks that its index was built
// by this analyzer version.
func (a *cli) openStore(ctx context.Context) (marsad.Store, error) {
	db, err := a.openStoreUnchecked(ctx)
	if err != nil {
		return nil, err
	}
	if err := app.New(db, analyzer.New(), a.log).CheckIndex(ctx, a.cfg.Store()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openStoreUnchecked opens the store without the analyzer check, for the
// command that repairs it (reindex).
func (a *cli) openStoreUnchecked(ctx context.Context) (marsad.Store, error) {
	if a.cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, a.cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", a.cfg.Store(), err)
		}
		return db, nil
	}
	return sqlite.Open(ctx, a.cfg.DBPath)
}

// useCases returns the use cases over store.
func (a *cli) useCases(store marsad.Store) *app.App { return app.New(store, analyzer.New(), a.log) }

// newBatcher returns the pipeline behind a Batcher, for doors with many
// small concurrent batches (the poller's workers), and starts it; it stops
// with ctx. wait returns the Batcher's error once ctx has ended.
func (a *cli) newBatcher(ctx context.Context, store marsad.Store) (b *pipeline.Batcher, wait func() error) {
	return a.startBatcher(ctx, a.useCases(store).Pipeline())
}

// startBatcher is newBatcher over the pipeline p.
func (a *cli) startBatcher(ctx context.Context, p *pipeline.Pipeline) (b *pipeline.Batcher, wait func() error) {
	b = pipeline.NewBatcher(p, 500, 250*time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	return b, func() error { return <-done }
}

// withStore runs fn with the configured store, closed when fn returns:
// what most commands do.
func (a *cli) withStore(cmd *cobra.Command, fn func(ctx context.Context, store marsad.Store) error) error {
	ctx := cmd.Context()
	db, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(ctx, db)
}
