package tenant

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Box seals small secrets with AES-256-GCM.
type Box struct{ aead cipher.AEAD }

// ErrSealed reports a sealed value that does not open under this key.
var ErrSealed = errors.New("tenant: sealed value does not open with this key")

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("tenant: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts p with a fresh random nonce.
func (b *Box) Seal(p []byte) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("tenant: nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, p, nil)), nil
}

// Open decrypts what Seal produced.
func (b *Box) Open(s string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return nil, ErrSealed
	}
	n := b.aead.NonceSize()
	p, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return nil, ErrSealed
	}
	return p, nil
}

// LoadOrCreateKey reads a 32-byte key from path, creating it with mode 0600
// if it does not exist. created says whether it was made now.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = os.ReadFile(path)
	if err == nil {
		if len(key) != 32 {
			return nil, false, fmt.Errorf("tenant: key file %s holds %d bytes, want 32", path, len(key))
		}
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("tenant: read key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("tenant: generate key: %w", err)
	}
	if err := WriteSecretFile(path, key); err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// WriteSecretFile creates path with mode 0600 and data, durably, refusing to
// overwrite: a secret that is lost with a file it replaced cannot come back.
func WriteSecretFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("tenant: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("tenant: create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("tenant: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("tenant: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("tenant: close %s: %w", path, err)
	}
	return nil
}

func base64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sortClients(cs []Client) { sort.Slice(cs, func(i, j int) bool { return cs[i].CID < cs[j].CID }) }
