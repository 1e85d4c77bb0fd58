package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// Redirects took their host from the request: GET http://evil.example/admin/
// answered Location: http://evil.example/admin/sign-in…. They carry paths.
func TestRedirectsStayOnTheServer(t *testing.T) {
	s := startServer(t)
	addr := strings.TrimPrefix(s.base, "http://")
	tests := []struct{ name, raw string }{
		{"absolute-form request line", "GET http://evil.example/admin/ HTTP/1.1\r\nHost: evil.example\r\n\r\n"},
		{"a foreign Host header", "GET /admin/ HTTP/1.1\r\nHost: evil.example\r\n\r\n"},
		{"the /admin shortcut", "GET /admin HTTP/1.1\r\nHost: evil.example\r\n\r\n"},
		{"a doubled slash", "GET //admin/clients HTTP/1.1\r\nHost: evil.example\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tt.raw); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			loc := res.Header.Get("Location")
			if strings.Contains(loc, "evil.example") || (loc != "" && !strings.HasPrefix(loc, "/")) || strings.HasPrefix(loc, "//") {
				t.Fatalf("%d Location %q: the redirect leaves the server", res.StatusCode, loc)
			}
		})
	}
}
