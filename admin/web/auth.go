package web

import (
	"errors"
	"strings"
	"time"

	"github.com/tonebase/tonebase/internal/lowprio"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/lockout"
	"github.com/valyala/fasthttp"
)

const (
	cookieSession = "tonebase_session"
	// cookieForm carries the anti-forgery token of the forms shown before
	// sign-in (double-submit), so a sign-in cannot be forged either.
	cookieForm = "tonebase_form"
	sessionKey = "web_session"
)

func (s *Server) setCookie(ctx *fasthttp.RequestCtx, name, value string, del bool) {
	var c fasthttp.Cookie
	c.SetKey(name)
	c.SetValue(value)
	c.SetPath("/admin/")
	c.SetHTTPOnly(true)
	c.SetSameSite(fasthttp.CookieSameSiteStrictMode)
	c.SetSecure(ctx.IsTLS())
	if del {
		c.SetExpire(fasthttp.CookieExpireDelete)
	}
	ctx.Response.Header.SetCookie(&c)
}

// headers are the security headers of every page: no inline script runs,
// nothing frames the pages, and nothing is cached.
func headers(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// Page requires a signed-in admin.
func (s *Server) Page(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		headers(ctx)
		ss, ok := s.sessions.get(string(ctx.Request.Header.Cookie(cookieSession)))
		if !ok {
			s.toSignIn(ctx)
			return
		}
		ctx.SetUserValue(sessionKey, ss)
		next(ctx)
	}
}

// Form requires a signed-in admin and the session's anti-forgery token.
// A multipart form is read here, its files spooled to disk (readMultipart)
// and removed after the handler unless it kept them.
func (s *Server) Form(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return s.Page(func(ctx *fasthttp.RequestCtx) {
		files, err := s.readMultipart(ctx)
		defer files.discard()
		if err != nil {
			ctx.SetConnectionClose() // where the body ends is unknown
			s.fail(ctx, err)
			return
		}
		if !sameToken(string(ctx.FormValue("csrf")), sess(ctx).csrf) {
			s.fail(ctx, errForged)
			return
		}
		next(ctx)
	})
}

func sess(ctx *fasthttp.RequestCtx) session {
	ss, _ := ctx.UserValue(sessionKey).(session)
	return ss
}

func (s *Server) toSignIn(ctx *fasthttp.RequestCtx) {
	if ok, err := s.users.exist(); err != nil {
		s.fail(ctx, err)
		return
	} else if !ok {
		httpx.Redirect(ctx, "/admin/setup", 303)
		return
	}
	target := "/admin/sign-in"
	if ctx.IsGet() {
		target += "?next=" + queryEscape(string(ctx.RequestURI()))
	} else {
		target += "?msg=expired"
	}
	httpx.Redirect(ctx, target, 303)
}

// safeNext keeps a post-sign-in redirect on these pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin/"
	}
	return next
}

// formToken returns the pre-sign-in anti-forgery token, setting its cookie.
func (s *Server) formToken(ctx *fasthttp.RequestCtx) string {
	tok := string(ctx.Request.Header.Cookie(cookieForm))
	if len(tok) < 32 {
		tok = randomToken()
		s.setCookie(ctx, cookieForm, tok, false)
	}
	return tok
}

func formTokenOK(ctx *fasthttp.RequestCtx) bool {
	return sameToken(string(ctx.FormValue("csrf")), string(ctx.Request.Header.Cookie(cookieForm)))
}

// SignInData is what the sign-in page shows.
type SignInData struct {
	Next  string
	Name  string
	Error string
}

// SignIn serves GET /admin/sign-in.
func (s *Server) SignIn(ctx *fasthttp.RequestCtx) {
	headers(ctx)
	if ok, err := s.users.exist(); err != nil {
		s.fail(ctx, err)
		return
	} else if !ok {
		httpx.Redirect(ctx, "/admin/setup", 303)
		return
	}
	v := &view{Title: "Sign in", CSRF: s.formToken(ctx), Flash: flash(ctx),
		Data: SignInData{Next: safeNext(string(ctx.QueryArgs().Peek("next")))}}
	s.render(ctx, 200, "signin", v)
}

// collSigninLocks holds the sign-in locks that have not ended.
const collSigninLocks = "admin.signin-locks"

// signinPart is the one partition of the sign-in lockout: admins are not
// tenants.
const signinPart = 0

// bcryptSlots is how many password comparisons run at once. Sign-in is
// human-paced; one comparison at a time already serves tens a second.
const bcryptSlots = 1

