package jsonstr

import (
	"encoding/json"
	"testing"
)

func TestAppendMatchesEncodingJSON(t *testing.T) {
	tests := []struct{ name, in string }{
		{"plain", "/ivr/v1/1001/1/lookup"},
		{"empty", ""},
		{"quotes and backslashes", `a"b\c`},
		{"controls", "\x00\x01\b\f\n\r\t\x1f\x7f"},
		{"html", "<a href='x'>&</a>"},
		{"multibyte", "é€𝄞 £12.50"},
		{"line separators", "a\u2028b\u2029c"},
		{"invalid utf-8", "\xff\xfe a\xe2\x82 \xed\xa0\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := json.Marshal(tt.in)
			if got := Append(nil, tt.in); string(got) != string(want) {
				t.Fatalf("string %q: got %s, want %s", tt.in, got, want)
			}
			if got := Append(nil, []byte(tt.in)); string(got) != string(want) {
				t.Fatalf("bytes %q: got %s, want %s", tt.in, got, want)
			}
		})
	}
}

func TestAppendAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 256)
	in := []byte("/path/é\xff<>\u2028")
	if n := testing.AllocsPerRun(100, func() { buf = Append(buf[:0], in) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// FuzzAppend: whatever the bytes, the output is exactly encoding/json's.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "/ivr/v1/1/2/lookup", "\"\\\n\x00\x1f\x7f", "é€𝄞", "\xff\xfe", "a\xe2\x82", "\u2028<&>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		want, err := json.Marshal(string(s))
		if err != nil {
			t.Fatal(err)
		}
		if got := Append(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
