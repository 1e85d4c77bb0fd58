package tenant

import (
	"errors"
	"strings"
	"testing"
)

func TestTwilioToken(t *testing.T) {
	dir := t.TempDir()
	r, s := newRegistry(t, dir)
	c, _, err := r.Create("Acme", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.TwilioToken(c.CID); !errors.Is(err, ErrNoTwilio) {
		t.Fatalf("before any token: %v", err)
	}
	const tok = "0123456789abcdef0123456789abcdef"
	for name, bad := range map[string]string{"a space": "ab cd", "a newline": "ab\ncd", "too long": strings.Repeat("a", 257)} {
		if _, err := r.SetTwilioToken(c.CID, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	got, err := r.SetTwilioToken(c.CID, " "+tok+" ")
	if err != nil || got.SealedTwilioToken == "" || strings.Contains(got.SealedTwilioToken, tok) {
		t.Fatalf("set: %+v %v", got, err)
	}
	if v, err := r.TwilioToken(c.CID); err != nil || v != tok {
		t.Fatalf("TwilioToken = %q, %v", v, err)
	}
	// It survives a restart, sealed.
	s.Close()
	r, s = newRegistry(t, dir)
	defer s.Close()
	if v, err := r.TwilioToken(c.CID); err != nil || v != tok {
		t.Fatalf("after restart: %q, %v", v, err)
	}
	if _, err := r.SetStatus(c.CID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TwilioToken(c.CID); !errors.Is(err, ErrSuspended) {
		t.Fatalf("suspended: %v", err)
	}
	if _, err := r.SetStatus(c.CID, StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetTwilioToken(c.CID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TwilioToken(c.CID); !errors.Is(err, ErrNoTwilio) {
		t.Fatalf("removed: %v", err)
	}
	if _, err := r.TwilioToken(99999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
}
