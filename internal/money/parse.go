package money

import (
	"errors"
	"strings"
)

// Limits of an amount.
const (
	// MaxDigits is the most digits an amount may be written with.
	MaxDigits = 64
	// MaxMinorDigits keeps amounts ≤ 10^13 pounds: far beyond any balance,
	// far inside int64.
	MaxMinorDigits = 15
)

// The reasons an amount is refused. Their text is what an uploader reads in
// an upload's answer, so it names the accepted forms rather than this package.
var (
	ErrNotAmount = errors.New("not an amount: use pounds (£12.50, 12.50, 1,234.56) or whole pence (1250)")
	ErrTooLarge  = errors.New("amount too large")
)

// ParseCurrency reads an amount the way the ActivePay guide allows: with a
// pound sign, a decimal point or thousands separators it is pounds; a bare
// whole number is pence. It returns integer minor units and never rounds: a
// third decimal place is an error, not a guess.
func ParseCurrency(raw string) (int64, error) {
	// One pass, no copies: every uploaded amount comes through here.
	s := strings.TrimSpace(raw)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	pounds := false
	if rest, ok := strings.CutPrefix(s, "£"); ok {
		pounds, s = true, rest
		if !neg && strings.HasPrefix(s, "-") { // £-12.50
			neg, s = true, s[1:]
		}
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint {
		pounds = true
		if len(frac) == 0 || len(frac) > 2 || !allDigits(frac) {
			return 0, ErrNotAmount
		}
	}
	// The digits of the amount in minor units are whole's, then, in pounds,
	// frac's padded to two; n takes them while they fit.
	var n int64
	sig, count, group, commas := 0, 0, 0, 0
	add := func(c byte) {
		if sig > 0 || c != '0' {
			if sig++; sig <= MaxMinorDigits {
				n = n*10 + int64(c-'0')
			}
		}
	}
	for i := 0; i < len(whole); i++ {
		switch c := whole[i]; {
		case c >= '0' && c <= '9':
			add(c)
			count++
			group++
		case c == ',' && group >= 1 && group <= 3 && (commas == 0 || group == 3):
			commas++
			group = 0
		default:
			return 0, ErrNotAmount
		}
	}
	if commas > 0 {
		pounds = true
		if group != 3 {
			return 0, ErrNotAmount
		}
	}
	if count == 0 || count > MaxDigits {
		return 0, ErrNotAmount
	}
	if pounds {
		for i := range 2 {
			c := byte('0')
			if i < len(frac) {
				c = frac[i]
			}
			add(c)
		}
	}
	if sig > MaxMinorDigits {
		return 0, ErrTooLarge
	}
	if neg {
		n = -n
	}
	return n, nil
}

// allDigits reports whether s is a non-empty run of ASCII digits no longer
// than MaxDigits.
func allDigits(s string) bool {
	if s == "" || len(s) > MaxDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