// SignInPost serves POST /admin/sign-in.
func (s *Server) SignInPost(ctx *fasthttp.RequestCtx) {
	headers(ctx)
	name := strings.ToLower(strings.TrimSpace(string(ctx.FormValue("name"))))
	data := SignInData{Next: safeNext(string(ctx.FormValue("next"))), Name: name}
	again := func(status int, msg string) {
		data.Error = msg
		s.render(ctx, status, "signin", &view{Title: "Sign in", CSRF: s.formToken(ctx), Data: data})
	}
	if !formTokenOK(ctx) {
		again(403, "The sign-in form had expired. It has been refreshed: sign in again.")
		return
	}
	keys := []lockout.Name{lockout.Name("ip/" + ctx.RemoteIP().String()), lockout.Name("user/" + name)}
	// Counted before it is checked: however many arrive at once, no more
	// than the limit reach the password comparison in a window.
	if ok, wait := s.signins.Attempt(signinPart, keys...); !ok {
		again(429, "Too many failed sign-ins. Wait "+minutes(wait)+", then try again, or ask another admin to check your account.")
		return
	}
	// bcrypt takes a core for tens of milliseconds: a few at once, the rest
	// refused at once, so a flood of sign-ins cannot starve the lookups.
	select {
	case s.bcrypts <- struct{}{}:
	default:
		s.signins.Forgive(signinPart, keys...) // not checked, so not a failure
		ctx.Response.Header.Set("Retry-After", "1")
		again(503, "Too many sign-ins at once. Wait a second, then try again.")
		return
	}
	password := string(ctx.FormValue("password"))
	var ok bool
	var err error
	// At a lowered priority, so the comparison takes little of a core the
	// lookups want; not the lowest, at which a flood of sign-ins starved
	// the one comparison running for half a minute and more.
	lowprio.Bulk(func() { ok, err = s.users.verify(name, password) })
	<-s.bcrypts
	if err != nil {
		s.signins.Forgive(signinPart, keys...)
		s.fail(ctx, err)
		return
	}
	if ok {
		s.signins.Forgive(signinPart, keys...)
	} else {
		s.audit(ctx, name, "sign-in failed", "")
		again(401, "That user name and password do not match. Check them and try again.")
		return
	}
	ss, err := s.sessions.start(name)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.setCookie(ctx, cookieSession, ss.id, false)
	ctx.SetUserValue(sessionKey, *ss)
	s.audit(ctx, name, "signed in", "")
	httpx.Redirect(ctx, data.Next, 303)
}

func minutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return itoa(m) + " minutes"
}

// SignOut serves POST /admin/sign-out.
func (s *Server) SignOut(ctx *fasthttp.RequestCtx) {
	ss := sess(ctx)
	s.sessions.end(ss.id)
	s.setCookie(ctx, cookieSession, "", true)
	s.audit(ctx, ss.user, "signed out", "")
	httpx.Redirect(ctx, "/admin/sign-in?msg=signed-out", 303)
}

// SetupData is what the setup page shows.
type SetupData struct {
	Name   string
	Errors map[string]string
}

// Setup serves GET /admin/setup: the first admin user, on an empty store.
func (s *Server) Setup(ctx *fasthttp.RequestCtx) {
	headers(ctx)
	if ok, err := s.users.exist(); err != nil {
		s.fail(ctx, err)
		return
	} else if ok {
		httpx.Redirect(ctx, "/admin/sign-in", 303)
		return
	}
	s.render(ctx, 200, "setup", &view{Title: "Set up tonebase", CSRF: s.formToken(ctx), Data: SetupData{}})
}

// SetupPost serves POST /admin/setup.
func (s *Server) SetupPost(ctx *fasthttp.RequestCtx) {
	headers(ctx)
	if ok, err := s.users.exist(); err != nil {
		s.fail(ctx, err)
		return
	} else if ok {
		httpx.Redirect(ctx, "/admin/sign-in", 303)
		return
	}
	name := strings.ToLower(strings.TrimSpace(string(ctx.FormValue("name"))))
	password := string(ctx.FormValue("password"))
	data := SetupData{Name: name, Errors: map[string]string{}}
	key := lockout.Name("setup/" + ctx.RemoteIP().String())
	switch locked, wait := s.signins.Locked(signinPart, key); {
	case !formTokenOK(ctx):
		data.Errors["form"] = "The form had expired. It has been refreshed: fill it in again."
	case locked:
		data.Errors["form"] = "Too many wrong admin tokens. Wait " + minutes(wait) + ", then try again."
	case !sameToken(strings.TrimSpace(string(ctx.FormValue("token"))), s.cfg.AdminToken):
		s.signins.Fail(signinPart, key)
		data.Errors["token"] = "That is not the admin token. It is in the data folder's admin.token file, or in TONEBASE_ADMIN_TOKEN."
	case password != string(ctx.FormValue("confirm")):
		data.Errors["confirm"] = "The two passwords differ. Type the same password twice."
	}
	if len(data.Errors) == 0 {
		err := s.users.add(name, password)
		var p *userProblem
		switch {
		case errors.As(err, &p):
			data.Errors[p.field] = p.reason
		case err != nil:
			s.fail(ctx, err)
			return
		}
	}
	if len(data.Errors) > 0 {
		s.render(ctx, 400, "setup", &view{Title: "Set up tonebase", CSRF: s.formToken(ctx), Data: data})
		return
	}
	ss, err := s.sessions.start(name)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.setCookie(ctx, cookieSession, ss.id, false)
	s.audit(ctx, name, "created the first admin user", name)
	httpx.Redirect(ctx, "/admin/", 303)
}
