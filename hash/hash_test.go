package hash

import (
	"bytes"
	"strings"
	"testing"
)

func TestUrlTokenEncode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"two pads", "a", "YQ2"},
		{"one pad", "ab", "YWI1"},
		{"no pad", "abc", "YWJj0"},
		{"url alphabet", "\xfb\xff\xbf", "-_-_0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := UrlTokenEncode([]byte(tt.in))
			if got != tt.want {
				t.Fatalf("UrlTokenEncode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			back, err := UrlTokenDecode(got)
			if err != nil || string(back) != tt.in {
				t.Fatalf("UrlTokenDecode(%q) = %q, %v", got, back, err)
			}
		})
	}
}

func TestUrlTokenDecodeRejects(t *testing.T) {
	for name, in := range map[string]string{
		"pad digit 3":        "YQ3",
		"pad disagrees":      "YQ1",
		"standard alphabet":  "+/+/0",
		"padding characters": "YQ==2",
		"not a digit":        "YQx",
		"lone digit too big": "9",
	} {
		t.Run(name, func(t *testing.T) {
			if b, err := UrlTokenDecode(in); err == nil {
				t.Fatalf("UrlTokenDecode(%q) = %q, want error", in, b)
			}
		})
	}
}

// The reference vectors were computed outside the project (design.md).
var vectors = []struct {
	name      string
	cid, dbid int64
	password  string
	body      string
	want      string
}{
	{"ascii single row", 1234, 12, "secret", `{"colA":"123456"}`,
		"k3m4lMtAkO_3l9wgHq6YMRDOg2v1x2lLD7zmM32u2ShnFneqgnHnbBIB-SThqzdvuOZCtgFBvyHg5GsOPxDaQw2"},
	{"utf8 password and body", 1234, 12, "pässwörd£", `[{"colA":"123456","colB":"01021990","colC":"£12.50"}]`,
		"7ubDYvbxpabUg7jWQLNXpl-oEeHxN4SWXywtSKbSdDzy1qIZ2UNRbYSo78O6jplYe4beZ0wL5waxL7D0ZDuOqw2"},
}

func TestSignVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			got := Sign(v.cid, v.dbid, v.password, []byte(v.body))
			if got != v.want {
				t.Fatalf("Sign = %s, want %s", got, v.want)
			}
			if len(got) != 87 || !strings.HasSuffix(got, "2") {
				t.Fatalf("token shape: len %d", len(got))
			}
		})
	}
}

// verifyCase is a body, a signature and whether the signature holds.
type verifyCase struct {
	name     string
	cid      int64
	dbid     int64
	password string
	body     string
	token    string
	want     bool
}

// verifyCases serve Verify and Digest alike: both must give these answers.
func verifyCases() []verifyCase {
	v := vectors[1]
	pretty := "[\n  {\n    \"colA\": \"123456\",\n    \"colB\": \"01021990\",\n    \"colC\": \"£12.50\"\n  }\n]\n"
	return []verifyCase{
		{"exact body", v.cid, v.dbid, v.password, v.body, v.want, true},
		{"pretty body signed compact", v.cid, v.dbid, v.password, pretty, v.want, true},
		{"wrong password", v.cid, v.dbid, "secret", v.body, v.want, false},
		{"wrong cid", 1235, v.dbid, v.password, v.body, v.want, false},
		{"wrong dbid", v.cid, 13, v.password, v.body, v.want, false},
		{"tampered body", v.cid, v.dbid, v.password, strings.Replace(v.body, "12.50", "1.50", 1), v.want, false},
		{"space inside string matters", 1234, 12, "secret", `{"colA":"123 456"}`, Sign(1234, 12, "secret", []byte(`{"colA":"123456"}`)), false},
		{"csv signed without its newlines", 1234, 12, "secret", "012345,01021990\n", Sign(1234, 12, "secret", []byte("012345,01021990")), true},
		{"empty body", 1234, 12, "secret", "", Sign(1234, 12, "secret", nil), true},
		{"truncated token", v.cid, v.dbid, v.password, v.body, v.want[:86], false},
		{"empty token", v.cid, v.dbid, v.password, v.body, "", false},
		{"garbage token", v.cid, v.dbid, v.password, v.body, "!!!", false},
	}
}

func TestVerify(t *testing.T) {
	for _, tt := range verifyCases() {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.cid, tt.dbid, tt.password, []byte(tt.body), tt.token); got != tt.want {
				t.Fatalf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompact(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"already compact", `{"a":"b"}`, `{"a":"b"}`},
		{"spaces and newlines", "{ \"a\" :\r\n\t\"b c\" }", `{"a":"b c"}`},
		{"escaped quote keeps string open", `{"a":"x\" y"}`, `{"a":"x\" y"}`},
		{"escaped backslash closes", `{"a":"x\\" , "b":1}`, `{"a":"x\\","b":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := Compact([]byte(tt.in))
			if string(got) != tt.want || changed != (tt.in != tt.want) {
				t.Fatalf("Compact(%q) = %q, %v", tt.in, got, changed)
			}
		})
	}
}

func FuzzUrlToken(f *testing.F) {
	for _, s := range []string{"", "YQ2", "YWI1", "YWJj0", vectors[0].want, "YQ==2", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := UrlTokenDecode(s)
		if err != nil {
			return
		}
		// A token we accept must be the one encoding of its bytes.
		if again := UrlTokenEncode(b); again != s {
			t.Fatalf("decode/encode of %q gave %q", s, again)
		}
	})
}

func FuzzCompact(f *testing.F) {
	f.Add([]byte(vectors[1].body))
	f.Add([]byte("{ \"a\\\"\" : [1, 2] }"))
	f.Fuzz(func(t *testing.T, body []byte) {
		once, _ := Compact(body)
		twice, changed := Compact(once)
		if changed || !bytes.Equal(once, twice) {
			t.Fatalf("Compact is not idempotent on %q", body)
		}
	})
}
