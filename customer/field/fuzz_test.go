package field

import (
	"encoding/json"
	"strings"
	"testing"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// FuzzParseCard: an accepted number is 13–19 digits, passes Luhn, and its
// mask shows at most the first six and last four.
func FuzzParseCard(f *testing.F) {
	for _, s := range []string{"4003000123456781", "4003 0001 2345 6781", "4003000123456782", "", "-", "4222222222222", "0000000000000000", "0004000123456788"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseCard(s)
		if err != nil {
			if strings.Contains(err.Error(), s) && len(s) >= 4 {
				t.Fatalf("error %q quotes the input", err)
			}
			return
		}
		if len(d) < 13 || len(d) > 19 || !AllDigits(d) || !Luhn(d) || d[0] == '0' || strings.Count(d, d[:1]) == len(d) {
			t.Fatalf("ParseCard(%q) accepted %q", s, d)
		}
		m := MaskCard(d)
		if m != d[:6]+"xxxx"+d[len(d)-4:] {
			t.Fatalf("MaskCard(%q) = %q", d, m)
		}
	})
}

// FuzzParseRouting: an accepted routing number is 9 digits whose weighted
// sum is a multiple of ten, and changing any one digit makes it fail.
func FuzzParseRouting(f *testing.F) {
	for _, s := range []string{"011000015", "021000021", "123654789", "", "0000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRouting(s)
		if err != nil {
			return
		}
		if len(d) != 9 || !AllDigits(d) {
			t.Fatalf("ParseRouting(%q) accepted %q", s, d)
		}
		for i := 0; i < 9; i++ {
			b := []byte(d)
			b[i] = '0' + (b[i]-'0'+1)%10
			if _, err := ParseRouting(string(b)); err == nil {
				t.Fatalf("ParseRouting accepts %q and its one-digit change %q", d, b)
			}
		}
	})
}
