package money

import (
	"errors"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		err  bool
	}{
		{"two places", "12.50", 1250, false},
		{"one place", "0.2", 20, false},
		{"whole pounds", "100", 10000, false},
		{"trimmed", " 16.84 ", 1684, false},
		{"zero", "0", 0, false},
		{"largest", "1000000000000", 100000000000000, false},
		{"too large", "1000000000000.01", 0, true},
		{"three places", "1.005", 0, true},
		{"negative", "-1.00", 0, true},
		{"exponent", "1e2", 0, true},
		{"pound sign", "£1.00", 0, true},
		{"separator", "1,000", 0, true},
		{"empty", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDecimal(tt.in)
			if got != tt.want || (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrDecimal)) {
				t.Fatalf("ParseDecimal(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestFormatDecimal(t *testing.T) {
	for minor, want := range map[int64]string{20: "0.2", 1684: "16.84", 10000: "100", 0: "0", 5: "0.05"} {
		if got := FormatDecimal(minor); got != want {
			t.Errorf("FormatDecimal(%d) = %q, want %q", minor, got, want)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"12.50", "0.2", "100", "1.005", "-1", "1e2", ".5", "5.", "0x10", "  7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseDecimal(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("ParseDecimal(%q) = %d with error %v", s, n, err)
			}
			return
		}
		if n < 0 || n > maxDecimalMinor {
			t.Fatalf("ParseDecimal(%q) = %d, out of range", s, n)
		}
		if back, err := ParseDecimal(FormatDecimal(n)); err != nil || back != n {
			t.Fatalf("ParseDecimal(%q) = %d; FormatDecimal = %q parses back as %d, %v", s, n, FormatDecimal(n), back, err)
		}
		if back, err := ParseCurrency(FormatMinor(n)); err != nil || back != n {
			t.Fatalf("ParseDecimal(%q) = %d; as pounds it reads %d, %v", s, n, back, err)
		}
	})
}
