package hash

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name   string
		params []Param
		want   string
	}{
		{"sorted, Hash left out", []Param{{"mode", "replace"}, {"dbid", "1"}, {"HASH", "x"}, {"cid", "1001"}}, "cid=1001&dbid=1&mode=replace"},
		{"RFC 3986 escapes", []Param{{"a b", "£/~.-_"}}, "a%20b=%C2%A3%2F~.-_"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalQuery(tt.params); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestDigestAgreesWithSignRequest(t *testing.T) {
	r := Request{Method: "POST", Path: "/cppdb/api/file", Query: "cid=1001&dbid=1&mode=replace", Timestamp: "1767225600"}
	body := "012345,01021990,£12.50,,\n"
	sig := SignRequest("secret", r, []byte(body))
	d := NewRequestDigest("secret", r)
	d.Write([]byte(body[:5]))
	d.Write([]byte(body[5:]))
	if !d.Verify(sig) || d.Verify(strings.Repeat("0", 64)) || d.Verify(strings.ToUpper(sig)) {
		t.Fatal("streamed signature disagrees")
	}
}

func TestParseTimestamp(t *testing.T) {
	now := time.Unix(1767225600, 0)
	for name, tt := range map[string]struct {
		in string
		ok bool
	}{"now": {"1767225600", true}, "4 minutes ahead": {"1767225840", true}, "6 minutes old": {"1767225240", false},
		"leading zero": {"01767225600", false}, "not a number": {"soon", false}, "empty": {"", false}} {
		t.Run(name, func(t *testing.T) {
			if _, ok := ParseTimestamp(tt.in, now); ok != tt.ok {
				t.Fatalf("ParseTimestamp(%q) = %v", tt.in, ok)
			}
		})
	}
}

func TestSignModeCoversTheMode(t *testing.T) {
	body := []byte("012345,01021990,£12.50,,\n")
	if SignMode(1001, 1, "secret", "upsert", body) == SignMode(1001, 1, "secret", "replace", body) {
		t.Fatal("the mode is not signed")
	}
	d := NewModeDigest(1001, 1, "secret", "upsert")
	d.Write(body)
	if !d.Verify(SignMode(1001, 1, "secret", "upsert", body)) {
		t.Fatal("digest disagrees with SignMode")
	}
}
