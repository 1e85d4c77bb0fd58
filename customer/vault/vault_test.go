package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/columndb"
)

func openStore(t *testing.T) *columndb.Store {
	t.Helper()
	s, err := columndb.Open(columndb.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func master(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealOpenRotate(t *testing.T) {
	store := openStore(t)
	r, err := Open(store, master(1))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("1001/ABC/number")
	s1, err := r.Seal([]byte("4003000123456781"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(s1) != "k1" || strings.Contains(s1, "4003000123456781") {
		t.Fatalf("sealed = %q", s1)
	}
	if p, err := r.Open(s1, aad); err != nil || string(p) != "4003000123456781" {
		t.Fatalf("Open = %q, %v", p, err)
	}
	if _, err := r.Open(s1, []byte("1002/ABC/number")); !errors.Is(err, ErrSealed) {
		t.Errorf("opened under another record's aad: %v", err)
	}
	tampered := s1[:len(s1)-2] + "AA"
	if _, err := r.Open(tampered, aad); !errors.Is(err, ErrSealed) {
		t.Errorf("opened a tampered value: %v", err)
	}
	id, err := r.Rotate()
	if err != nil || id != "k2" || r.Active() != "k2" {
		t.Fatalf("Rotate = %q, %v; active %q", id, err, r.Active())
	}
	if p, err := r.Open(s1, aad); err != nil || string(p) != "4003000123456781" {
		t.Fatalf("old value after rotation = %q, %v", p, err)
	}
	s2, changed, err := r.Reseal(s1, aad)
	if err != nil || !changed || KeyID(s2) != "k2" {
		t.Fatalf("Reseal = %q %v %v", s2, changed, err)
	}
	if _, changed, _ := r.Reseal(s2, aad); changed {
		t.Error("resealed a value already under the active key")
	}
	// A restart finds both keys, the newest active.
	r2, err := Open(store, master(1))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Active() != "k2" || len(r2.Keys()) != 2 {
		t.Fatalf("reopened ring: active %q keys %+v", r2.Active(), r2.Keys())
	}
	if p, err := r2.Open(s1, aad); err != nil || string(p) != "4003000123456781" {
		t.Fatalf("reopened Open = %q, %v", p, err)
	}
	if _, err := Open(store, master(2)); !errors.Is(err, ErrMasterKey) {
		t.Errorf("a wrong master key opened the ring: %v", err)
	}
}

func TestFingerprint(t *testing.T) {
	store := openStore(t)
	r, _ := Open(store, master(1))
	a := r.Fingerprint("1001", "card\x004003000123456781")
	if a != r.Fingerprint("1001", "card\x004003000123456781") {
		t.Error("fingerprint not stable")
	}
	if a == r.Fingerprint("1002", "card\x004003000123456781") {
		t.Error("fingerprint equal across tenants")
	}
	if _, err := r.Rotate(); err != nil {
		t.Fatal(err)
	}
	if a != r.Fingerprint("1001", "card\x004003000123456781") {
		t.Error("fingerprint changed with a data key rotation")
	}
	other, _ := Open(openStore(t), master(3))
	if a == other.Fingerprint("1001", "card\x004003000123456781") {
		t.Error("fingerprint does not depend on the master key")
	}
	if strings.Contains(a, "4003000123456781") {
		t.Error("fingerprint holds the number")
	}
}

func TestMasterKeyForms(t *testing.T) {
	k := master(7)
	for name, in := range map[string][]byte{
		"raw": k, "hex": []byte(hex.EncodeToString(k) + "\n"),
		"base64": []byte("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n"),
	} {
		got, err := ParseMasterKey(in)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("%s: %x, %v", name, got, err)
		}
	}
	if _, err := ParseMasterKey([]byte("short")); err == nil {
		t.Error("accepted a short key")
	}
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(k)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadMasterKey(path, ""); err != nil || !bytes.Equal(got, k) {
		t.Errorf("LoadMasterKey(file) = %x, %v", got, err)
	}
	if got, err := LoadMasterKey("", hex.EncodeToString(k)); err != nil || !bytes.Equal(got, k) {
		t.Errorf("LoadMasterKey(env) = %x, %v", got, err)
	}
	if _, err := LoadMasterKey("", ""); !errors.Is(err, ErrNoMasterKey) {
		t.Errorf("no key: %v", err)
	}
	if bytes.Equal(StoreKey(k), k) || bytes.Equal(StoreKey(k), Derive(k, "fingerprint")) {
		t.Error("derived keys are not distinct")
	}
}

// racedDocs is a store another node writes to first: before this ring's
// first create lands, the other node's ring has stored its own first key.
type racedDocs struct {
	*columndb.Store
	other func()
}

func (d *racedDocs) PutDoc(collection, key string, v any, create bool) error {
	if d.other != nil {
		other := d.other
		d.other = nil
		other()
	}
	return d.Store.PutDoc(collection, key, v, create)
}

// Empty nodes starting at once make one first key between them: the node
// that lost the race takes the winner's key instead of rotating past it.
func TestFirstKeyRace(t *testing.T) {
	store := openStore(t)
	var first *Ring
	docs := &racedDocs{Store: store, other: func() {
		var err error
		if first, err = Open(store, master(1)); err != nil {
			t.Fatal(err)
		}
	}}
	second, err := Open(docs, master(1))
	if err != nil {
		t.Fatal(err)
	}
	if first == nil || first.Active() != "k1" || second.Active() != "k1" || len(second.Keys()) != 1 {
		t.Fatalf("active keys %v and %v, %d keys; want k1 on both, one key", first.Active(), second.Active(), len(second.Keys()))
	}
	sealed, err := first.Seal([]byte("4003000123456781"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Open(sealed, []byte("aad")); err != nil {
		t.Fatalf("the other node's value does not open: %v", err)
	}
}
