package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows long work: a bar on a terminal, a plain log line every few
// seconds elsewhere (CI logs, pipes). It counts bytes written to it.
type progress struct {
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	out    io.Writer
	what   string
	total  int64
	done   int64
	status string
	last   time.Time
}

func (a *cli) newProgress(total int64, what string) *progress {
	p := &progress{out: a.stderr, what: what, total: total, last: time.Now()}
	if term.IsTerminal(int(a.stderr.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// Write counts n bytes as done.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(len(b))
	if p.bar != nil {
		_ = p.bar.Add(len(b))
	} else if time.Since(p.last) >= 5*time.Second {
		p.last = time.Now()
		if p.total > 0 {
			fmt.Fprintf(p.out, "%s: %.0f%% %s\n", p.what, 100*float64(p.done)/float64(p.total), p.status)
		} else {
			fmt.Fprintf(p.out, "%s: %d bytes %s\n", p.what, p.done, p.status)
		}
	}
	return len(b), nil
}

// Status sets a short text shown next to the bar.
func (p *progress) Status(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = s
	if p.bar != nil {
		p.bar.Describe(p.what + " " + s)
	}
}

// Printf prints a line without breaking the bar.
func (p *progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.out, format+"\n", args...)
}

// Finish ends the bar.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

var _ io.Writer = (*progress)(nil)
