package columndb

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type is a column's data type. Values are normalised on the way in so that a
// value uploaded and the same value keyed by a caller compare equal.
type Type string

// The data types an admin can choose.
const (
	TypeText     Type = "text"
	TypeNumeric  Type = "numeric"  // a digit string; leading zeros are data
	TypeDate     Type = "date"     // 8 digits in the column's DateFormat
	TypeCurrency Type = "currency" // stored as integer minor units
	TypeInteger  Type = "integer"
)

// Types lists the data types in the order an admin sees them.
var Types = []Type{TypeText, TypeNumeric, TypeDate, TypeCurrency, TypeInteger}

// DateFormat orders the day, month and year of a date column. The order
// cannot be guessed from the digits (01021990), so the column says it.
type DateFormat string

// The accepted date formats; DDMMYYYY is the default because the product
// began with UK merchants.
const (
	DDMMYYYY DateFormat = "DDMMYYYY"
	MMDDYYYY DateFormat = "MMDDYYYY"
	YYYYMMDD DateFormat = "YYYYMMDD"
)

// DateFormats lists the accepted date formats, default first.
var DateFormats = []DateFormat{DDMMYYYY, MMDDYYYY, YYYYMMDD}

// Limits on stored values, so one bad row cannot bloat the store.
const (
	MaxTextBytes   = 1024
	MaxDigits      = 64
	maxMinorDigits = 15 // ≤ 10^13 pounds: far beyond any balance, far inside int64
)

// ValueError explains why a value was refused, in words an uploader can act on.
type ValueError struct{ Reason string }

func (e *ValueError) Error() string { return e.Reason }

func valueErrorf(format string, args ...any) error {
	return &ValueError{Reason: fmt.Sprintf(format, args...)}
}

// Normalize checks raw against the column's type and returns the form that is
// stored and indexed. It is the one place a value's meaning is decided, used
// for uploads, admin edits and caller input alike.
func (c *Column) Normalize(raw string) (string, error) {
	switch c.Type {
	case TypeText:
		if len(raw) > MaxTextBytes {
			return "", valueErrorf("longer than %d bytes", MaxTextBytes)
		}
		if !utf8.ValidString(raw) {
			return "", valueErrorf("not valid UTF-8")
		}
		return raw, nil
	case TypeNumeric:
		s := strings.TrimSpace(raw)
		if err := checkDigits(s); err != nil {
			return "", err
		}
		return s, c.checkLength(s)
	case TypeDate:
		s := strings.TrimSpace(raw)
		if err := checkDigits(s); err != nil {
			return "", err
		}
		if len(s) != 8 {
			return "", valueErrorf("expected 8 digits, got %d", len(s))
		}
		if !validDate(s, c.dateFormat()) {
			return "", valueErrorf("not a real date in %s", c.dateFormat())
		}
		return s, nil
	case TypeCurrency:
		minor, err := ParseCurrency(raw)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(minor, 10), nil
	case TypeInteger:
		s := strings.TrimSpace(raw)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", valueErrorf("not a whole number")
		}
		return strconv.FormatInt(n, 10), nil
	}
	return "", valueErrorf("unknown data type %q", c.Type)
}

// checkLength applies a ref column's DTMF bounds to stored values too: a
// value no caller could key is refused at upload, not discovered on a call.
func (c *Column) checkLength(s string) error {
	if !c.IVRField.IsRef() || c.MinDTMF == 0 {
		return nil
	}
	if len(s) < c.MinDTMF || len(s) > c.MaxDTMF {
		if c.MinDTMF == c.MaxDTMF {
			return valueErrorf("expected %d digits, got %d", c.MinDTMF, len(s))
		}
		return valueErrorf("expected %d to %d digits, got %d", c.MinDTMF, c.MaxDTMF, len(s))
	}
	return nil
}

func (c *Column) dateFormat() DateFormat {
	if c.Format == "" {
		return DDMMYYYY
	}
	return c.Format
}

func checkDigits(s string) error {
	if s == "" {
		return valueErrorf("empty")
	}
	if len(s) > MaxDigits {
		return valueErrorf("longer than %d digits", MaxDigits)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return valueErrorf("not all digits")
		}
	}
	return nil
}

func validDate(s string, f DateFormat) bool {
	atoi := func(a string) int { n, _ := strconv.Atoi(a); return n }
	var d, m, y int
	switch f {
	case DDMMYYYY:
		d, m, y = atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:8])
	case MMDDYYYY:
		m, d, y = atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:8])
	case YYYYMMDD:
		y, m, d = atoi(s[0:4]), atoi(s[4:6]), atoi(s[6:8])
	default:
		return false
	}
	if y < 1800 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(m, y)
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var errCurrency = errors.New("not an amount: use pounds (£12.50, 12.50, 1,234.56) or whole pence (1250)")

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
		if len(frac) == 0 || len(frac) > 2 || checkDigits(frac) != nil {
			return 0, &ValueError{Reason: errCurrency.Error()}
		}
	}
	// The digits of the amount in minor units are whole's, then, in pounds,
	// frac's padded to two; n takes them while they fit.
	var n int64
	sig, count, group, commas := 0, 0, 0, 0
	add := func(c byte) {
		if sig > 0 || c != '0' {
			if sig++; sig <= maxMinorDigits {
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
			return 0, &ValueError{Reason: errCurrency.Error()}
		}
	}
	if commas > 0 {
		pounds = true
		if group != 3 {
			return 0, &ValueError{Reason: errCurrency.Error()}
		}
	}
	if count == 0 || count > MaxDigits {
		return 0, &ValueError{Reason: errCurrency.Error()}
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
	if sig > maxMinorDigits {
		return 0, valueErrorf("amount too large")
	}
	if neg {
		n = -n
	}
	return n, nil
}

// FormatMinor renders minor units as a plain decimal amount ("12.50").
func FormatMinor(minor int64) string { return string(AppendMinor(nil, minor)) }

// AppendMinor appends FormatMinor(minor) to dst; the lookup path renders
// every amount this way without allocating.
func AppendMinor(dst []byte, minor int64) []byte {
	u := uint64(minor)
	if minor < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	dst = strconv.AppendUint(dst, u/100, 10)
	return append(dst, '.', byte('0'+u%100/10), byte('0'+u%10))
}
