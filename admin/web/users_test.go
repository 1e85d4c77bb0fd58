package web

import (
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestUserForms walks adding, disabling, enabling and removing admin
// users, and each form's bad input.
func TestUserForms(t *testing.T) {
	s, _ := newTestServer(t)
	ada := newBrowser(t, listen(t, s))
	signUp(t, ada)
	base := ada.base

	code, page, _ := ada.get("/admin/users")
	expect(t, "the users page", code, page, 200, "ada (you)", "Add an admin user")
	for _, tc := range []struct {
		name     string
		form     url.Values
		code     int
		wantText string
	}{
		{"a name with capitals and spaces", url.Values{"name": {"Bob Smith"}, "password": {"long enough pass"}, "confirm": {"long enough pass"}}, 400, "lower-case letters"},
		{"an empty name", url.Values{"name": {""}, "password": {"long enough pass"}, "confirm": {"long enough pass"}}, 400, "The user name must be"},
		{"a short password", url.Values{"name": {"bob"}, "password": {"short"}, "confirm": {"short"}}, 400, "The password must be 12 to 72 characters."},
		{"a password over 72 bytes", url.Values{"name": {"bob"}, "password": {strings.Repeat("x", 73)}, "confirm": {strings.Repeat("x", 73)}}, 400, "12 to 72 characters"},
		{"differing passwords", url.Values{"name": {"bob"}, "password": {"long enough pass"}, "confirm": {"long enough pasS"}}, 400, "The two passwords differ"},
		{"a name taken", url.Values{"name": {"ada"}, "password": {"long enough pass"}, "confirm": {"long enough pass"}}, 409, "already exists"},
	} {
		code, page, _ := ada.post("/admin/users", tc.form)
		expect(t, tc.name, code, page, tc.code, tc.wantText)
	}
	code, _, loc := ada.post("/admin/users", url.Values{"name": {"bob"}, "password": {"bobs first password"}, "confirm": {"bobs first password"}})
	if code != 303 || loc != "/admin/users?msg=user-added" {
		t.Fatalf("add bob: %d %s", code, loc)
	}
	bob := newBrowser(t, base)
	signIn(t, bob, "bob", "bobs first password")

	ada.get("/admin/users")
	for _, tc := range []struct {
		name, path string
		form       url.Values
		code       int
		wantText   string
	}{
		{"no status", "/admin/users/bob/status", url.Values{}, 400, "Choose whether to disable or enable"},
		{"an unknown status", "/admin/users/bob/status", url.Values{"status": {"gone"}}, 400, "Choose whether to disable or enable"},
		{"disabling oneself", "/admin/users/ada/status", url.Values{"status": {"disabled"}}, 400, "You cannot disable yourself"},
		{"removing oneself", "/admin/users/ada/remove", url.Values{}, 400, "You cannot remove yourself"},
		{"removing an enabled user", "/admin/users/bob/remove", url.Values{}, 409, "Disable bob first, then remove it."},
		{"an unknown user", "/admin/users/nobody/status", url.Values{"status": {"disabled"}}, 404, "There is no such admin user"},
		{"removing an unknown user", "/admin/users/nobody/remove", url.Values{}, 404, "There is no such admin user"},
		{"a forged form", "/admin/users/bob/status", url.Values{"status": {"disabled"}, "csrf": {"forged"}}, 403, "out of date"},
	} {
		code, page, _ := ada.post(tc.path, tc.form)
		expect(t, tc.name, code, page, tc.code, tc.wantText)
	}
	if code, _, _ := bob.get("/admin/"); code != 200 {
		t.Fatalf("bob was signed out by refused changes: %d", code)
	}

	code, _, loc = ada.post("/admin/users/bob/status", url.Values{"status": {"disabled"}})
	if code != 303 || loc != "/admin/users?msg=user-disabled" {
		t.Fatalf("disable bob: %d %s", code, loc)
	}
	if code, _, loc := bob.get("/admin/"); code != 303 || !strings.HasPrefix(loc, "/admin/sign-in") {
		t.Fatalf("a disabled user's session still works: %d %s", code, loc)
	}
	bob.get("/admin/sign-in")
	code, page, _ = bob.post("/admin/sign-in", url.Values{"name": {"bob"}, "password": {"bobs first password"}})
	expect(t, "a disabled user signing in", code, page, 401, "do not match")

	ada.get("/admin/users")
	code, _, _ = ada.post("/admin/users/bob/status", url.Values{"status": {"enabled"}})
	if code != 303 {
		t.Fatalf("enable bob: %d", code)
	}
	signIn(t, bob, "bob", "bobs first password")
	ada.post("/admin/users/bob/status", url.Values{"status": {"disabled"}})
	code, _, loc = ada.post("/admin/users/bob/remove", url.Values{})
	if code != 303 || loc != "/admin/users?msg=user-removed" {
		t.Fatalf("remove bob: %d %s", code, loc)
	}
	if _, page, _ = ada.get("/admin/users"); strings.Contains(page, ">bob<") {
		t.Fatalf("bob still listed:\n%s", page)
	}
	code, page, _ = ada.get("/admin/audit")
	for _, action := range []string{"added", "disabled", "enabled", "removed"} {
		expect(t, "the audit log", code, page, 200, `<td data-label="What">`+action+` admin user</td><td data-label="Target">bob</td>`)
	}
}

// TestLastEnabledAdmin: two admins disabling each other at once cannot
// both succeed, and the last enabled one cannot be disabled or removed.
func TestLastEnabledAdmin(t *testing.T) {
	s, _ := newTestServer(t)
	for _, n := range []string{"ada", "bob"} {
		if err := s.users.add(n, "a long password"); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]string{{"ada", "bob"}, {"bob", "ada"}} {
			wg.Go(func() { _ = pair[0]; errs[i] = s.users.setDisabled(pair[1], true) })
		}
		wg.Wait()
		if errs[0] == nil && errs[1] == nil {
			t.Fatal("both admins were disabled")
		}
		all, _ := s.users.list()
		enabled := 0
		for _, u := range all {
			if !u.Disabled {
				enabled++
			}
		}
		if enabled != 1 {
			t.Fatalf("%d enabled after a race", enabled)
		}
		for _, n := range []string{"ada", "bob"} {
			if err := s.users.setDisabled(n, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.users.setDisabled("bob", true); err != nil {
		t.Fatal(err)
	}
	if err := s.users.setDisabled("ada", true); err != errLastAdmin {
		t.Fatalf("disabling the last enabled admin: %v", err)
	}
	if err := s.users.remove("ada"); err != errLastAdmin {
		t.Fatalf("removing the last enabled admin: %v", err)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	s, _ := newTestServer(t)
	a := newBrowser(t, listen(t, s))
	signUp(t, a)
	other := newBrowser(t, a.base)
	signIn(t, other, "ada", "correct horse battery")

	code, page, _ := a.get("/admin/account")
	expect(t, "the account page", code, page, 200, "Change your password")
	for _, tc := range []struct {
		name     string
		form     url.Values
		code     int
		wantText string
	}{
		{"a wrong current password", url.Values{"current": {"not my password"}, "password": {"a new long password"}, "confirm": {"a new long password"}}, 400, "That is not your current password."},
		{"a short new password", url.Values{"current": {"correct horse battery"}, "password": {"short"}, "confirm": {"short"}}, 400, "The password must be 12 to 72 characters."},
		{"differing new passwords", url.Values{"current": {"correct horse battery"}, "password": {"a new long password"}, "confirm": {"another long password"}}, 400, "The two new passwords differ"},
		{"a forged form", url.Values{"csrf": {"forged"}, "current": {"correct horse battery"}, "password": {"a new long password"}, "confirm": {"a new long password"}}, 403, "out of date"},
	} {
		code, page, _ := a.post("/admin/account/password", tc.form)
		expect(t, tc.name, code, page, tc.code, tc.wantText)
	}
	code, _, loc := a.post("/admin/account/password", url.Values{"current": {"correct horse battery"}, "password": {"a new long password"}, "confirm": {"a new long password"}})
	if code != 303 || loc != "/admin/account?msg=password-changed" {
		t.Fatalf("change password: %d %s", code, loc)
	}
	if code, _, _ := a.get("/admin/account"); code != 200 {
		t.Fatalf("the session that changed the password ended: %d", code)
	}
	if code, _, _ := other.get("/admin/"); code != 303 {
		t.Fatalf("another session of the old password still works: %d", code)
	}
	signIn(t, other, "ada", "a new long password")
	// Wrong current passwords count towards the sign-in lockout.
	for range 4 {
		a.post("/admin/account/password", url.Values{"current": {"wrong wrong wrong"}, "password": {"a third long password"}, "confirm": {"a third long password"}})
	}
	code, page, _ = a.post("/admin/account/password", url.Values{"current": {"wrong wrong wrong"}, "password": {"a third long password"}, "confirm": {"a third long password"}})
	expect(t, "guessing the current password", code, page, 429, "Too many wrong passwords")
}
