package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/auth"
	"github.com/marsad/marsad/internal/feeds"
	"github.com/marsad/marsad/internal/httpx"
)

// AdminOptions turn on the feed admin under /admin. With no Token it is
// off: every admin address answers 404 with how to turn it on.
type AdminOptions struct {
	// Token is the admin's secret (at least auth.MinSecret characters):
	// typed on the login page.
	Token string
	// Feeds are the feed use cases the admin calls.
	Feeds *app.Feeds
	// SecureCookies marks the admin's cookies Secure even for a request
	// that did not come over TLS here (TLS ends at a proxy); a BaseURL
	// starting with https:// does the same.
	SecureCookies bool
	// Polling tells the page whether this process polls feeds: "poll now"
	// is taken by a poller sharing the store within its tick.
	Polling bool
	// LoginAttempts failed logins per client address within LoginWindow
	// are allowed (default 5 in 15 minutes).
	LoginAttempts int
	LoginWindow   time.Duration
	// SessionTTL is how long a login lasts (default 12 h).
	SessionTTL time.Duration
}

// admin is the state of the feed admin.
type admin struct {
	opt   AdminOptions
	auth  *auth.Admin
	limit *auth.Limiter
}

const (
	sessionCookie = "marsad_admin"
	loginCookie   = "marsad_login"
	adminPath     = "/admin"
	// adminPageSize is how many feeds one admin page lists.
	adminPageSize = 50
	// maxOPMLBytes bounds an uploaded OPML file.
	maxOPMLBytes = 2 << 20
)

// newAdmin checks the admin's options; nil when the admin is off.
func newAdmin(opt AdminOptions, now func() time.Time) (*admin, error) {
	if opt.Token == "" {
		return nil, nil
	}
	if opt.Feeds == nil {
		return nil, marsad.Errorf(marsad.EINVALID, "the admin needs the feed use cases")
	}
	a, err := auth.New(opt.Token, auth.Options{TTL: opt.SessionTTL, Now: now})
	if err != nil {
		return nil, err
	}
	if opt.LoginAttempts <= 0 {
		opt.LoginAttempts = 5
	}
	if opt.LoginWindow <= 0 {
		opt.LoginWindow = 15 * time.Minute
	}
	return &admin{opt: opt, auth: a, limit: auth.NewLimiter(opt.LoginAttempts, opt.LoginWindow, now)}, nil
}

func (s *Server) adminRoutes() {
	s.mux.HandleFunc("GET "+adminPath, s.adminGate(false, s.adminHome))
	s.mux.HandleFunc("GET "+adminPath+"/login", s.adminLoginForm)
	s.mux.HandleFunc("POST "+adminPath+"/login", s.adminLogin)
	s.mux.HandleFunc("POST "+adminPath+"/logout", s.adminGate(true, s.adminLogout))
	s.mux.HandleFunc("POST "+adminPath+"/feeds", s.adminGate(true, s.adminAdd))
	s.mux.HandleFunc("POST "+adminPath+"/feeds/import", s.adminGate(true, s.adminImport))
	s.mux.HandleFunc("GET "+adminPath+"/feeds.opml", s.adminGate(false, s.adminExport))
	s.mux.HandleFunc("POST "+adminPath+"/feeds/{id}/{action}", s.adminGate(true, s.adminFeedAction))
	s.mux.HandleFunc(adminPath+"/", func(w http.ResponseWriter, r *http.Request) {
		if s.admin == nil {
			s.adminOff(w, r)
			return
		}
		if r.URL.Path == adminPath+"/" {
			http.Redirect(w, r, adminPath, http.StatusSeeOther)
			return
		}
		s.adminMessage(w, r, http.StatusNotFound, "الصفحة غير موجودة", "لا توجد صفحة بهذا العنوان في لوحة الإدارة.")
	})
}

// adminHandler is an admin page or action, given the verified session.
type adminHandler func(w http.ResponseWriter, r *http.Request, sess auth.Session)

