package tenant

import (
	"errors"
	"strings"
	"testing"
)

func TestPayConnector(t *testing.T) {
	dir := t.TempDir()
	r, s := newRegistry(t, dir)
	c, _, err := r.Create("Acme", 0)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := r.Create("Other", 0)
	if err != nil {
		t.Fatal(err)
	}
	const user, pass = "twilio-acme", "a long connector password"
	if err := r.CheckPayConnector(c.CID, []byte(user), []byte(pass)); !errors.Is(err, ErrAuth) {
		t.Fatalf("before any credentials: %v", err)
	}
	for name, bad := range map[string][2]string{
		"a colon in the username": {"a:b", pass},
		"no username":             {"", pass},
		"a short password":        {user, "short"},
		"a newline":               {user, "a long password\nwith a newline"},
		"a long username":         {strings.Repeat("u", 65), pass},
	} {
		if _, err := r.SetPayConnector(c.CID, bad[0], bad[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	got, err := r.SetPayConnector(c.CID, user, pass)
	if err != nil || got.PayConnector == nil || strings.Contains(got.PayConnector.SealedPassword, pass) {
		t.Fatalf("set: %+v %v", got, err)
	}
	s.Close()
	r, s = newRegistry(t, dir)
	defer s.Close()
	tests := []struct {
		name       string
		cid        int64
		user, pass string
		want       error
	}{
		{"right", c.CID, user, pass, nil},
		{"wrong password", c.CID, user, pass + "x", ErrAuth},
		{"wrong username", c.CID, user + "x", pass, ErrAuth},
		{"another client", other.CID, user, pass, ErrAuth},
		{"no client", 99999, user, pass, ErrAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.CheckPayConnector(tc.cid, []byte(tc.user), []byte(tc.pass)); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := r.SetStatus(c.CID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckPayConnector(c.CID, []byte(user), []byte(pass)); !errors.Is(err, ErrSuspended) {
		t.Fatalf("suspended: %v", err)
	}
	if _, err := r.SetPayConnector(c.CID, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckPayConnector(c.CID, []byte(user), []byte(pass)); !errors.Is(err, ErrAuth) {
		t.Fatalf("removed: %v", err)
	}
}
