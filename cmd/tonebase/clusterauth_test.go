package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// TestNATSAuth: the cluster's NATS credentials come from the master key,
// or without one from the admin token; nodes with another key get other
// credentials, and a node with neither is refused before anything starts.
func TestNATSAuth(t *testing.T) {
	keyA := hex.EncodeToString(bytes.Repeat([]byte{1}, 32))
	keyB := hex.EncodeToString(bytes.Repeat([]byte{2}, 32))
	tests := []struct {
		name    string
		cfg     serveConfig
		same    string // the name of an earlier case whose credentials these equal
		differs string // the name of an earlier case whose credentials these differ from
		wantErr string
	}{
		{name: "master key", cfg: serveConfig{MasterKey: keyA, AdminToken: "token-one-0123456789"}},
		{name: "the same master key, another admin token", cfg: serveConfig{MasterKey: keyA, AdminToken: "token-two-0123456789"}, same: "master key"},
		{name: "another master key", cfg: serveConfig{MasterKey: keyB, AdminToken: "token-one-0123456789"}, differs: "master key"},
		{name: "admin token alone", cfg: serveConfig{AdminToken: "token-one-0123456789"}, differs: "master key"},
		{name: "another admin token alone", cfg: serveConfig{AdminToken: "token-two-0123456789"}, differs: "admin token alone"},
		{name: "neither", cfg: serveConfig{}, wantErr: "needs a master key"},
	}
	got := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := natsAuth(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("natsAuth = %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(auth.Password) != 64 || auth.Password == auth.RoutePassword || auth.User == auth.RouteUser {
				t.Fatalf("credentials %+v: want distinct client and route passwords of 32 bytes", auth)
			}
			got[tt.name] = auth.Password + "/" + auth.RoutePassword
			if tt.same != "" && got[tt.name] != got[tt.same] {
				t.Fatalf("credentials differ from %q's", tt.same)
			}
			if tt.differs != "" && got[tt.name] == got[tt.differs] {
				t.Fatalf("credentials equal %q's", tt.differs)
			}
		})
	}
}
