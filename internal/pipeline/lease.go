package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/marsad/marsad"
)

// Leaser is what the pipeline needs of the store to share its stages with
// other processes: named leases, and the work each stage may take now.
type Leaser interface {
	TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	Leases(ctx context.Context, now time.Time) ([]marsad.Lease, error)
	ReadyWork(ctx context.Context, stage string, limit int) ([]int64, error)
	OwedCounts(ctx context.Context) (map[string]int, error)
}

// Ordered is implemented by a stage whose result depends on the order its
// articles reach it (story clustering is online: an article is compared
// with the stories as they were when it arrived). Run under leases, such
// a stage waits until its work has settled and takes it in the one order
// every process computes alike (published time, then URL), so that the
// same articles give the same result whichever processes saved them and
// in whatever order.
type Ordered interface {
	Ordered() bool
}

// LeaseOptions configure a pipeline that shares its stages with other
// processes (WithLeases).
type LeaseOptions struct {
	// Holder names this process among those sharing the store (host,
	// pid and a random part: it must never be reused by another).
	Holder string
	// TTL is how long a stage's lease lasts unless renewed: a process
	// killed while holding it holds up the stage this long at most
	// (default 30 s). The holder renews it every Tick, and every TTL/3
	// while a batch runs.
	TTL time.Duration
	// Tick is how often the stages' leases and ready work are looked at
	// (default 1 s).
	Tick time.Duration
	// Quiet and Bound say when an Ordered stage's work has settled: no
	// article was saved and no earlier stage did any work for Quiet
	// (default 5 s), or its oldest owed article has waited Bound (default
	// 1 min: under a steady flow of articles a stage never sees Quiet).
	Quiet, Bound time.Duration
}

// WithLeases makes the pipeline one of several processes sharing a store:
// Commit saves batches and leaves them owed, and RunStages runs each stage
// only while this process holds the stage's lease, on the store's ready
// work. Without it the pipeline runs its stages itself after every batch.
func WithLeases(l Leaser, o LeaseOptions) Option {
	return func(p *Pipeline) {
		orDefault(&o.TTL, 30*time.Second)
		orDefault(&o.Tick, time.Second)
		orDefault(&o.Quiet, 5*time.Second)
		orDefault(&o.Bound, time.Minute)
		p.lease = &leaseRun{l: l, o: o, free: map[string]int{}, held: map[string]bool{}, settle: map[string]*settling{}}
	}
}

func orDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// leaseRun is the state of RunStages, used by its goroutine only.
type leaseRun struct {
	l      Leaser
	o      LeaseOptions
	held   map[string]bool      // stage leases this process holds
	free   map[string]int       // ticks in a row a lease was seen free
	settle map[string]*settling // by stage, for Ordered stages
}

// settling is what an Ordered stage's holder has seen of the owed work.
type settling struct {
	sig     string    // owed counts of the stage and the ones before it
	changed time.Time // when sig last changed
	waiting time.Time // since when the stage owes something
}

// LeaseName is the name of stage's lease in the store.
func LeaseName(stage string) string { return "stage:" + stage }

