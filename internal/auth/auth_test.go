package auth

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const secret = "correct horse battery staple"

func TestNewRefusesAShortToken(t *testing.T) {
	for _, s := range []string{"", "short", "elevenchars"} {
		if _, err := New(s, Options{}); err == nil {
			t.Errorf("New(%q) accepted a token of %d characters", s, len(s))
		}
	}
	if _, err := New("twelve chars", Options{}); err != nil {
		t.Errorf("a 12-character token: %v", err)
	}
}

func TestCheckSecret(t *testing.T) {
	a, _ := New(secret, Options{})
	for _, tt := range []struct {
		given string
		want  bool
	}{
		{secret, true}, {secret + " ", false}, {"", false}, {strings.ToUpper(secret), false}, {secret[:len(secret)-1], false},
	} {
		if got := a.CheckSecret(tt.given); got != tt.want {
			t.Errorf("CheckSecret(%q) = %v, want %v", tt.given, got, tt.want)
		}
	}
}

func TestSessionsAreSignedAndExpire(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, _ := New(secret, Options{TTL: time.Hour, Now: func() time.Time { return now }})
	other, _ := New(secret+"!", Options{TTL: time.Hour, Now: func() time.Time { return now }})
	s, value := a.NewSession()
	got, ok := a.ReadSession(value)
	if !ok || got.ID != s.ID || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("read back %+v %v, want %+v", got, ok, s)
	}
	payload, sig, _ := strings.Cut(value, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		return string(b)
	}
	for name, v := range map[string]string{
		"empty": "", "no signature": payload, "another payload": flip(payload) + "." + sig,
		"another signature": payload + "." + flip(sig), "garbage": "x.y", "too long": value + strings.Repeat("A", 100),
	} {
		if _, ok := a.ReadSession(v); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok := other.ReadSession(value); ok {
		t.Errorf("a session of another token was accepted")
	}
	now = now.Add(time.Hour)
	if _, ok := a.ReadSession(value); ok {
		t.Errorf("an expired session was accepted")
	}
}

func TestCSRFTokensBelongToTheirSession(t *testing.T) {
	a, _ := New(secret, Options{})
	s1, _ := a.NewSession()
	s2, _ := a.NewSession()
	tok := a.CSRFToken(s1)
	if !a.CheckCSRF(s1, tok) {
		t.Fatal("a session's own token was refused")
	}
	for name, tt := range map[string]struct {
		s   Session
		tok string
	}{
		"another session's token": {s2, tok}, "empty token": {s1, ""}, "no session": {Session{}, tok},
		"a login token": {s1, a.LoginToken(s1.ID)}, "garbage": {s1, "!!"},
	} {
		if a.CheckCSRF(tt.s, tt.tok) {
			t.Errorf("%s: accepted", name)
		}
	}
	n := NewLoginNonce()
	if !a.CheckLoginToken(n, a.LoginToken(n)) || a.CheckLoginToken(NewLoginNonce(), a.LoginToken(n)) || a.CheckLoginToken("", a.LoginToken("")) {
		t.Error("login tokens are not bound to their nonce")
	}
}

func TestSameSite(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		base    string
		want    bool
	}{
		{"no browser headers", nil, "", true},
		{"same origin", map[string]string{"Origin": "http://marsad.test"}, "", true},
		{"another site", map[string]string{"Origin": "https://evil.example"}, "", false},
		{"null origin", map[string]string{"Origin": "null"}, "", false},
		{"same host through the base URL", map[string]string{"Origin": "https://marsad.example"}, "https://marsad.example", true},
		{"http origin when the site is https", map[string]string{"Origin": "http://marsad.example"}, "https://marsad.example", false},
		{"referer of the site", map[string]string{"Referer": "http://marsad.test/admin"}, "", true},
		{"referer of another site", map[string]string{"Referer": "https://evil.example/x"}, "", false},
		{"fetch metadata cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://marsad.test"}, "", false},
		{"fetch metadata same-site (a sibling host)", map[string]string{"Sec-Fetch-Site": "same-site"}, "", false},
		{"fetch metadata same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://marsad.test"}, "", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "http://marsad.test/admin/login", nil)
		for k, v := range tt.headers {
			r.Header.Set(k, v)
		}
		if got := SameSite(r, tt.base); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLimiterHoldsPerAddress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, 10*time.Minute, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		l.Fail("a")
		now = now.Add(time.Minute)
	}
	ok, wait := l.Allow("a")
	if ok || wait != 7*time.Minute {
		t.Errorf("after 3 failures: allowed=%v, wait %v; want refused for 7m (the first failure leaves the window)", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another address was refused")
	}
	now = now.Add(7 * time.Minute)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("still refused once the first failure left the window")
	}
	l.Fail("a")
	if ok, _ := l.Allow("a"); ok {
		t.Error("a new failure did not count with the two still in the window")
	}
	l.Succeed("a")
	if ok, _ := l.Allow("a"); !ok {
		t.Error("a success did not clear the failures")
	}
}

func TestLimiterForgetsWithinItsBound(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(2, time.Minute, func() time.Time { return now })
	for i := range maxTracked + 50 {
		l.Fail(fmt.Sprint(i))
	}
	if n := len(l.fails); n > maxTracked {
		t.Errorf("%d addresses remembered, bound %d", n, maxTracked)
	}
}

func TestClientAddress(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"pipe", "pipe"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := ClientAddress(r); got != tt.want {
			t.Errorf("ClientAddress(%s) = %s, want %s", tt.remote, got, tt.want)
		}
	}
}