// adminGate lets a request reach h only with a valid session and, for a
// form (post), only when it comes from the site itself with the
// session's CSRF token. The admin turned off answers 404.
func (s *Server) adminGate(post bool, h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.admin == nil {
			s.adminOff(w, r)
			return
		}
		var sess auth.Session
		ok := false
		if c, err := r.Cookie(sessionCookie); err == nil {
			sess, ok = s.admin.auth.ReadSession(c.Value)
		}
		if !ok {
			if !post {
				noStore(w)
				http.Redirect(w, r, adminPath+"/login", http.StatusSeeOther)
				return
			}
			s.adminMessage(w, r, http.StatusForbidden, "انتهت الجلسة", "سجّل الدخول إلى لوحة الإدارة ثم أعد المحاولة.")
			return
		}
		if post {
			if !auth.SameSite(r, s.opt.BaseURL) {
				s.adminMessage(w, r, http.StatusForbidden, "طلب مرفوض", "رُفض الطلب لأنه لم يُرسل من صفحات مرصد نفسها.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxOPMLBytes+64<<10)
			if !s.admin.auth.CheckCSRF(sess, formValue(r, "csrf")) {
				s.adminMessage(w, r, http.StatusForbidden, "طلب مرفوض", "رمز الحماية في النموذج مفقود أو غير صالح: افتح لوحة الإدارة من جديد وأعد المحاولة.")
				return
			}
		}
		h(w, r, sess)
	}
}

// formValue reads a form field of a urlencoded or multipart POST (never
// the URL's query: a token there would end up in logs).
func formValue(r *http.Request, name string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if r.MultipartForm == nil {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				return ""
			}
		}
	} else if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.PostFormValue(name)
}

// noStore keeps the admin's answers out of every cache.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
}

// secure tells whether cookies set for r must be Secure.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || s.admin.opt.SecureCookies || strings.HasPrefix(s.opt.BaseURL, "https://")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: adminPath, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

// adminView renders an admin page, never cached.
func (s *Server) adminView(w http.ResponseWriter, r *http.Request, v *view) {
	v.noindex = true
	v.path = r.URL.Path
	version, err := s.dataVersion(r.Context())
	if err != nil {
		version = 0
	}
	resp := s.render(r, s.format(r), v, version)
	noStore(w)
	h := w.Header()
	h.Set("Content-Type", resp.ctype)
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		w.Write(resp.body)
	}
}

// adminMessage answers with a page holding one message.
func (s *Server) adminMessage(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	s.adminView(w, r, &view{name: "admin_message.html", status: status, title: heading + " — إدارة مرصد",
		data: errorData{Heading: heading, Message: message}})
}

// adminOff is every admin address while no admin token is configured.
func (s *Server) adminOff(w http.ResponseWriter, r *http.Request) {
	s.adminMessage(w, r, http.StatusNotFound, "لوحة الإدارة غير مفعّلة",
		"لتفعيلها شغّل الخادم مع رمز إدارة من 12 حرفاً على الأقل: marsad serve --admin-token … أو متغير البيئة MARSAD_ADMIN_TOKEN، ثم افتح /admin وادخل به.")
}

// loginData is the login page.
type loginData struct {
	CSRF, Problem string
}

func (s *Server) adminLoginForm(w http.ResponseWriter, r *http.Request) {
	if s.admin == nil {
		s.adminOff(w, r)
		return
	}
	s.showLogin(w, r, http.StatusOK, "")
}

// showLogin renders the login form with a fresh login cookie.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	nonce := auth.NewLoginNonce()
	s.setCookie(w, r, loginCookie, nonce, 3600)
	s.adminView(w, r, &view{name: "admin_login.html", status: status, title: "الدخول إلى إدارة مرصد",
		data: loginData{CSRF: s.admin.auth.LoginToken(nonce), Problem: problem}})
}

