package testkit

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestBlankTokens(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"a token", "x1234567890121111y", "x________________y"},
		{"a card number passes Luhn and stays", "x4111111111111111y", "x4111111111111111y"},
		{"seventeen digits stay", "12345678901211110", "12345678901211110"},
		{"fifteen digits stay", "123456789012111", "123456789012111"},
		{"two tokens", "1234567890121111,9999999999991112", "________________,________________"},
		{"a token at the end", "a1234567890121111", "a________________"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(blankTokens([]byte(tc.in))); got != tc.want {
				t.Fatalf("blankTokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSecretsInFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("row 4111111111111111 cvv 7319 token 1234567319121112"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b"), []byte("token 1234567319121112 only"), 0o600); err != nil {
		t.Fatal(err)
	}
	found, files, err := SecretsInFiles(dir, []string{"4111111111111111", "7319", "5555555555554444"})
	want := []Finding{{"a", "4111111111111111"}, {"a", "7319"}}
	if err != nil || files != 2 || !reflect.DeepEqual(found, want) {
		t.Fatalf("found %v in %d files, %v; want %v", found, files, err, want)
	}
}

func TestScrubbed(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"a request id", `{"request_id":"8093cc7319b38c","x":"7319"}`, `{"request_id":"-","x":"7319"}`},
		{"a duration", `{"duration":0.007319,"status":200}`, `{"duration":"-","status":200}`},
		{"a time", `{"time":"2026-12-02T07:31:09Z"}`, `{"time":"-"}`},
		{"other fields stay", `{"cvv":"7319","card":"4111"}`, `{"cvv":"7319","card":"4111"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b SyncBuffer
			b.Write([]byte(tc.in))
			if got := b.Scrubbed(); got != tc.want {
				t.Fatalf("Scrubbed() = %q, want %q", got, tc.want)
			}
		})
	}
}
