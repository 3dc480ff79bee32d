package pipeline

import (
	"context"
	"time"

	"github.com/marsad/marsad"
)

// Batcher gathers the small batches of concurrent callers (a poller's
// workers each bring one feed's 20 items) into one save and one run of the
// stages: the cost of a transaction and of a stage's batch is paid once per
// few hundred articles instead of once per feed, and concurrent callers do
// not queue on the store's write lock.
type Batcher struct {
	p        *Pipeline
	maxItems int
	wait     time.Duration
	reqs     chan *batchReq
}

type batchReq struct {
	ctx   context.Context
	raws  []*marsad.RawArticle
	items []*Item
	res   Result
	done  chan error
}

// NewBatcher returns a Batcher over p that commits when maxItems articles
// are waiting or wait has passed since the first of them. Run must be
// running for Ingest to return.
func NewBatcher(p *Pipeline, maxItems int, wait time.Duration) *Batcher {
	return &Batcher{p: p, maxItems: max(1, maxItems), wait: wait, reqs: make(chan *batchReq)}
}

// Ingest prepares raws (in the caller's goroutine, in parallel with other
// callers) and waits until they are saved and staged with other callers'
// articles. The Result counts only this caller's articles.
func (b *Batcher) Ingest(ctx context.Context, raws []*marsad.RawArticle) (Result, error) {
	r := &batchReq{ctx: ctx, raws: raws, done: make(chan error, 1)}
	r.items, r.res = b.p.Prepare(ctx, raws)
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return r.res, ctx.Err()
	}
	select {
	case err := <-r.done:
		return r.res, err
	case <-ctx.Done():
		// The batch may still be committed; the caller will see the
		// articles as unchanged next time.
		return r.res, ctx.Err()
	}
}

// Run commits gathered batches until ctx ends.
func (b *Batcher) Run(ctx context.Context) error {
	for {
		var pending []*batchReq
		n := 0
		select {
		case r := <-b.reqs:
			pending, n = append(pending, r), len(r.items)
		case <-ctx.Done():
			return ctx.Err()
		}
		timer := time.NewTimer(b.wait)
	gather:
		for n < b.maxItems {
			select {
			case r := <-b.reqs:
				pending, n = append(pending, r), n+len(r.items)
			case <-timer.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		timer.Stop()
		b.commit(ctx, pending)
	}
}

func (b *Batcher) commit(ctx context.Context, pending []*batchReq) {
	var all []*Item
	for _, r := range pending {
		all = append(all, r.items...)
	}
	res, err := b.p.Commit(ctx, all)
	for _, r := range pending {
		for _, it := range r.items {
			if it.Inserted {
				r.res.Imported++
				r.res.Inserted = append(r.res.Inserted, it)
			} else if err == nil {
				r.res.Unchanged++
			}
		}
		r.res.Timings = res.Timings
		r.done <- err
	}
}