// RunStages runs the stages under their leases until ctx ends, then
// releases the leases it holds. Every Tick it renews the leases it holds
// and takes free ones: at once when it holds none, else only once the
// lease has been free for a few ticks, so that with several idle processes
// the stages spread over them (one holder per stage; a stage's model stays
// in one process's memory), while a lone process holds them all. A stage
// it holds does its ready work — what it owes and no earlier stage owes —
// in batches. Errors are logged and the work stays owed for the next tick
// or the next holder.
func (p *Pipeline) RunStages(ctx context.Context) error {
	lr := p.lease
	if lr == nil {
		return fmt.Errorf("pipeline: RunStages without WithLeases")
	}
	defer p.releaseAll(ctx)
	t := time.NewTicker(lr.o.Tick)
	defer t.Stop()
	for {
		if err := p.leaseTick(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("stages under leases", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// leaseTick is one look at every stage's lease and, for the held ones,
// their ready work, in pipeline order.
//
// It runs in RunStages' goroutine alone and holds no lock while the stages
// work: in this mode Commit only saves, so the stages' models are touched
// here only, and the poller's saves never wait for a stage.
func (p *Pipeline) leaseTick(ctx context.Context) error {
	lr := p.lease
	p.mu.Lock()
	err := p.register(ctx)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	now := p.now()
	live, err := lr.l.Leases(ctx, now)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	holders := map[string]string{}
	for _, l := range live {
		holders[l.Name] = l.Holder
	}
	for i, st := range p.stages {
		name := LeaseName(st.Name())
		if !lr.held[name] {
			if h := holders[name]; h != "" && h != lr.o.Holder {
				lr.free[name] = 0
				continue
			}
			lr.free[name]++
			if lr.free[name] <= 2*len(lr.held) {
				continue // left a moment to a process that holds none
			}
		}
		ok, err := lr.l.TakeLease(ctx, name, lr.o.Holder, p.now(), lr.o.TTL)
		if err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		if !ok {
			if lr.held[name] {
				p.log.Warn("lost a stage's lease", "stage", st.Name())
			}
			delete(lr.held, name)
			continue
		}
		if !lr.held[name] {
			p.log.Info("took a stage's lease", "stage", st.Name(), "holder", lr.o.Holder)
		}
		lr.held[name], lr.free[name] = true, 0
		if err := p.runLeased(ctx, i, st, name); err != nil {
			return fmt.Errorf("pipeline stage %s: %w", st.Name(), err)
		}
	}
	return nil
}

// runLeased does st's ready work while this process holds its lease.
func (p *Pipeline) runLeased(ctx context.Context, i int, st Stage, name string) error {
	lr := p.lease
	if o, ok := st.(Ordered); ok && o.Ordered() {
		ready, err := p.settled(ctx, i, st)
		if err != nil || !ready {
			return err
		}
	}
	// The lease is renewed while the batches run; losing it (a pause
	// longer than the TTL let another process take it) stops the work, and
	// the stores refuse a story save whose lease has passed on (the
	// LeaseCheck): a holder that wakes up mid-batch writes nothing.
	sctx, cancel := context.WithCancel(marsad.WithLeaseCheck(ctx, marsad.LeaseCheck{Name: name, Holder: lr.o.Holder}))
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(lr.o.TTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if ok, err := lr.l.TakeLease(sctx, name, lr.o.Holder, p.now(), lr.o.TTL); err != nil || !ok {
					p.log.Warn("stage's lease not renewed: stopping its work", "stage", st.Name(), "held", ok, "err", err)
					cancel()
					return
				}
			}
		}
	}()
	var last []int64
	for {
		var ids []int64
		err := p.retry(sctx, "ready", func() (err error) {
			ids, err = lr.l.ReadyWork(sctx, st.Name(), catchUpBatch)
			return err
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		if slices.Equal(ids, last) {
			// The batch before completed nothing: a stage that skips work
			// it owes would otherwise be handed it forever.
			return fmt.Errorf("ready work %d…%d not completed by the stage", ids[0], ids[len(ids)-1])
		}
		last = ids
		n, err := p.processStored(sctx, st, ids)
		if err != nil {
			return err
		}
		p.log.Info("stage work done", "stage", st.Name(), "articles", n)
	}
}

// settled says whether the Ordered stage i may place its ready work now:
// nothing was saved and no earlier stage worked for Quiet (the owed counts
// of stage i and the ones before it did not move, and the earlier ones owe
// nothing), or the stage has owed work for Bound.
func (p *Pipeline) settled(ctx context.Context, i int, st Stage) (bool, error) {
	lr := p.lease
	counts, err := lr.l.OwedCounts(ctx)
	if err != nil {
		return false, fmt.Errorf("pipeline: %w", err)
	}
	var sig strings.Builder
	earlier := 0
	for j, s := range p.stages[:i+1] {
		sig.WriteString(strconv.Itoa(counts[s.Name()]) + " ")
		if j < i {
			earlier += counts[s.Name()]
		}
	}
	now := time.Now() // a duration of this process, not a store time
	s := lr.settle[st.Name()]
	if s == nil {
		s = &settling{}
		lr.settle[st.Name()] = s
	}
	if sig.String() != s.sig {
		s.sig, s.changed = sig.String(), now
	}
	if counts[st.Name()] == 0 {
		s.waiting = time.Time{}
		return false, nil
	}
	if s.waiting.IsZero() {
		s.waiting = now
	}
	return (earlier == 0 && now.Sub(s.changed) >= lr.o.Quiet) || now.Sub(s.waiting) >= lr.o.Bound, nil
}

// releaseAll gives up the leases held, when the process stops: the next
// holder need not wait for them to expire.
func (p *Pipeline) releaseAll(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for name := range p.lease.held {
		if err := p.lease.l.ReleaseLease(rctx, name, p.lease.o.Holder); err != nil {
			p.log.Warn("releasing a stage's lease", "lease", name, "err", err)
		}
	}
	clear(p.lease.held)
}
