package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tonebase/tonebase/internal/tenant"
)

// LoadOrCreateToken returns the admin token kept at path, generating one
// (mode 0600) on first start. created says whether it was made now.
func LoadOrCreateToken(path string) (token string, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		token = strings.TrimSpace(string(b))
		if len(token) < 16 {
			return "", false, fmt.Errorf("admin: token file %s holds fewer than 16 characters", path)
		}
		return token, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("admin: read token: %w", err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("admin: generate token: %w", err)
	}
	token = hex.EncodeToString(raw)
	if err := tenant.WriteSecretFile(path, []byte(token+"\n")); err != nil {
		return "", false, fmt.Errorf("admin: %w", err)
	}
	return token, true, nil
}
