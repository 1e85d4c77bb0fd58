package field

import (
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// ErrMoney is the reason a malformed amount gets.
var ErrMoney = errors.New("field: not an amount: use a decimal with at most two places (12.50)")

// maxMinor keeps amounts far inside int64 and far beyond any real payment.
const maxMinor = 1_000_000_000_000_00

// ParseMoney reads a non-negative amount with at most two decimal places into
// minor units. It never rounds: 1.005 is an error, not a guess.
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "eE") {
		return 0, ErrMoney
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() {
		return 0, ErrMoney
	}
	minor := d.Shift(2)
	if !minor.IsInteger() || minor.GreaterThan(decimal.NewFromInt(maxMinor)) {
		return 0, ErrMoney
	}
	return minor.IntPart(), nil
}

// FormatMoney renders minor units as the API does: a plain decimal without
// trailing zeros (0.2, 16.84, 100).
func FormatMoney(minor int64) string { return decimal.New(minor, -2).String() }
