package customer

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// NewID returns 32 uppercase hex characters from a random 128-bit value, the
// id format of every record.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("customer: crypto/rand failed: " + err.Error()) // the runtime guarantees it does not
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ValidID reports whether s has the id shape; anything else cannot name a
// record and is answered as not found without a lookup.
func ValidID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// NormID accepts ids in either case, as integrations sometimes lower them.
func NormID(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
