package columndb

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tonebase/tonebase/internal/money"
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
func Types() []Type { return []Type{TypeText, TypeNumeric, TypeDate, TypeCurrency, TypeInteger} }

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
func DateFormats() []DateFormat { return []DateFormat{DDMMYYYY, MMDDYYYY, YYYYMMDD} }

// Limits on stored values, so one bad row cannot bloat the store.
const (
	MaxTextBytes = 1024
	MaxDigits    = 64
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
		return s, nil
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
		minor, err := money.ParseCurrency(raw)
		if err != nil {
			return "", &ValueError{Reason: err.Error()}
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
