package money

import (
	"errors"
	"testing"
)

func TestParseCurrencyIn(t *testing.T) {
	tests := []struct {
		lang Language
		cur  Currency
		raw  string
		want int64 // -1: refused
	}{
		{EnGB, GBP, "£12.50", 1250},
		{EnGB, GBP, "1250", 1250},
		{EnUS, USD, "$12.50", 1250},
		{EnUS, USD, "US$1,234.56", 123456},
		{EnUS, USD, "12.50", 1250},
		{EnUS, USD, "1250", 1250},
		{EnUS, USD, "-$5.00", -500},
		{EnUS, USD, "£12.50", -1},
		{EnUS, CAD, "C$12.50", 1250},
		{EnUS, CAD, "CA$12.50", 1250},
		{DeDE, EUR, "€12,50", 1250},
		{DeDE, EUR, "12,50 €", 1250},
		{DeDE, EUR, "1.234,56 €", 123456},
		{DeDE, EUR, "12,50", 1250},
		{DeDE, EUR, "1250", 1250},
		{DeDE, EUR, "12.50", -1}, // a point groups thousands in German: 12.50 is no amount
		{DeDE, EUR, "12,505", -1},
		{DeDE, EUR, "$12,50", -1},
		{DeDE, EUR, "1.23,45", -1},
		{FrFR, EUR, "1 234,56 €", 123456},
		{FrFR, EUR, "1\u00a0234,56\u00a0€", 123456},
		{FrFR, EUR, "1\u202f234,56 €", 123456},
		{FrFR, EUR, "12,5", 1250},
		{EsES, EUR, "1.234,56€", 123456},
		{EsUS, USD, "$1,234.56", 123456},
		{EsES, GBP, "£12,50", 1250},
		{DeDE, EUR, "", -1},
		{DeDE, EUR, "€", -1},
		{DeDE, EUR, "€-12,50", -1250},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang)+"/"+string(tc.cur)+"/"+tc.raw, func(t *testing.T) {
			got, err := ParseCurrencyIn(tc.lang, tc.cur, tc.raw)
			if tc.want == -1 {
				if err == nil {
					t.Fatalf("accepted as %d", got)
				}
				if !errors.Is(err, ErrNotAmount) && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("error %v is neither ErrNotAmount nor ErrTooLarge", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestNotAmountInNamesTheForms(t *testing.T) {
	err := NotAmountIn(DeDE, EUR)
	if got := err.Error(); got != "not an amount: use EUR (€12,50, 12,50, 1.234,56) or whole cents (1250)" {
		t.Fatalf("%q", got)
	}
	if !errors.Is(err, ErrNotAmount) {
		t.Fatal("not ErrNotAmount")
	}
}

// FuzzParseCurrencyIn: whatever is uploaded, an accepted amount is what
// the language writes back, formatted and parsed again.
func FuzzParseCurrencyIn(f *testing.F) {
	for _, s := range []string{"€12,50", "1.234,56 €", "$1,234.56", "1 234,56", "12", "-0,01", "\u00a0"} {
		f.Add(s, uint8(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw string, l, c uint8) {
		lang, cur := Languages()[int(l)%len(Languages())], Currencies()[int(c)%len(Currencies())]
		minor, err := ParseCurrencyIn(lang, cur, raw)
		if err != nil {
			return
		}
		s := FormatMinor(minor) // 12.50, point decimal
		if decimalComma(lang) {
			b := []byte(s)
			for i := range b {
				if b[i] == '.' {
					b[i] = ','
				}
			}
			s = string(b)
		}
		back, err := ParseCurrencyIn(lang, cur, symbols(cur)[0]+s)
		if err != nil || back != minor {
			t.Fatalf("%q → %d, written %q → %d, %v", raw, minor, symbols(cur)[0]+s, back, err)
		}
	})
}