// adminLogin checks, in order: the form comes from the site with the
// login cookie's token, the client address is under its limit of failed
// attempts, and the token is right. Only a wrong token counts as a
// failure.
func (s *Server) adminLogin(w http.ResponseWriter, r *http.Request) {
	if s.admin == nil {
		s.adminOff(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	nonce := ""
	if c, err := r.Cookie(loginCookie); err == nil {
		nonce = c.Value
	}
	if !auth.SameSite(r, s.opt.BaseURL) || !s.admin.auth.CheckLoginToken(nonce, formValue(r, "csrf")) {
		s.showLogin(w, r, http.StatusForbidden, "انتهت صلاحية نموذج الدخول أو لم يُرسل من مرصد نفسه. أعد المحاولة من هذه الصفحة.")
		return
	}
	addr := auth.ClientAddress(r)
	if ok, wait := s.admin.limit.Allow(addr); !ok {
		minutes := int((wait + time.Minute - 1) / time.Minute)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.showLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf(
			"محاولات دخول خاطئة كثيرة من عنوانك. أوقفنا الدخول منه مؤقتاً حمايةً للوحة الإدارة؛ أعد المحاولة بعد %s.",
			s.format(r).count(minutes, "minute")))
		return
	}
	if !s.admin.auth.CheckSecret(formValue(r, "token")) {
		s.admin.limit.Fail(addr)
		s.log.Warn("admin login failed", "client", addr)
		s.showLogin(w, r, http.StatusUnauthorized, "رمز الإدارة غير صحيح.")
		return
	}
	s.admin.limit.Succeed(addr)
	sess, value := s.admin.auth.NewSession()
	s.setCookie(w, r, sessionCookie, value, int(sess.Expires.Sub(s.opt.Now()).Seconds()))
	s.setCookie(w, r, loginCookie, "", -1)
	s.log.Info("admin login", "client", addr)
	noStore(w)
	http.Redirect(w, r, adminPath, http.StatusSeeOther)
}

func (s *Server) adminLogout(w http.ResponseWriter, r *http.Request, _ auth.Session) {
	s.setCookie(w, r, sessionCookie, "", -1)
	noStore(w)
	http.Redirect(w, r, adminPath+"/login", http.StatusSeeOther)
}

// adminData is the feeds page: what was just done, the forms and the
// feeds with their health.
type adminData struct {
	CSRF    string
	Done    string // what the last action did
	Problem string // why it failed
	Detail  string // the failure's technical text (English, left to right)
	URL     string // the add form's value, kept after a failure
	Added   []app.Added
	Import  *app.ImportResult
	Feeds   []*marsad.Feed
	Total   int
	Pager   pager
	Polling bool
	Expires time.Time
}

// doneMessages are the fixed texts a redirect after an action names (a
// code, never text from the URL).
var doneMessages = map[string]string{
	"paused":  "أُوقفت الخلاصة مؤقتاً: لن تُجلب حتى تستأنفها.",
	"resumed": "استُؤنفت الخلاصة، وستُجلب الآن.",
	"polling": "طُلب جلب الخلاصة الآن.",
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	data := &adminData{Done: doneMessages[r.URL.Query().Get("done")]}
	if data.Done == doneMessages["polling"] && !s.admin.opt.Polling {
		data.Done += " هذا الخادم لا يجلب الخلاصات (--no-poll أو --role web): يأخذها أول جالب يشاركه المخزن."
	}
	s.adminFeeds(w, r, sess, http.StatusOK, data)
}

// adminFeeds renders the feeds page with data's message.
func (s *Server) adminFeeds(w http.ResponseWriter, r *http.Request, sess auth.Session, status int, data *adminData) {
	page, err := pageNum(r)
	if err != nil {
		page = 1
	}
	list, total, err := s.admin.opt.Feeds.List(r.Context(), (page-1)*adminPageSize, adminPageSize)
	if err != nil {
		s.log.Error("admin: feeds", "err", err)
		s.adminMessage(w, r, http.StatusInternalServerError, "تعذّر عرض الخلاصات", "سُجّل الخطأ؛ أعد المحاولة بعد قليل.")
		return
	}
	pages := max(1, (total+adminPageSize-1)/adminPageSize)
	data.CSRF, data.Feeds, data.Total, data.Polling, data.Expires = s.admin.auth.CSRFToken(sess), list, total, s.admin.opt.Polling, sess.Expires
	data.Pager = pagerOf(r, page, pages)
	s.adminView(w, r, &view{name: "admin.html", status: status, title: "إدارة الخلاصات — مرصد", clock: true, data: data})
}

// failed fills data with why an action failed and returns its status: 400
// for what the admin asked wrongly (with the use case's own words), 500
// (logged) for the rest.
func (s *Server) failed(data *adminData, what string, err error) int {
	switch marsad.ErrorCode(err) {
	case marsad.EINVALID, marsad.ECONFLICT, marsad.ENOTFOUND, marsad.EUNAVAILABLE:
		data.Problem, data.Detail = what, marsad.ErrorMessage(err)
		return http.StatusBadRequest
	}
	s.log.Error("admin: "+what, "err", err)
	data.Problem = what + " سُجّل الخطأ؛ أعد المحاولة بعد قليل."
	return http.StatusInternalServerError
}

func (s *Server) adminAdd(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	raw := strings.TrimSpace(formValue(r, "url"))
	data := &adminData{URL: raw}
	added, err := s.admin.opt.Feeds.Add(r.Context(), raw)
	data.Added = added
	status := http.StatusOK
	if err != nil {
		status = s.failed(data, "تعذّرت إضافة الرابط.", err)
	} else {
		n := 0
		for _, a := range added {
			if a.Added {
				n++
			}
		}
		data.Done = "وُجدت " + s.format(r).count(len(added), "feed") + "، أُضيف منها " + s.format(r).num(n) + "."
		data.URL = ""
	}
	s.adminFeeds(w, r, sess, status, data)
}

func (s *Server) adminImport(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	data := &adminData{}
	status := http.StatusOK
	f, hdr, err := r.FormFile("opml")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = s.failed(data, "ملف OPML أكبر من الحد.", marsad.Errorf(marsad.EINVALID, "an OPML file of at most %d bytes is accepted", maxOPMLBytes))
		} else {
			status = s.failed(data, "لم يصل ملف OPML.", marsad.Errorf(marsad.EINVALID, "choose an OPML file to import"))
		}
		s.adminFeeds(w, r, sess, status, data)
		return
	}
	defer f.Close()
	list, err := feeds.ParseOPML(f, hdr.Filename)
	if err != nil {
		status = s.failed(data, "تعذّرت قراءة ملف OPML.", marsad.Errorf(marsad.EINVALID, "%v", err))
		s.adminFeeds(w, r, sess, status, data)
		return
	}
	res, err := s.admin.opt.Feeds.Import(r.Context(), list)
	data.Import = &res
	if err != nil {
		status = s.failed(data, "توقف الاستيراد.", err)
	} else {
		data.Done = "اكتمل الاستيراد."
	}
	s.adminFeeds(w, r, sess, status, data)
}

