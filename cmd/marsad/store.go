package main

import (
	"context"
	"fmt"
	"github.com/spf13/cobra"
	"time"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/store/sqlite"
)

// openStore opens the store named by --db / MARSAD_DB and checks that its
// index was built by this analyzer version.
func (a *app) openStore(ctx context.Context) (*sqlite.DB, error) {
	db, err := sqlite.Open(ctx, a.dbPath)
	if err != nil {
		return nil, err
	}
	if err := checkAnalyzerVersion(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

const analyzerVersionKey = "analyzer_version"

// checkAnalyzerVersion records the analyzer version in a new store and
// refuses a store indexed by another version: its terms would not match the
// queries. `marsad reindex` rebuilds the index.
func checkAnalyzerVersion(ctx context.Context, db *sqlite.DB) error {
	v, err := db.Meta(ctx, analyzerVersionKey)
	if err != nil {
		return err
	}
	want := fmt.Sprint(analyzer.Version)
	switch v {
	case want:
		return nil
	case "":
		return db.SetMeta(ctx, analyzerVersionKey, want)
	}
	return fmt.Errorf("store %s was indexed by analyzer version %s, this marsad has version %s: run `marsad reindex --db %s`",
		db.Path(), v, want, db.Path())
}

// newPipeline wires the one pipeline every door uses, with its stages.
func (a *app) newPipeline(db *sqlite.DB, an *analyzer.Analyzer) *pipeline.Pipeline {
	return ingest.New(db, an, pipeline.WithLogger(a.log))
}

// newBatcher returns the pipeline behind a Batcher, for doors with many
// small concurrent batches (the poller's workers), and starts it; it stops
// with ctx.
func (a *app) newBatcher(ctx context.Context, db *sqlite.DB, an *analyzer.Analyzer) *pipeline.Batcher {
	b := pipeline.NewBatcher(a.newPipeline(db, an), 500, 250*time.Millisecond)
	go b.Run(ctx)
	return b
}

// withStore runs fn with the store named by --db, closed when fn returns:
// what most commands do.
func (a *app) withStore(cmd *cobra.Command, fn func(ctx context.Context, db *sqlite.DB) error) error {
	ctx := cmd.Context()
	db, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(ctx, db)
}
