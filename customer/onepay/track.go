package onepay

import (
	"strings"

	"github.com/tonebase/tonebase/customer/field"
)

// track2 reads unencrypted track 2 data as a card reader sends it,
// ";PAN=YYMMSSSDDD…?" (start and end sentinels optional): the card number,
// then after "=" the expiry as YYMM, the service code and discretionary
// data, all digits. It returns the number and the expiry as MMYY. Track 1,
// encrypted blocks and combined tracks are not track 2, and ok is false.
func track2(s string) (number, expiry string, ok bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), ";"), "?")
	pan, rest, found := strings.Cut(s, "=")
	if !found || len(pan) < 13 || len(pan) > 19 || !field.AllDigits(pan) || len(rest) < 4 || !field.AllDigits(rest) {
		return "", "", false
	}
	return pan, rest[2:4] + rest[:2], true
}
