package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/tenant"
)

// demoKeyFile is where --demo keeps its throwaway master key, so a demo data
// folder can be reopened; it sits beside the data and protects nothing.
const demoKeyFile = "demo-master.key"

// masterKey resolves the vault's master key: --master-key-file, then
// TONEBASE_MASTER_KEY, then (with --demo only) a throwaway key. nil means
// none: card and bank account storage stays off.
func masterKey(cfg serveConfig, log zerolog.Logger) ([]byte, error) {
	if err := checkKeyMode(cfg.MasterKeyFile, cfg.AnyKeyMode); err != nil {
		return nil, err
	}
	key, err := vault.LoadMasterKey(cfg.MasterKeyFile, cfg.MasterKey)
	switch {
	case err == nil:
		return key, nil
	case !errors.Is(err, vault.ErrNoMasterKey):
		return nil, err
	case !cfg.Demo:
		log.Warn().Msg("no master key, so storing cards and bank accounts is refused: " + vault.HowToMakeKey)
		return nil, nil
	}
	path := filepath.Join(cfg.Data, demoKeyFile)
	key, _, err = tenant.LoadOrCreateKey(path)
	if err != nil {
		return nil, fmt.Errorf("demo master key: %w", err)
	}
	log.Warn().Str("path", path).Msg("demo: using a THROWAWAY master key kept beside the data; never store real cards with it. " +
		"For real use: " + vault.HowToMakeKey)
	return key, nil
}

// checkKeyMode refuses a master key file that group or others may read or
// write, as ssh refuses such a private key: whoever can read it can open
// every stored card.
func checkKeyMode(path string, anyMode bool) error {
	if path == "" || anyMode {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil // the loader reports a missing or unreadable file in its own words
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("master key file %s can be read or written by group or others (mode %04o): run chmod 600 %s, "+
			"or start with --master-key-any-mode to accept it", path, perm, path)
	}
	return nil
}
