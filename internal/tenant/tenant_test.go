package tenant

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/tonebase/tonebase/columndb"
)

func newRegistry(t *testing.T, dir string) (*Registry, *columndb.Store) {
	t.Helper()
	s, err := columndb.Open(columndb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := LoadOrCreateKey(filepath.Join(dir, "secrets.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(s, box)
	if err != nil {
		t.Fatal(err)
	}
	return r, s
}

func TestRegistry(t *testing.T) {
	dir := t.TempDir()
	r, s := newRegistry(t, dir)
	c, creds, err := r.Create("Acme Collections", 0)
	if err != nil || c.CID != FirstCID+1 || creds.APISecret == "" || creds.UploadPassword == "" {
		t.Fatalf("Create = %+v, %+v, %v", c, creds, err)
	}
	if c.SecretHash == creds.APISecret || c.SealedPassword == creds.UploadPassword {
		t.Fatal("a secret is stored in clear")
	}
	if _, _, err := r.Create("Again", c.CID); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate cid: %v", err)
	}
	for name, tc := range map[string]struct {
		name string
		cid  int64
	}{"empty name": {"  ", 0}, "negative cid": {"X", -1}, "cid too large": {"X", MaxCID + 1}} {
		if _, _, err := r.Create(tc.name, tc.cid); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if cid, err := r.Authenticate([]byte(c.APIKey), []byte(creds.APISecret)); err != nil || cid != c.CID {
		t.Fatalf("Authenticate = %d, %v", cid, err)
	}
	if _, err := r.Authenticate([]byte(c.APIKey), []byte("wrong")); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := r.Authenticate([]byte("tb_nobody"), []byte(creds.APISecret)); !errors.Is(err, ErrAuth) {
		t.Fatalf("unknown key: %v", err)
	}
	if p, err := r.UploadPassword(c.CID); err != nil || p != creds.UploadPassword {
		t.Fatalf("UploadPassword = %q, %v", p, err)
	}

	rotated, err := r.RotateSecret(c.CID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Authenticate([]byte(c.APIKey), []byte(creds.APISecret)); !errors.Is(err, ErrAuth) {
		t.Fatal("the old secret still works after rotation")
	}
	if _, err := r.SetStatus(c.CID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Authenticate([]byte(c.APIKey), []byte(rotated.APISecret)); !errors.Is(err, ErrSuspended) {
		t.Fatalf("suspended client authenticated: %v", err)
	}
	if _, err := r.UploadPassword(c.CID); !errors.Is(err, ErrSuspended) {
		t.Fatalf("suspended client has an upload password: %v", err)
	}
	if _, err := r.SetStatus(c.CID, "deleted"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := r.SetStatus(c.CID, StatusActive); err != nil {
		t.Fatal(err)
	}
	pw, err := r.RotatePassword(c.CID)
	if err != nil {
		t.Fatal(err)
	}

	// Everything survives a restart, with the same key file.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r2, s2 := newRegistry(t, dir)
	defer s2.Close()
	if cid, err := r2.Authenticate([]byte(c.APIKey), []byte(rotated.APISecret)); err != nil || cid != c.CID {
		t.Fatalf("after restart: %d, %v", cid, err)
	}
	if p, err := r2.UploadPassword(c.CID); err != nil || p != pw.UploadPassword {
		t.Fatalf("after restart: %q, %v", p, err)
	}
	if next, _, err := r2.Create("Next", 0); err != nil || next.CID != c.CID+1 {
		t.Fatalf("next cid after restart: %d, %v", next.CID, err)
	}
}

func TestBox(t *testing.T) {
	key := make([]byte, 32)
	b, _ := NewBox(key)
	sealed, err := b.Seal([]byte("pässwörd£"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := b.Seal([]byte("pässwörd£"))
	if sealed == again {
		t.Fatal("two seals of one secret are equal: the nonce is not fresh")
	}
	if p, err := b.Open(sealed); err != nil || string(p) != "pässwörd£" {
		t.Fatalf("Open = %q, %v", p, err)
	}
	other := make([]byte, 32)
	other[0] = 1
	ob, _ := NewBox(other)
	if _, err := ob.Open(sealed); !errors.Is(err, ErrSealed) {
		t.Fatalf("opened under another key: %v", err)
	}
	if _, err := b.Open(sealed[:len(sealed)-4] + "AAAA"); !errors.Is(err, ErrSealed) {
		t.Fatalf("opened a tampered value: %v", err)
	}
	if _, err := NewBox(key[:16]); err == nil {
		t.Fatal("accepted a 16-byte key")
	}
}

func TestRequireHMAC(t *testing.T) {
	dir := t.TempDir()
	r, s := newRegistry(t, dir)
	c, _, err := r.Create("Strict Collections", 0)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := r.Create("Easy Collections", 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.RequiresHMAC(c.CID) {
		t.Fatal("a new client requires HMAC")
	}
	got, err := r.SetRequireHMAC(c.CID, true)
	if err != nil || !got.RequireHMAC {
		t.Fatalf("SetRequireHMAC = %+v, %v", got, err)
	}
	if !r.RequiresHMAC(c.CID) || r.RequiresHMAC(other.CID) || r.RequiresHMAC(999999) {
		t.Fatal("RequiresHMAC answers for the wrong clients")
	}
	if _, err := r.SetRequireHMAC(999999, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r2, s2 := newRegistry(t, dir)
	if !r2.RequiresHMAC(c.CID) || r2.RequiresHMAC(other.CID) {
		t.Fatal("require_hmac did not survive a restart")
	}
	if _, err := r2.SetRequireHMAC(c.CID, false); err != nil || r2.RequiresHMAC(c.CID) {
		t.Fatalf("turning it off: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReload: a second registry on the same store, as another node's,
// sees a client created, rotated and suspended through the first only
// once it reloads.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	r, s := newRegistry(t, dir)
	defer s.Close()
	key, _, _ := LoadOrCreateKey(filepath.Join(dir, "secrets.key"))
	box, _ := NewBox(key)
	other, err := New(s, box)
	if err != nil {
		t.Fatal(err)
	}
	c, creds, err := r.Create("Acme", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(c.CID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before a reload: %v", err)
	}
	if err := other.Reload(); err != nil {
		t.Fatal(err)
	}
	if cid, err := other.Authenticate([]byte(c.APIKey), []byte(creds.APISecret)); err != nil || cid != c.CID {
		t.Fatalf("after a reload: %d, %v", cid, err)
	}
	if _, err := r.SetStatus(c.CID, StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := other.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate([]byte(c.APIKey), []byte(creds.APISecret)); !errors.Is(err, ErrSuspended) {
		t.Fatalf("suspended elsewhere, then reloaded: %v", err)
	}
}
