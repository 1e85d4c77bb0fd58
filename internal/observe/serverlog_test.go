package observe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

func TestServerLoggerKeepsOnlyFixedWords(t *testing.T) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50123}
	const secret = "ref1=481516&ref2=23041942"
	tests := []struct {
		name     string
		err      error
		wantKind string
	}{
		{"parse error quoting the request", fmt.Errorf("cannot parse %q: bad", "GET /lookup?"+secret), "malformed (*errors.errorString)"},
		{"cut off", fmt.Errorf("reading %q: %w", secret, io.ErrUnexpectedEOF), "cut_off"},
		{"body too large", fmt.Errorf("%w: %s", fasthttp.ErrBodyTooLarge, secret), "body_too_large"},
		{"closed", fmt.Errorf("%s: %w", secret, net.ErrClosed), "closed"},
		{"plain", errors.New(secret), "malformed (*errors.errorString)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ServerLogger{Log: zerolog.New(&buf)}.Printf("error when serving connection %q<->%q: %v", local, remote, tt.err)
			line := buf.String()
			if strings.Contains(line, "481516") || strings.Contains(line, "23041942") {
				t.Fatalf("request bytes logged: %s", line)
			}
			for _, want := range []string{`"message":"error when serving connection"`, `"127.0.0.1:50123"`, tt.wantKind} {
				if !strings.Contains(line, want) {
					t.Fatalf("line %s lacks %s", line, want)
				}
			}
		})
	}
}
