package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestStalledConnectionsAreClosed: the wired server closes a kept-alive
// connection past --idle-timeout and a request still arriving past
// --request-timeout, and counts both in /metrics.
func TestStalledConnectionsAreClosed(t *testing.T) {
	const limit = 300 * time.Millisecond
	s := startServer(t, func(c *serveConfig) { c.RequestTimeout, c.IdleTimeout = limit, limit })
	addr := strings.TrimPrefix(s.base, "http://")
	tests := []struct {
		name  string
		send  string
		reply bool // the server answers before the connection stalls
	}{
		{"idle after an answer", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"request never finished", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			from := time.Now()
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(bufio.NewReader(c)) // until the server closes it
			if err != nil {
				t.Fatalf("connection not closed by the server: %v", err)
			}
			if answered := strings.HasPrefix(string(got), "HTTP/1.1 200"); answered != tt.reply {
				t.Fatalf("answered %v, want %v: %q", answered, tt.reply, got)
			}
			if took := time.Since(from); took < limit {
				t.Fatalf("closed after %v, before the %v limit", took, limit)
			}
		})
	}
	metrics := string(s.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{`tonebase_http_connections_expired_total{state="idle"} 1`,
		`tonebase_http_connections_expired_total{state="active"} 1`} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("no %q in /metrics", want)
		}
	}
}
