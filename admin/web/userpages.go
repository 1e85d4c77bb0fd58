package web

import (
	"errors"
	"sort"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/lockout"
	"github.com/tonebase/tonebase/internal/lowprio"
)

// UsersData is the admin users page: who may sign in, and the form to
// add one.
type UsersData struct {
	Users   []User
	Me      string
	Name    string
	Errors  map[string]string
	Problem string // why a change to a listed user was refused
}

// Users serves GET /admin/users.
func (s *Server) Users(ctx *fasthttp.RequestCtx) {
	s.usersPage(ctx, 200, UsersData{})
}

func (s *Server) usersPage(ctx *fasthttp.RequestCtx, status int, d UsersData) {
	all, err := s.users.list()
	if err != nil {
		s.fail(ctx, err)
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	d.Users, d.Me = all, sess(ctx).user
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(ctx, status, "users", &view{Title: "Admin users", Nav: "users", Flash: flash(ctx), Data: d})
}

// UserAdd serves POST /admin/users: a new admin, who signs in with the
// password given here and should change it at once.
func (s *Server) UserAdd(ctx *fasthttp.RequestCtx) {
	name := strings.ToLower(strings.TrimSpace(string(ctx.FormValue("name"))))
	password := string(ctx.FormValue("password"))
	d := UsersData{Name: name, Errors: map[string]string{}}
	if password != string(ctx.FormValue("confirm")) {
		d.Errors["confirm"] = "The two passwords differ. Type the same password twice."
		s.usersPage(ctx, 400, d)
		return
	}
	err := s.users.addBy(name, password, sess(ctx).user)
	var p *userProblem
	switch {
	case errors.As(err, &p):
		d.Errors[p.field] = sentence(p.reason)
		status := 400
		if errors.Is(err, ErrUserExists) {
			status = 409
		}
		s.usersPage(ctx, status, d)
		return
	case err != nil:
		s.fail(ctx, err)
		return
	}
	s.audit(ctx, sess(ctx).user, "added admin user", name)
	httpx.Redirect(ctx, "/admin/users?msg=user-added", 303)
}

// UserStatus serves POST /admin/users/{name}/status: disable (ending the
// user's sessions) or enable an admin.
func (s *Server) UserStatus(ctx *fasthttp.RequestCtx) {
	name, me := userValue(ctx, "name"), sess(ctx).user
	var disable bool
	switch string(ctx.FormValue("status")) {
	case "disabled":
		disable = true
	case "enabled":
	default:
		s.usersPage(ctx, 400, UsersData{Problem: "Choose whether to disable or enable the user."})
		return
	}
	if disable && name == me {
		s.usersPage(ctx, 400, UsersData{Problem: "You cannot disable yourself: ask another admin to."})
		return
	}
	if !s.userChange(ctx, s.users.setDisabled(name, disable)) {
		return
	}
	if disable {
		s.sessions.endUser(name, "")
		s.audit(ctx, me, "disabled admin user", name)
		httpx.Redirect(ctx, "/admin/users?msg=user-disabled", 303)
		return
	}
	s.audit(ctx, me, "enabled admin user", name)
	httpx.Redirect(ctx, "/admin/users?msg=user-enabled", 303)
}

// UserRemove serves POST /admin/users/{name}/remove; only a disabled
// user can be removed.
func (s *Server) UserRemove(ctx *fasthttp.RequestCtx) {
	name, me := userValue(ctx, "name"), sess(ctx).user
	if name == me {
		s.usersPage(ctx, 400, UsersData{Problem: "You cannot remove yourself: ask another admin to."})
		return
	}
	if !s.userChange(ctx, s.users.remove(name)) {
		return
	}
	s.sessions.endUser(name, "")
	s.audit(ctx, me, "removed admin user", name)
	httpx.Redirect(ctx, "/admin/users?msg=user-removed", 303)
}

// userChange answers a refused change to a listed user; it reports
// whether the change was made.
func (s *Server) userChange(ctx *fasthttp.RequestCtx, err error) bool {
	var p *userProblem
	switch {
	case err == nil:
		return true
	case errors.Is(err, errNoUser):
		s.usersPage(ctx, 404, UsersData{Problem: "There is no such admin user: another admin may have removed it."})
	case errors.Is(err, errLastAdmin):
		s.usersPage(ctx, 409, UsersData{Problem: "That is the last enabled admin user: nobody could sign in. Add or enable another first."})
	case errors.As(err, &p):
		s.usersPage(ctx, 409, UsersData{Problem: sentence(p.reason)})
	default:
		s.fail(ctx, err)
	}
	return false
}

// AccountData is the signed-in admin's own page.
type AccountData struct {
	User   User
	Errors map[string]string
}

// Account serves GET /admin/account.
func (s *Server) Account(ctx *fasthttp.RequestCtx) {
	s.accountPage(ctx, 200, map[string]string{})
}

func (s *Server) accountPage(ctx *fasthttp.RequestCtx, status int, errs map[string]string) {
	u, err := s.users.get(sess(ctx).user)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	u.Hash = ""
	s.render(ctx, status, "account", &view{Title: "Your account", Nav: "account", Flash: flash(ctx),
		Data: AccountData{User: u, Errors: errs}})
}

// PasswordPost serves POST /admin/account/password: the admin's own new
// password, after the current one. Wrong current passwords count towards
// the sign-in lockout, so a session left open cannot be used to guess it;
// the admin's other sessions end.
func (s *Server) PasswordPost(ctx *fasthttp.RequestCtx) {
	ss := sess(ctx)
	current, next := string(ctx.FormValue("current")), string(ctx.FormValue("password"))
	errs := map[string]string{}
	if next != string(ctx.FormValue("confirm")) {
		errs["confirm"] = "The two new passwords differ. Type the same password twice."
	} else if err := checkPassword(next); err != nil {
		var p *userProblem
		errors.As(err, &p)
		errs["password"] = sentence(p.reason)
	}
	if len(errs) > 0 {
		s.accountPage(ctx, 400, errs)
		return
	}
	key := lockout.Name("user/" + ss.user)
	if ok, wait := s.signins.Attempt(signinPart, key); !ok {
		errs["current"] = "Too many wrong passwords. Wait " + minutes(wait) + ", then try again."
		s.accountPage(ctx, 429, errs)
		return
	}
	var ok bool
	var err error
	s.bcrypts <- struct{}{} // a signed-in admin waits for a slot rather than being refused
	lowprio.Bulk(func() { ok, err = s.users.verify(ss.user, current) })
	<-s.bcrypts
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if !ok {
		s.audit(ctx, ss.user, "password change refused: wrong current password", "")
		errs["current"] = "That is not your current password."
		s.accountPage(ctx, 400, errs)
		return
	}
	s.signins.Forgive(signinPart, key)
	if err := s.users.setPassword(ss.user, next); err != nil {
		s.fail(ctx, err)
		return
	}
	s.sessions.endUser(ss.user, ss.id)
	s.audit(ctx, ss.user, "changed own password", "")
	httpx.Redirect(ctx, "/admin/account?msg=password-changed", 303)
}

// sentence capitalises a reason and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
