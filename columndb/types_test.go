package columndb

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// normCase is one Normalize call: want is the stored form, or errSub a part
// of the error message when the value must be refused.
type normCase struct {
	name   string
	in     string
	want   string
	errSub string
}

func runNormalize(t *testing.T, c Column, cases []normCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Normalize(tt.in)
			if tt.errSub != "" {
				var ve *ValueError
				if !errors.As(err, &ve) {
					t.Fatalf("Normalize(%q) = %q, %v; want ValueError containing %q", tt.in, got, err, tt.errSub)
				}
				if !strings.Contains(err.Error(), tt.errSub) {
					t.Fatalf("Normalize(%q) error %q, want it to contain %q", tt.in, err, tt.errSub)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeText(t *testing.T) {
	runNormalize(t, Column{Type: TypeText}, []normCase{
		{name: "ascii", in: "Jane Smith", want: "Jane Smith"},
		{name: "utf8 kept", in: "Zoë £12 日本", want: "Zoë £12 日本"},
		{name: "spaces kept", in: "  padded ", want: "  padded "},
		{name: "empty", in: "", want: ""},
		{name: "at limit", in: strings.Repeat("x", MaxTextBytes), want: strings.Repeat("x", MaxTextBytes)},
		{name: "over limit", in: strings.Repeat("x", MaxTextBytes+1), errSub: "longer than 1024 bytes"},
		{name: "limit counts bytes", in: strings.Repeat("é", MaxTextBytes/2+1), errSub: "longer than"},
		{name: "invalid utf8", in: "ab\xffcd", errSub: "UTF-8"},
	})
}

func TestNormalizeNumeric(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		runNormalize(t, Column{Type: TypeNumeric}, []normCase{
			{name: "leading zeros kept", in: "000123", want: "000123"},
			{name: "whitespace trimmed", in: " \t012345\n", want: "012345"},
			{name: "single digit", in: "7", want: "7"},
			{name: "at digit limit", in: strings.Repeat("9", MaxDigits), want: strings.Repeat("9", MaxDigits)},
			{name: "over digit limit", in: strings.Repeat("9", MaxDigits+1), errSub: "longer than 64 digits"},
			{name: "empty", in: "", errSub: "empty"},
			{name: "blank", in: "   ", errSub: "empty"},
			{name: "letters", in: "12a4", errSub: "not all digits"},
			{name: "sign", in: "-123", errSub: "not all digits"},
			{name: "inner space", in: "12 34", errSub: "not all digits"},
			{name: "hash", in: "1234#", errSub: "not all digits"},
			{name: "star", in: "*", errSub: "not all digits"},
			{name: "arabic-indic digits", in: "١٢٣", errSub: "not all digits"},
		})
	})
}

func TestNormalizeDate(t *testing.T) {
	for _, tt := range []struct {
		format DateFormat
		cases  []normCase
	}{
		{"", []normCase{ // DDMMYYYY by default
			{name: "uk order", in: "01021990", want: "01021990"},
			{name: "13th month", in: "01131990", errSub: "not a real date in DDMMYYYY"},
			{name: "leap 2000", in: "29022000", want: "29022000"},
			{name: "leap 2024", in: "29022024", want: "29022024"},
			{name: "not leap 1900", in: "29021900", errSub: "not a real date"},
			{name: "not leap 2023", in: "29022023", errSub: "not a real date"},
			{name: "31 april", in: "31042020", errSub: "not a real date"},
			{name: "31 december", in: "31122020", want: "31122020"},
			{name: "day zero", in: "00012020", errSub: "not a real date"},
			{name: "month zero", in: "01002020", errSub: "not a real date"},
			{name: "year before 1800", in: "01011799", errSub: "not a real date"},
			{name: "trimmed", in: " 01021990 ", want: "01021990"},
			{name: "seven digits", in: "1021990", errSub: "expected 8 digits, got 7"},
			{name: "separators", in: "01/02/1990", errSub: "not all digits"},
			{name: "empty", in: "", errSub: "empty"},
		}},
		{DDMMYYYY, []normCase{
			{name: "ok", in: "31012020", want: "31012020"},
			{name: "month first refused", in: "01312020", errSub: "not a real date in DDMMYYYY"},
		}},
		{MMDDYYYY, []normCase{
			{name: "us order", in: "01312020", want: "01312020"},
			{name: "day first refused", in: "31012020", errSub: "not a real date in MMDDYYYY"},
			{name: "leap", in: "02292000", want: "02292000"},
			{name: "not leap", in: "02291900", errSub: "not a real date"},
		}},
		{YYYYMMDD, []normCase{
			{name: "iso order", in: "19900102", want: "19900102"},
			{name: "leap", in: "20000229", want: "20000229"},
			{name: "not leap", in: "19000229", errSub: "not a real date"},
			{name: "30 february", in: "20240230", errSub: "not a real date"},
			{name: "uk order refused", in: "01021990", errSub: "not a real date in YYYYMMDD"},
		}},
		{"YYYYDDMM", []normCase{
			{name: "unknown format", in: "19900102", errSub: "not a real date"},
		}},
	} {
		name := string(tt.format)
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			runNormalize(t, Column{Type: TypeDate, Format: tt.format}, tt.cases)
		})
	}
}

