// Package auth guards marsad's feed admin: one secret from configuration
// (the admin token), signed session cookies that carry no state on the
// server (any web process sharing the configuration accepts them, and a
// restart logs nobody out), CSRF tokens bound to a session, a check that a
// form was posted from the site itself, and a per-address limit on login
// attempts.
//
// Sessions are stateless: a logout deletes the browser's cookie, and a
// cookie copied before that stays valid until it expires (Options.TTL);
// changing the admin token ends every session at once.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
)

// MinSecret is the shortest admin token accepted: guessing one of 12
// random characters is out of reach even without the login limit.
const MinSecret = 12

// Options tune the admin's authentication. Zero fields take the defaults.
type Options struct {
	// TTL is how long a session lasts from its login (default 12 h).
	TTL time.Duration
	// Now is the clock (tests set it).
	Now func() time.Time
}

// Admin checks the admin token and issues and verifies sessions and CSRF
// tokens.
type Admin struct {
	digest [32]byte // SHA-256 of the token: compared in constant time
	key    []byte   // signs sessions and CSRF tokens; derived from the token
	ttl    time.Duration
	now    func() time.Time
}

// New returns the authentication over secret. EINVALID for a secret
// shorter than MinSecret characters.
func New(secret string, opt Options) (*Admin, error) {
	if n := utf8.RuneCountInString(secret); n < MinSecret {
		return nil, marsad.Errorf(marsad.EINVALID, "the admin token has %d characters, at least %d are needed (e.g. openssl rand -base64 24)", n, MinSecret)
	}
	if opt.TTL <= 0 {
		opt.TTL = 12 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("marsad admin session key v1"))
	return &Admin{digest: sha256.Sum256([]byte(secret)), key: mac.Sum(nil), ttl: opt.TTL, now: opt.Now}, nil
}

// CheckSecret tells whether given is the admin token, in a time that does
// not depend on how much of it is right (both are hashed first, so not
// even the length leaks).
func (a *Admin) CheckSecret(given string) bool {
	d := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
}

// Session is a logged-in admin's session.
type Session struct {
	ID      string // random, names the session in its CSRF token
	Expires time.Time
}

// NewSession returns a new session and its cookie value.
func (a *Admin) NewSession() (Session, string) {
	var id [16]byte
	rand.Read(id[:])
	exp := a.now().Add(a.ttl).Truncate(time.Second)
	var payload [24]byte
	binary.BigEndian.PutUint64(payload[:8], uint64(exp.Unix()))
	copy(payload[8:], id[:])
	value := base64.RawURLEncoding.EncodeToString(payload[:]) + "." + base64.RawURLEncoding.EncodeToString(a.sign("session", payload[:]))
	return Session{ID: base64.RawURLEncoding.EncodeToString(id[:]), Expires: exp}, value
}

// ReadSession verifies a session cookie's value: signed with this token's
// key and not expired.
func (a *Admin) ReadSession(value string) (Session, bool) {
	p, s, ok := strings.Cut(value, ".")
	if !ok || len(value) > 128 {
		return Session{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	sig, err2 := base64.RawURLEncoding.DecodeString(s)
	if err1 != nil || err2 != nil || len(payload) != 24 || !hmac.Equal(sig, a.sign("session", payload)) {
		return Session{}, false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[:8])), 0)
	if !a.now().Before(exp) {
		return Session{}, false
	}
	return Session{ID: base64.RawURLEncoding.EncodeToString(payload[8:]), Expires: exp}, true
}

// CSRFToken returns the token the forms of a session carry: it names the
// session, so a token seen by another session (or no session) is refused.
func (a *Admin) CSRFToken(s Session) string {
	return base64.RawURLEncoding.EncodeToString(a.sign("csrf", []byte(s.ID)))
}

// CheckCSRF tells whether token is the CSRF token of s.
func (a *Admin) CheckCSRF(s Session, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && s.ID != "" && hmac.Equal(got, a.sign("csrf", []byte(s.ID)))
}

// NewLoginNonce returns a random value for the login form's cookie; the
// form carries LoginToken of it (there is no session yet to bind to).
func NewLoginNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// LoginToken returns the login form's CSRF token for the nonce in the
// browser's login cookie.
func (a *Admin) LoginToken(nonce string) string {
	return base64.RawURLEncoding.EncodeToString(a.sign("login", []byte(nonce)))
}

// CheckLoginToken tells whether token belongs to the login cookie's nonce.
func (a *Admin) CheckLoginToken(nonce, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && nonce != "" && hmac.Equal(got, a.sign("login", []byte(nonce)))
}

func (a *Admin) sign(purpose string, data []byte) []byte {
	mac := hmac.New(sha256.New, a.key)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write(data)
	return mac.Sum(nil)
}

// SameSite tells whether a state-changing request comes from the site
// itself, from what the browser says of it: Sec-Fetch-Site when sent
// (same-origin, or none for a request the user made directly), else the
// Origin header, else the Referer, compared with the site's origin
// (baseURL's when configured, else the request's own host). A request
// with none of them (not a browser's form) passes: the CSRF token still
// has to match.
func SameSite(r *http.Request, baseURL string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site != "same-origin" && site != "none" {
			return false
		}
	}
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return true
	}
	u, err := url.Parse(from)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null" (a sandboxed or file page) or garbage
	}
	if baseURL != "" {
		b, err := url.Parse(baseURL)
		return err == nil && strings.EqualFold(u.Scheme, b.Scheme) && strings.EqualFold(u.Host, b.Host)
	}
	return strings.EqualFold(u.Host, r.Host)
}
