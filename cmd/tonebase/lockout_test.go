package main

import (
	"fmt"
	"testing"
)

// A restart used to forgive every lock: a caller locked out after five
// wrong dates of birth could try five more once the process restarted.
func TestCallerLockSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, func(c *serveConfig) { c.Data = dir })
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	s.upload("POST", c, dbid, `{"colA":"123456","colB":"01021990","colC":"100"}`)
	for i := 1; i <= 5; i++ {
		if r := s.lookup(c, c.CID, dbid, fmt.Sprintf("ref1=123456&ref2=0%d011980&caller=07700900123", i)); r.status != 404 {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	s.stop()

	s = startServer(t, func(c *serveConfig) { c.Data = dir })
	tests := []struct {
		name, query string
		want        int
	}{
		{"the locked invoice with the right date", "ref1=123456&ref2=01021990", 429},
		{"the locked caller on another invoice", "ref1=654321&ref2=01021990&caller=07700900123", 429},
		{"another caller on another invoice", "ref1=654321&ref2=01021990&caller=07700900999", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := s.lookup(c, c.CID, dbid, tt.query); r.status != tt.want {
				t.Fatalf("after the restart: %d %s, want %d", r.status, r.body, tt.want)
			}
		})
	}
}
