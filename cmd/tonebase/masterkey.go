package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/admin/tenant"
	"github.com/tonebase/tonebase/customer/vault"
)

// demoKeyFile is where --demo keeps its throwaway master key, so a demo data
// folder can be reopened; it sits beside the data and protects nothing.
const demoKeyFile = "demo-master.key"

// masterKey resolves the vault's master key: --master-key-file, then
// TONEBASE_MASTER_KEY, then (with --demo only) a throwaway key. nil means
// none: card and bank account storage stays off.
func masterKey(cfg serveConfig, log zerolog.Logger) ([]byte, error) {
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
	if b, err := os.ReadFile(path); err == nil {
		key, err = vault.ParseMasterKey(b)
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, path)
		}
	} else {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("demo master key: %w", err)
		}
		if err := tenant.WriteSecretFile(path, []byte(hex.EncodeToString(key)+"\n")); err != nil {
			return nil, err
		}
	}
	log.Warn().Str("path", path).Msg("demo: using a THROWAWAY master key kept beside the data; never store real cards with it. " +
		"For real use: " + vault.HowToMakeKey)
	return key, nil
}
