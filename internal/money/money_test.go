package money

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		err  error
	}{
		{"pound sign and pence", "£1.00", 100, nil},
		{"decimal point is pounds", "1.00", 100, nil},
		{"thousands separators", "1,234.56", 123456, nil},
		{"bare whole number is pence", "1250", 1250, nil},
		{"pound sign", "£12.50", 1250, nil},
		{"negative after sign", "£-5.00", -500, nil},
		{"largest", strings.Repeat("9", MaxMinorDigits), 999999999999999, nil},
		{"three decimals", "1.005", 0, ErrNotAmount},
		{"bad grouping", "1,23", 0, ErrNotAmount},
		{"empty", "", 0, ErrNotAmount},
		{"too many digits", strings.Repeat("1", MaxDigits+1), 0, ErrNotAmount},
		{"huge pence", strings.Repeat("9", MaxMinorDigits+1), 0, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCurrency(tt.in)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("ParseCurrency(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestParseCurrencyFormatMinor(t *testing.T) {
	for _, tt := range []struct {
		minor int64
		text  string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{50, "0.50"},
		{1250, "12.50"},
		{100, "1.00"},
		{-5, "-0.05"},
		{-123456, "-1234.56"},
		{999999999999999, "9999999999999.99"},
		{-999999999999999, "-9999999999999.99"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			if got := FormatMinor(tt.minor); got != tt.text {
				t.Fatalf("FormatMinor(%d) = %q, want %q", tt.minor, got, tt.text)
			}
			if got, err := ParseCurrency(tt.text); err != nil || got != tt.minor {
				t.Fatalf("ParseCurrency(%q) = %d, %v; want %d", tt.text, got, err, tt.minor)
			}
			if got, err := ParseCurrency("£" + tt.text); tt.minor >= 0 && (err != nil || got != tt.minor) {
				t.Fatalf("ParseCurrency(£%s) = %d, %v; want %d", tt.text, got, err, tt.minor)
			}
		})
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendMinor(buf[:0], -123456)
		_ = AppendSay(b, 123456)
	})
	if allocs != 0 {
		t.Fatalf("AppendMinor and AppendSay allocate %.0f times, want 0", allocs)
	}
}

func TestSay(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{0, "zero pounds"},
		{1, "one penny"},
		{50, "fifty pence"},
		{100, "one pound"},
		{1250, "twelve pounds and fifty pence"},
		{10501, "one hundred and five pounds and one penny"},
		{123456, "one thousand two hundred and thirty-four pounds and fifty-six pence"},
		{100000000, "one million pounds"},
		{-500, "minus five pounds"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Say(tt.minor); got != tt.want {
				t.Fatalf("Say(%d) = %q, want %q", tt.minor, got, tt.want)
			}
		})
	}
}

func FuzzSay(f *testing.F) {
	for _, n := range []int64{0, 1, 99, 100, 101, 1250, 100000000, -500, math.MaxInt64, math.MinInt64} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, minor int64) {
		s := Say(minor)
		if s == "" || strings.Contains(s, "  ") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
			t.Fatalf("Say(%d) = %q", minor, s)
		}
		if got := string(AppendSay([]byte("x"), minor)); got != "x"+s {
			t.Fatalf("AppendSay(%d) = %q, want %q", minor, got, "x"+s)
		}
		if (minor < 0) != strings.HasPrefix(s, "minus ") {
			t.Fatalf("Say(%d) = %q: sign lost", minor, s)
		}
	})
}

func FuzzParseCurrency(f *testing.F) {
	for _, s := range []string{"£1.00", "1.00", "1,234.56", "100", "£12", "-£5.00", "£-5.00", "1.005", "1,23",
		"99999999999999999999", "0.5", "-", "£", ".", ",", "£,", "1,000,000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := ParseCurrency(raw)
		want, wantErr := parseCurrencyReference(raw)
		if n != want || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("ParseCurrency(%q) = %d, %v; the reference reads %d, %v", raw, n, err, want, wantErr)
		}
		if err != nil {
			if n != 0 {
				t.Fatalf("ParseCurrency(%q) = %d with error %v", raw, n, err)
			}
			return
		}
		if n > 999999999999999 || n < -999999999999999 || n == math.MinInt64 {
			t.Fatalf("ParseCurrency(%q) = %d, beyond %d digits", raw, n, MaxMinorDigits)
		}
		text := FormatMinor(n)
		if back, err := ParseCurrency(text); err != nil || back != n {
			t.Fatalf("ParseCurrency(%q) = %d; FormatMinor = %q parses back as %d, %v", raw, n, text, back, err)
		}
		pence := strconv.FormatInt(n, 10)
		if back, err := ParseCurrency(pence); err != nil || back != n {
			t.Fatalf("ParseCurrency(%q) = %d; bare pence %q parses back as %d, %v", raw, n, pence, back, err)
		}
	})
}

// parseCurrencyReference is ParseCurrency as first written, with string
// splits and joins: the plainest statement of the rules, which the
// one-pass version must agree with on every input.
func parseCurrencyReference(raw string) (int64, error) {
	s := strings.TrimSpace(raw)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	pounds := false
	if rest, ok := strings.CutPrefix(s, "£"); ok {
		pounds, s = true, rest
	}
	if !neg && strings.HasPrefix(s, "-") && pounds { // £-12.50
		neg, s = true, s[1:]
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint {
		pounds = true
		if len(frac) == 0 || len(frac) > 2 || !allDigits(frac) {
			return 0, ErrNotAmount
		}
	}
	if strings.Contains(whole, ",") {
		pounds = true
		groups := strings.Split(whole, ",")
		for i, g := range groups {
			if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, ErrNotAmount
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) {
		return 0, ErrNotAmount
	}
	digits := whole
	if pounds {
		digits = whole + (frac + "00")[:2]
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits) > MaxMinorDigits {
		return 0, ErrTooLarge
	}
	var n int64
	if digits != "" {
		n, _ = strconv.ParseInt(digits, 10, 64)
	}
	if neg {
		n = -n
	}
	return n, nil
}
