// Package vault keeps card and bank account numbers the way the card
// industry's storage rules (PCI DSS 3.5) ask: each value is sealed on its own
// with AES-256-GCM under a data key from a key ring, and each ciphertext
// names its key so a rotation can add a key and re-encrypt in the background
// while older values still open. Data keys are stored sealed under a key
// derived from the master key, which never enters the store. A keyed HMAC
// fingerprint lets the same number be found twice without decrypting.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors callers branch on.
var (
	// ErrSealed reports a value that does not open: tampered, moved to
	// another record, or sealed under a key this ring lacks.
	ErrSealed = errors.New("vault: sealed value does not open")
	// ErrMasterKey reports a master key that does not open the stored data keys.
	ErrMasterKey = errors.New("vault: the master key does not open the stored data keys (wrong --master-key-file?)")
)

// Docs is the part of columndb the ring keeps its data keys in.
type Docs interface {
	PutDoc(collection, key string, v any, create bool) error
	EachDoc(collection string, fn func(key string, value []byte) error) error
}

const collKeys = "vault.keys"

// storedKey is a data key as kept in the store: sealed under the master key.
type storedKey struct {
	ID      string    `json:"id"`
	Sealed  string    `json:"sealed"`
	Created time.Time `json:"created"`
}

// KeyInfo describes a data key for operators; it never carries key material.
type KeyInfo struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Active  bool      `json:"active"`
}

// Ring holds the data keys. It is safe for concurrent use.
type Ring struct {
	docs  Docs
	kek   cipher.AEAD
	fpKey []byte

	mu     sync.RWMutex
	keys   map[string]cipher.AEAD
	info   []KeyInfo
	active string
	last   int
}

// Derive returns a 32-byte key for one purpose from the master key, so the
// master key itself is used for nothing and each use has its own key.
func Derive(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("tonebase/vault/" + purpose))
	return m.Sum(nil)
}

// StoreKey is the key for Badger's encryption at rest, derived from the master key.
func StoreKey(master []byte) []byte { return Derive(master, "badger-at-rest") }

// Open loads the ring's data keys, creating the first one on first use.
func Open(docs Docs, master []byte) (*Ring, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("vault: master key must be 32 bytes, got %d", len(master))
	}
	kek, err := newAEAD(Derive(master, "key-encryption"))
	if err != nil {
		return nil, err
	}
	r := &Ring{docs: docs, kek: kek, fpKey: Derive(master, "fingerprint"), keys: map[string]cipher.AEAD{}}
	if err := r.firstKey(); err != nil {
		return nil, err
	}
	return r, nil
}

// firstKey makes the ring's first key unless one is stored. Empty nodes of
// a cluster starting together each try to make it: the one whose key is
// stored first wins, and the others take that key rather than rotating
// past it, so a new cluster starts with one key, not one per node.
func (r *Ring) firstKey() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for try := 1; ; try++ {
		if err := r.refresh(); err != nil {
			return err
		}
		if len(r.keys) > 0 {
			return nil
		}
		if _, err := r.rotate(); !errors.Is(err, errTaken) || try == 8 {
			return err
		}
	}
}

// Refresh loads the data keys stored since the ring last read them, and
// makes the newest active. In a cluster another node may have rotated:
// its key then reaches this node's store, and this ring, here.
func (r *Ring) Refresh() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refresh()
}

// refresh is Refresh with r.mu held.
func (r *Ring) refresh() error {
	return r.docs.EachDoc(collKeys, func(_ string, v []byte) error {
		var sk storedKey
		if err := json.Unmarshal(v, &sk); err != nil {
			return fmt.Errorf("vault: stored key: %w", err)
		}
		if _, ok := r.keys[sk.ID]; ok {
			return nil
		}
		return r.load(sk)
	})
}

func (r *Ring) load(sk storedKey) error {
	raw, err := base64.StdEncoding.DecodeString(sk.Sealed)
	if err != nil || len(raw) < r.kek.NonceSize() {
		return ErrMasterKey
	}
	n := r.kek.NonceSize()
	key, err := r.kek.Open(nil, raw[:n], raw[n:], []byte(sk.ID))
	if err != nil {
		return ErrMasterKey
	}
	aead, err := newAEAD(key)
	if err != nil {
		return err
	}
	num, err := strconv.Atoi(strings.TrimPrefix(sk.ID, "k"))
	if err != nil {
		return fmt.Errorf("vault: stored key id %q: %w", sk.ID, err)
	}
	r.keys[sk.ID] = aead
	r.info = append(r.info, KeyInfo{ID: sk.ID, Created: sk.Created})
	if num > r.last {
		r.last, r.active = num, sk.ID
	}
	return nil
}