func TestNormalizeCurrency(t *testing.T) {
	runNormalize(t, Column{Type: TypeCurrency}, []normCase{
		{name: "pound sign and pence", in: "£1.00", want: "100"},
		{name: "decimal point is pounds", in: "1.00", want: "100"},
		{name: "thousands separators", in: "1,234.56", want: "123456"},
		{name: "pound thousands", in: "£1,234,567.89", want: "123456789"},
		{name: "comma without point is pounds", in: "1,234", want: "123400"},
		{name: "bare whole number is pence", in: "100", want: "100"},
		{name: "whole pounds", in: "£12", want: "1200"},
		{name: "one decimal", in: "12.5", want: "1250"},
		{name: "leading zeros", in: "007", want: "7"},
		{name: "zero", in: "£0.00", want: "0"},
		{name: "negative zero", in: "-0", want: "0"},
		{name: "trimmed", in: "  £12.50\t", want: "1250"},
		{name: "negative pounds", in: "-£5.00", want: "-500"},
		{name: "negative after sign", in: "£-5.00", want: "-500"},
		{name: "negative pence", in: "-250", want: "-250"},
		{name: "largest", in: strings.Repeat("9", 15), want: strings.Repeat("9", 15)},
		{name: "three decimals", in: "1.005", errSub: "not an amount"},
		{name: "bad grouping", in: "1,23", errSub: "not an amount"},
		{name: "bad leading group", in: "1234,567", errSub: "not an amount"},
		{name: "empty group", in: "1,,234", errSub: "not an amount"},
		{name: "trailing point", in: "12.", errSub: "not an amount"},
		{name: "leading point", in: ".50", errSub: "not an amount"},
		{name: "two points", in: "1.2.3", errSub: "not an amount"},
		{name: "double minus", in: "--5", errSub: "not an amount"},
		{name: "minus twice with pound", in: "-£-5", errSub: "not an amount"},
		{name: "dollar", in: "$5.00", errSub: "not an amount"},
		{name: "plus", in: "+5", errSub: "not an amount"},
		{name: "empty", in: "", errSub: "not an amount"},
		{name: "pound alone", in: "£", errSub: "not an amount"},
		{name: "inner space", in: "£ 5", errSub: "not an amount"},
		{name: "huge pence", in: strings.Repeat("9", 16), errSub: "too large"},
		{name: "huge pounds", in: "£" + strings.Repeat("9", 14), errSub: "too large"},
		{name: "beyond int64", in: "99999999999999999999", errSub: "too large"},
	})
}

func TestNormalizeInteger(t *testing.T) {
	runNormalize(t, Column{Type: TypeInteger}, []normCase{
		{name: "positive", in: "42", want: "42"},
		{name: "leading zeros dropped", in: "0042", want: "42"},
		{name: "negative", in: "-17", want: "-17"},
		{name: "plus sign", in: "+5", want: "5"},
		{name: "negative zero", in: "-0", want: "0"},
		{name: "trimmed", in: " 9 ", want: "9"},
		{name: "max int64", in: "9223372036854775807", want: "9223372036854775807"},
		{name: "overflow", in: "9223372036854775808", errSub: "not a whole number"},
		{name: "decimal", in: "1.5", errSub: "not a whole number"},
		{name: "hex", in: "0x10", errSub: "not a whole number"},
		{name: "underscore", in: "1_000", errSub: "not a whole number"},
		{name: "empty", in: "", errSub: "not a whole number"},
	})
}

func TestNormalizeUnknownType(t *testing.T) {
	c := Column{Type: "blob"}
	if _, err := c.Normalize("x"); err == nil || !strings.Contains(err.Error(), `unknown data type "blob"`) {
		t.Fatalf("Normalize on unknown type: err = %v", err)
	}
}

var fuzzColumns = []Column{
	{Type: TypeText},
	{Type: TypeNumeric},
	{Type: TypeDate},
	{Type: TypeDate, Format: MMDDYYYY},
	{Type: TypeDate, Format: YYYYMMDD},
	{Type: TypeCurrency},
	{Type: TypeInteger},
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "0", "012345", " 01021990 ", "29022000", "£1,234.56", "-£5.00",
		"1.005", "-0", "+5", "\xff", "日本", "9223372036854775808", strings.Repeat("9", 15)} {
		for i := range fuzzColumns {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		c := fuzzColumns[int(which)%len(fuzzColumns)]
		got, err := c.Normalize(raw)
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: Normalize(%q) error %T %v, want *ValueError", c.Type, raw, err, err)
			}
			return
		}
		again, err := c.Normalize(got)
		if err != nil || again != got {
			t.Fatalf("%s: Normalize(%q) = %q, but Normalize(%q) = %q, %v", c.Type, raw, got, got, again, err)
		}
		if c.Type == TypeCurrency {
			if _, err := strconv.ParseInt(got, 10, 64); err != nil {
				t.Fatalf("currency stored form %q is not an integer", got)
			}
		}
	})
}
