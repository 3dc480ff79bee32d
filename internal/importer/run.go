package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
)

// Options tune Run.
type Options struct {
	// BatchSize is the number of articles saved per transaction (default 500).
	BatchSize int
	// OnProblem is called for every bad line or refused article; the
	// returned Result counts them (Invalid) but does not keep them.
	OnProblem func(msg string)
	// OnBatch is called after each committed batch with the running totals.
	OnBatch func(total pipeline.Result)
	// Restore restores the lines of an export (those with marsad's own
	// fields); without it such lines are refused, never imported as new
	// articles with their stored decisions silently dropped.
	Restore Restorer
}

// Restorer restores the lines of `marsad export`: each article under its
// id, with the copy link, story and tags its store had decided, instead of
// running the stages on it (internal/app implements it).
type Restorer interface {
	// Restore restores a batch of exported lines, in their order. Refused
	// lines are counted and reported in the Result; the error is for
	// failures of the store.
	Restore(ctx context.Context, batch []*Entry) (pipeline.Result, error)
	// Finish completes what waited for later lines (a copy read before
	// its original) and reports what never could.
	Finish(ctx context.Context) (pipeline.Result, error)
}

// Run reads every article of rd and sends it through p in batches. Reading
// and preparing the next batch overlaps with saving the current one, so both
// cores work. Committed batches stay when ctx is cancelled; running again
// skips them (idempotent by canonical URL) and completes the rest.
func Run(ctx context.Context, rd *Reader, p *pipeline.Pipeline, opt Options) (pipeline.Result, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	report := func(msg string) {
		if opt.OnProblem != nil {
			opt.OnProblem(msg)
		}
	}
	type prepared struct {
		items   []*pipeline.Item
		restore []*Entry // a batch of exported lines, restored instead
		res     pipeline.Result
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: one batch is prepared (and waits, ready) while the one
	// before it commits; a buffer would only hold a third batch in memory
	// (its prepared tag candidates are ~150 KB an article) without making
	// the serial commit path any faster.
	batches := make(chan prepared)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		var raws []*marsad.RawArticle
		var archived []*Entry
		var bad pipeline.Result
		flush := func() bool {
			var b prepared
			if len(archived) > 0 {
				b.restore, archived = archived, nil
			} else {
				b.items, b.res = p.Prepare(ctx, raws)
				raws = nil
			}
			b.res.Add(bad)
			bad = pipeline.Result{}
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			e, err := rd.NextEntry()
			var le *LineError
			switch {
			case errors.As(err, &le):
				bad.Read++
				bad.Invalid++
				bad.Problems = append(bad.Problems, pipeline.Problem{Where: fmt.Sprintf("%s:%d", le.Name, le.Line), Reason: le.Reason})
				continue
			case errors.Is(err, io.EOF):
				if len(raws) > 0 || len(archived) > 0 || bad.Read > 0 {
					flush()
				}
				readErr <- nil
				return
			case err != nil:
				readErr <- fmt.Errorf("read %s at line %d: %w", rd.name, rd.line, err)
				return
			}
			// A batch is all new articles or all exported lines: a change
			// of kind sends what came before.
			if (e.Archived != nil && len(raws) > 0 || e.Archived == nil && len(archived) > 0) && !flush() {
				readErr <- ctx.Err()
				return
			}
			if e.Archived != nil {
				archived = append(archived, e)
			} else {
				raws = append(raws, e.Raw)
			}
			if len(raws)+len(archived) >= opt.BatchSize && !flush() {
				readErr <- ctx.Err()
				return
			}
			if ctx.Err() != nil {
				readErr <- ctx.Err()
				return
			}
		}
	}()
	var total pipeline.Result
	for b := range batches {
		for _, pr := range b.res.Problems {
			report(pr.String())
		}
		// Reported, not kept: an import of millions of bad lines must not
		// hold them all in memory.
		b.res.Problems = nil
		var res pipeline.Result
		var err error
		switch {
		case b.restore != nil && opt.Restore != nil:
			res, err = opt.Restore.Restore(ctx, b.restore)
		case b.restore != nil:
			res = refuseArchived(b.restore)
		default:
			res, err = p.Commit(ctx, b.items)
		}
		for _, pr := range res.Problems {
			report(pr.String())
		}
		res.Problems = nil
		total.Add(b.res)
		total.Add(res)
		if err != nil {
			cancel()
			for range batches {
			}
			return total, err
		}
		if opt.OnBatch != nil {
			opt.OnBatch(total)
		}
	}
	if err := <-readErr; err != nil {
		return total, err
	}
	if err := ctx.Err(); err != nil {
		return total, err
	}
	if opt.Restore != nil {
		res, err := opt.Restore.Finish(ctx)
		for _, pr := range res.Problems {
			report(pr.String())
		}
		res.Problems = nil
		total.Add(res)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// refuseArchived reports exported lines an import without a Restorer
// cannot take.
func refuseArchived(batch []*Entry) pipeline.Result {
	res := pipeline.Result{Read: len(batch), Invalid: len(batch)}
	for _, e := range batch {
		res.Problems = append(res.Problems, pipeline.Problem{Where: e.Raw.Where,
			Reason: "a line of marsad export: this import cannot restore its marsad fields"})
	}
	return res
}
