package money

import (
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// ErrDecimal is why ParseDecimal refuses an amount.
var ErrDecimal = errors.New("not an amount: use a decimal with at most two places (12.50)")

// maxDecimalMinor keeps amounts far inside int64 and far beyond any real payment.
const maxDecimalMinor = 1_000_000_000_000_00

// ParseDecimal reads a non-negative plain decimal with at most two places
// ("12.50", "0.2", "100") into minor units, as payment APIs send amounts:
// no pound sign, no separators, and a whole number is pounds, not pence.
// It never rounds: 1.005 is an error, not a guess.
func ParseDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "eE") {
		return 0, ErrDecimal
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() {
		return 0, ErrDecimal
	}
	minor := d.Shift(2)
	if !minor.IsInteger() || minor.GreaterThan(decimal.NewFromInt(maxDecimalMinor)) {
		return 0, ErrDecimal
	}
	return minor.IntPart(), nil
}

// FormatDecimal renders minor units as payment APIs answer them: a plain
// decimal without trailing zeros (0.2, 16.84, 100).
func FormatDecimal(minor int64) string { return decimal.New(minor, -2).String() }