// Rotate adds a data key and makes it the one new values are sealed under.
// Values sealed earlier still open; re-encrypting them is the caller's
// background job (see Reseal).
func (r *Ring) Rotate() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for try := 1; ; try++ {
		id, err := r.rotate()
		// Another node of a cluster took the same id first: its key is
		// read, and the next id taken.
		if !errors.Is(err, errTaken) || try == 8 {
			return id, err
		}
		if err := r.refresh(); err != nil {
			return "", err
		}
	}
}

var errTaken = errors.New("vault: key id taken")

func (r *Ring) rotate() (string, error) {
	if err := r.refresh(); err != nil {
		return "", err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("vault: generate key: %w", err)
	}
	id := "k" + strconv.Itoa(r.last+1)
	nonce := make([]byte, r.kek.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("vault: nonce: %w", err)
	}
	sk := storedKey{ID: id, Created: time.Now().UTC().Truncate(time.Second),
		Sealed: base64.StdEncoding.EncodeToString(r.kek.Seal(nonce, nonce, key, []byte(id)))}
	// Zero-padded so the store lists keys in the order they were made.
	if err := r.docs.PutDoc(collKeys, fmt.Sprintf("%010d", r.last+1), sk, true); err != nil {
		// A create refused because the id is stored now: another node's.
		if rerr := r.refresh(); rerr == nil && r.keys[id] != nil {
			return "", errTaken
		}
		return "", fmt.Errorf("vault: store key: %w", err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	r.keys[id], r.active, r.last = aead, id, r.last+1
	r.info = append(r.info, KeyInfo{ID: id, Created: sk.Created})
	return id, nil
}

// Active is the id of the key new values are sealed under.
func (r *Ring) Active() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.active
}

// Keys lists the data keys, oldest first.
func (r *Ring) Keys() []KeyInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]KeyInfo, len(r.info))
	copy(out, r.info)
	for i := range out {
		out[i].Active = out[i].ID == r.active
	}
	sort.Slice(out, func(i, j int) bool { return keyNum(out[i].ID) < keyNum(out[j].ID) })
	return out
}

func keyNum(id string) int { n, _ := strconv.Atoi(strings.TrimPrefix(id, "k")); return n }

// Seal encrypts plain under the active key. aad binds the ciphertext to
// where it is stored (tenant, record, field): moved anywhere else it does
// not open. The result is "v1.<key id>.<base64 nonce+ciphertext>".
func (r *Ring) Seal(plain, aad []byte) (string, error) {
	r.mu.RLock()
	id, aead := r.active, r.keys[r.active]
	r.mu.RUnlock()
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("vault: nonce: %w", err)
	}
	return "v1." + id + "." + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, aad)), nil
}

// KeyID names the key a sealed value was made with.
func KeyID(sealed string) string {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return ""
	}
	return parts[1]
}

// Open decrypts what Seal produced with the same aad.
func (r *Ring) Open(sealed string, aad []byte) ([]byte, error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, ErrSealed
	}
	r.mu.RLock()
	aead, ok := r.keys[parts[1]]
	r.mu.RUnlock()
	if !ok {
		// Sealed under a key another node made since this ring read them.
		if err := r.Refresh(); err != nil {
			return nil, err
		}
		r.mu.RLock()
		aead, ok = r.keys[parts[1]]
		r.mu.RUnlock()
		if !ok {
			return nil, ErrSealed
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, ErrSealed
	}
	n := aead.NonceSize()
	p, err := aead.Open(nil, raw[:n], raw[n:], aad)
	if err != nil {
		return nil, ErrSealed
	}
	return p, nil
}

// Reseal re-encrypts a value under the active key; changed is false when it
// already is.
func (r *Ring) Reseal(sealed string, aad []byte) (string, bool, error) {
	if KeyID(sealed) == r.Active() {
		return sealed, false, nil
	}
	p, err := r.Open(sealed, aad)
	if err != nil {
		return "", false, err
	}
	out, err := r.Seal(p, aad)
	clear(p)
	return out, err == nil, err
}

// Fingerprint is a keyed HMAC-SHA256 of the parts, hex-encoded: equal for the
// same number in the same scope, useless to anyone without the master key
// (a plain hash of a card number can be reversed by trying every number).
func (r *Ring) Fingerprint(parts ...string) string {
	m := hmac.New(sha256.New, r.fpKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return aead, nil
}
