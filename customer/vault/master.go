package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// HowToMakeKey tells an operator how to make and pass a master key.
const HowToMakeKey = "make a master key with `openssl rand -hex 32 > master.key && chmod 600 master.key` " +
	"and start with --master-key-file master.key (or set TONEBASE_MASTER_KEY to the 64 hex characters); " +
	"keep it apart from the data folder and back it up: without it no stored card or account can be read"

// ErrNoMasterKey reports that no master key was given.
var ErrNoMasterKey = errors.New("vault: no master key")

// ParseMasterKey reads a 32-byte master key written as 64 hex characters,
// as base64, or as the 32 raw bytes, ignoring surrounding whitespace.
func ParseMasterKey(b []byte) ([]byte, error) {
	if len(b) == 32 {
		return bytes.Clone(b), nil
	}
	t := bytes.TrimSpace(b)
	if len(t) == 64 {
		if k, err := hex.DecodeString(string(t)); err == nil {
			return k, nil
		}
	}
	if k, err := base64.StdEncoding.DecodeString(string(t)); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, errors.New("vault: a master key must be 32 bytes, given as 64 hex characters, base64 or raw")
}

// LoadMasterKey returns the master key from a file (if path is set) or from
// the value of an environment variable (if env is set), in that order; with
// neither it returns ErrNoMasterKey.
func LoadMasterKey(path, env string) ([]byte, error) {
	switch {
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("vault: master key file: %w", err)
		}
		k, err := ParseMasterKey(b)
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, path)
		}
		return k, nil
	case env != "":
		return ParseMasterKey([]byte(env))
	}
	return nil, ErrNoMasterKey
}
