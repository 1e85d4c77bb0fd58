package field

import (
	"errors"
	"testing"
	"time"
)

func TestDayKey(t *testing.T) {
	d := time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)
	back, err := ParseDayKey(DayKey(d))
	if err != nil || !back.Equal(d) {
		t.Errorf("DayKey round trip = %v, %v", back, err)
	}
	if _, err := ParseDayKey("2024-02-28"); !errors.Is(err, ErrDayKey) {
		t.Errorf("ParseDayKey(2024-02-28) = %v, want ErrDayKey", err)
	}
}

func TestParseCard(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"4003000123456781", "4003000123456781", nil},
		{"5499990123456781", "5499990123456781", nil},
		{"4003 0001 2345 6781", "4003000123456781", nil},
		{"4003-0001-2345-6781", "4003000123456781", nil},
		{"4222222222222", "4222222222222", nil},       // 13 digits
		{"6011000990139424", "6011000990139424", nil}, // Discover
		{"3530111333300000", "3530111333300000", nil}, // JCB
		{"4003000123456782", "", ErrCardLuhn},         // last digit off
		{"400300012345678", "", ErrCardLuhn},          // 15 digits, Luhn fails
		{"400300012345", "", ErrCardDigits},           // 12
		{"40030001234567810000", "", ErrCardDigits},   // 20
		{"4003O00123456781", "", ErrCardDigits},       // letter O
		{"", "", ErrCardDigits},
		{"0000000000000000", "", ErrCardRepeated}, // passes Luhn
		{"0000 0000 0000 0000", "", ErrCardRepeated},
		{"4444444444444", "", ErrCardRepeated},
		{"5555555555555555", "", ErrCardRepeated},
		{"5555555555555557", "5555555555555557", nil}, // one digit off repeated: a number, if an odd one
		{"0004000123456788", "", ErrCardNoBrand},      // passes Luhn
		{"0123456789012347", "", ErrCardNoBrand},      // passes Luhn
		{"1234567812345670", "1234567812345670", nil}, // UATP-style 1: left to the processor
	} {
		got, err := ParseCard(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseCard(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseRouting(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"011000015", "011000015", nil}, // Federal Reserve Bank of Boston
		{"021000021", "021000021", nil}, // JPMorgan Chase
		{"123456780", "123456780", nil},
		{"123654789", "", ErrRoutingSum}, // the API sample's number fails the checksum
		{"021000022", "", ErrRoutingSum},
		{"02100002", "", ErrRoutingDigits},
		{"0210000211", "", ErrRoutingDigits},
		{"02100002a", "", ErrRoutingDigits},
	} {
		got, err := ParseRouting(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseRouting(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseAccount(t *testing.T) {
	for in, ok := range map[string]bool{"1234": true, "123456": true, "12345678901234567": true,
		"123": false, "123456789012345678": false, "12a4": false, "": false} {
		if _, err := ParseAccount(in); (err == nil) != ok {
			t.Errorf("ParseAccount(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"1126", "1126", nil}, // this month is still good
		{"1226", "1226", nil},
		{"0127", "0127", nil},
		{"12/30", "1230", nil},
		{"1026", "", ErrExpired},
		{"1225", "", ErrExpired},
		{"1326", "", ErrExpiry},
		{"0026", "", ErrExpiry},
		{"126", "", ErrExpiry},
		{"11/2026", "", ErrExpiry},
		{"", "", ErrExpiry},
	} {
		got, err := ParseExpiry(tc.in, now)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseExpiry(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestMasks(t *testing.T) {
	if got := MaskCard("4003000123456781"); got != "400300xxxx6781" {
		t.Errorf("MaskCard = %q", got)
	}
	if got := MaskCard("4222222222222"); got != "422222xxxx2222" {
		t.Errorf("MaskCard 13 = %q", got)
	}
	if got := MaskLast4("123456"); got != "xxxx3456" {
		t.Errorf("MaskLast4 = %q", got)
	}
	if got := MaskLast4("12"); got != "xxxx" {
		t.Errorf("MaskLast4 short = %q", got)
	}
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0.10", 10, true}, {"100.00", 10000, true}, {"100", 10000, true}, {"16.84", 1684, true},
		{".5", 50, true}, {"0", 0, true}, {"1.005", 0, false}, {"-1", 0, false}, {"1e3", 0, false},
		{"abc", 0, false}, {"", 0, false}, {"1,000.00", 0, false}, {"99999999999999", 0, false},
	} {
		got, err := ParseMoney(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for minor, want := range map[int64]string{20: "0.2", 11: "0.11", 1684: "16.84", 10000: "100", 0: "0"} {
		if got := FormatMoney(minor); got != want {
			t.Errorf("FormatMoney(%d) = %q, want %q", minor, got, want)
		}
	}
}

func TestValue(t *testing.T) {
	var v struct {
		A, B, C, D, E, F Value
	}
	if err := jsonUnmarshal(`{"A":"2","B":2,"C":false,"D":null,"E":4003000123456781,"F":{"x":1}}`, &v); err != nil {
		t.Fatal(err)
	}
	if v.A.Text != "2" || v.B.Text != "2" || v.C.Text != "false" || v.D.Set || v.E.Text != "4003000123456781" || !v.F.Bad {
		t.Errorf("values = %+v", v)
	}
	if b, ok := v.C.Bool(); b || !ok {
		t.Errorf("false.Bool() = %v, %v", b, ok)
	}
	if b, ok := (Value{Text: "1"}).Bool(); !b || !ok {
		t.Errorf("1.Bool() = %v, %v", b, ok)
	}
	if _, ok := (Value{Text: "yes"}).Bool(); ok {
		t.Error(`"yes".Bool() accepted`)
	}
}
