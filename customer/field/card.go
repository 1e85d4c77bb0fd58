package field

import (
	"errors"
	"strings"
	"time"
)

// Reasons a number is refused. They never quote the number: a refusal is
// logged and answered, and a card number must reach neither.
var (
	ErrCardDigits    = errors.New("field: card number must be 13 to 19 digits")
	ErrCardLuhn      = errors.New("field: card number fails the Luhn check (a digit is mistyped)")
	ErrCardRepeated  = errors.New("field: card number is one digit repeated, which no card is")
	ErrCardNoBrand   = errors.New("field: card number starts with 0, which no card brand issues")
	ErrRoutingDigits = errors.New("field: routing number must be 9 digits")
	ErrRoutingSum    = errors.New("field: routing number fails the ABA checksum (a digit is mistyped)")
	ErrAccountDigits = errors.New("field: account number must be 4 to 17 digits")
	ErrExpiry        = errors.New("field: expiry must be MMYY (1225 for December 2025)")
	ErrExpired       = errors.New("field: the card has expired")
)

// AllDigits reports whether s is a non-empty string of ASCII digits.
func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// stripSeparators drops the spaces and dashes people type inside long numbers.
func stripSeparators(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, " -") {
		return s
	}
	return strings.NewReplacer(" ", "", "-", "").Replace(s)
}

// ParseCard returns the digits of a card number (13–19 digits, Luhn-valid),
// allowing spaces and dashes between them. Numbers that pass Luhn but can
// be no card are refused too: one digit repeated (0000000000000000 passes
// Luhn, as do others), and a leading 0, a major industry identifier no
// card brand issues under (ISO/IEC 7812). Other prefixes are left to the
// processor: brands add ranges, and a stale table here would refuse real
// cards.
func ParseCard(s string) (string, error) {
	d := stripSeparators(s)
	if len(d) < 13 || len(d) > 19 || !AllDigits(d) {
		return "", ErrCardDigits
	}
	if strings.Count(d, d[:1]) == len(d) {
		return "", ErrCardRepeated
	}
	if d[0] == '0' {
		return "", ErrCardNoBrand
	}
	if !Luhn(d) {
		return "", ErrCardLuhn
	}
	return d, nil
}

// Luhn reports whether a digit string passes the Luhn (mod 10) check.
func Luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// ParseRouting returns a 9-digit ABA routing number whose checksum holds:
// 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10.
func ParseRouting(s string) (string, error) {
	d := stripSeparators(s)
	if len(d) != 9 || !AllDigits(d) {
		return "", ErrRoutingDigits
	}
	w := [3]int{3, 7, 1}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += w[i%3] * int(d[i]-'0')
	}
	if sum%10 != 0 {
		return "", ErrRoutingSum
	}
	return d, nil
}

// ParseAccount returns a bank account number of 4 to 17 digits.
func ParseAccount(s string) (string, error) {
	d := stripSeparators(s)
	if len(d) < 4 || len(d) > 17 || !AllDigits(d) {
		return "", ErrAccountDigits
	}
	return d, nil
}

// ParseExpiry checks a card expiry given as MMYY (MM/YY is accepted) and
// returns it as MMYY. A card is good through the last day of its month, so
// the current month is not past.
func ParseExpiry(s string, now time.Time) (string, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "/", "")
	if len(s) != 4 || !AllDigits(s) {
		return "", ErrExpiry
	}
	m := int(s[0]-'0')*10 + int(s[1]-'0')
	y := 2000 + int(s[2]-'0')*10 + int(s[3]-'0')
	if m < 1 || m > 12 {
		return "", ErrExpiry
	}
	ny, nm, _ := now.UTC().Date()
	if y < ny || (y == ny && time.Month(m) < nm) {
		return "", ErrExpired
	}
	return s, nil
}

// MaskCard shows the first six and last four digits, as card rules allow:
// 400300xxxx6781.
func MaskCard(d string) string {
	if len(d) < 10 {
		return "xxxx"
	}
	return d[:6] + "xxxx" + d[len(d)-4:]
}

// MaskLast4 shows only the last four digits: xxxx3456.
func MaskLast4(d string) string {
	if len(d) < 4 {
		return "xxxx"
	}
	return "xxxx" + d[len(d)-4:]
}
