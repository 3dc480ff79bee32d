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
		items []*pipeline.Item
		res   pipeline.Result
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan prepared, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		var raws []*marsad.RawArticle
		var bad pipeline.Result
		flush := func() bool {
			items, res := p.Prepare(ctx, raws)
			res.Add(bad)
			bad = pipeline.Result{}
			raws = nil
			select {
			case batches <- prepared{items, res}:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			raw, err := rd.Next()
			var le *LineError
			switch {
			case errors.As(err, &le):
				bad.Read++
				bad.Invalid++
				bad.Problems = append(bad.Problems, pipeline.Problem{Where: fmt.Sprintf("%s:%d", le.Name, le.Line), Reason: le.Reason})
				continue
			case errors.Is(err, io.EOF):
				if len(raws) > 0 || bad.Read > 0 {
					flush()
				}
				readErr <- nil
				return
			case err != nil:
				readErr <- fmt.Errorf("read %s at line %d: %w", rd.name, rd.line, err)
				return
			}
			raws = append(raws, raw)
			if len(raws) >= opt.BatchSize && !flush() {
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
		res, err := p.Commit(ctx, b.items)
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
	return total, ctx.Err()
}
