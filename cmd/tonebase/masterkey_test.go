package main

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestMasterKeyFileMode(t *testing.T) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		mode       os.FileMode
		anyMode    bool
		wantErrSub string
	}{
		{name: "owner only", mode: 0o600},
		{name: "owner read only", mode: 0o400},
		{name: "group can read", mode: 0o640, wantErrSub: "chmod 600"},
		{name: "others can read", mode: 0o604, wantErrSub: "mode 0604"},
		{name: "group can write", mode: 0o620, wantErrSub: "--master-key-any-mode"},
		{name: "world readable, accepted by the flag", mode: 0o644, anyMode: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := masterKey(serveConfig{Data: t.TempDir(), MasterKeyFile: path, AnyKeyMode: tc.anyMode}, zerolog.Nop())
			if tc.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSub) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErrSub)
				}
				return
			}
			if err != nil || len(got) != 32 {
				t.Fatalf("key of %d bytes, err %v", len(got), err)
			}
		})
	}
}
