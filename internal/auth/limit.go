package auth

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Limiter bounds failed login attempts per client address: after Max
// failures within Window, the address is refused until the oldest of them
// is Window old. A success clears the address's count.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time // per address, oldest first, at most max
}

// maxTracked bounds the addresses remembered: past it, addresses whose
// failures have all left the window are forgotten first, then the ones
// seen longest ago.
const maxTracked = 10000

// NewLimiter allows max failed attempts per address within window (now
// nil: time.Now).
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// Allow tells whether addr may try to log in now and, when it may not,
// how long until it may.
func (l *Limiter) Allow(addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(addr)
	if len(f) < l.max {
		return true, 0
	}
	return false, f[0].Add(l.window).Sub(l.now())
}

// Fail records a failed attempt from addr.
func (l *Limiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(addr)
	if len(f) >= l.max {
		f = f[1:]
	}
	if _, ok := l.fails[addr]; !ok && len(l.fails) >= maxTracked {
		l.forget()
	}
	l.fails[addr] = append(f, l.now())
}

// Succeed clears addr's failures.
func (l *Limiter) Succeed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, addr)
}

// recent returns addr's failures still within the window.
func (l *Limiter) recent(addr string) []time.Time {
	f := l.fails[addr]
	cut := l.now().Add(-l.window)
	i := 0
	for i < len(f) && !f[i].After(cut) {
		i++
	}
	if i == len(f) {
		delete(l.fails, addr)
		return nil
	}
	f = f[i:]
	l.fails[addr] = f
	return f
}

// forget makes room: every address with no failure in the window goes;
// if none does, the one whose last failure is oldest goes.
func (l *Limiter) forget() {
	cut := l.now().Add(-l.window)
	var oldest string
	var oldestAt time.Time
	for a, f := range l.fails {
		last := f[len(f)-1]
		if !last.After(cut) {
			delete(l.fails, a)
			continue
		}
		if oldest == "" || last.Before(oldestAt) {
			oldest, oldestAt = a, last
		}
	}
	if len(l.fails) >= maxTracked {
		delete(l.fails, oldest)
	}
}

// ClientAddress is the address a request's login attempts are counted
// under: the peer's IP address, its /64 network for IPv6 (one machine
// commonly holds a whole /64). Behind a reverse proxy every client is the
// proxy's address.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}