func (s *Server) adminExport(w http.ResponseWriter, r *http.Request, _ auth.Session) {
	title, list, _, err := s.admin.opt.Feeds.Export(r.Context())
	if err != nil {
		s.log.Error("admin: export", "err", err)
		s.adminMessage(w, r, http.StatusInternalServerError, "تعذّر التصدير", "سُجّل الخطأ؛ أعد المحاولة بعد قليل.")
		return
	}
	noStore(w)
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="marsad-feeds.opml"`)
	if err := feeds.WriteOPML(w, title, list); err != nil {
		s.log.Error("admin: export", "err", err)
	}
}

func (s *Server) adminFeedAction(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	id, err := httpx.PathID(r, "feed")
	if err != nil {
		data := &adminData{}
		s.adminFeeds(w, r, sess, s.failed(data, "لا توجد هذه الخلاصة.", err), data)
		return
	}
	fs := s.admin.opt.Feeds
	var do func() (*marsad.Feed, error)
	var done string
	switch r.PathValue("action") {
	case "pause":
		do, done = func() (*marsad.Feed, error) { return fs.Pause(r.Context(), id) }, "paused"
	case "resume":
		do, done = func() (*marsad.Feed, error) { return fs.Resume(r.Context(), id) }, "resumed"
	case "poll":
		do, done = func() (*marsad.Feed, error) { return fs.PollNow(r.Context(), id) }, "polling"
	default:
		s.adminMessage(w, r, http.StatusNotFound, "الصفحة غير موجودة", "لا يوجد إجراء بهذا الاسم.")
		return
	}
	if _, err := do(); err != nil {
		data := &adminData{}
		s.adminFeeds(w, r, sess, s.failed(data, "تعذّر تنفيذ الإجراء على الخلاصة.", err), data)
		return
	}
	back := adminPath + "?done=" + done
	if p := formValue(r, "page"); p != "" && p != "1" {
		if n, err := strconv.Atoi(p); err == nil && n > 1 {
			back += "&page=" + strconv.Itoa(n)
		}
	}
	noStore(w)
	http.Redirect(w, r, back+"#feed-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
