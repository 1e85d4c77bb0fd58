package observe

import (
	"bytes"
	"encoding/json"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/tonebase/tonebase/internal/jsonstr"
	"github.com/valyala/fasthttp"
)

// TestAccessLineMatchesZerolog checks the hand-built line against the
// line zerolog writes for the same fields: a collector must not tell them
// apart.
func TestAccessLineMatchesZerolog(t *testing.T) {
	at := time.Date(2026, 12, 2, 2, 40, 7, 123456789, time.UTC)
	tests := []struct {
		name string
		line accessLine
	}{
		{"a lookup", accessLine{id: []byte("0123456789abcdef"), method: []byte("GET"), path: []byte("/ivr/v1/1001/1/lookup"),
			route: []byte("/ivr/v1/{cid}/{dbid}/lookup"), status: 200, took: 52345 * time.Nanosecond, remote: net.IPv4(127, 0, 0, 1)}},
		{"a server error", accessLine{id: []byte("x"), method: []byte("POST"), path: []byte("/cppdb/api/file"),
			route: []byte("/cppdb/api/file"), status: 503, took: 3 * time.Second, remote: net.ParseIP("::1")}},
		{"a path with quotes, controls and tabs", accessLine{id: []byte(`a"b`), method: []byte("GET"), path: []byte("/\"\\\n\r\t\x01\x7f/é/€"),
			route: []byte("not_found"), status: 404, took: 0, remote: net.ParseIP("2001:db8::1")}},
		{"no remote", accessLine{id: []byte("id"), method: []byte("GET"), path: []byte("/"), route: []byte("not_found"), status: 404}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.line.route = jsonstr.Append(nil, tt.line.route)
			var clock stamps
			got := tt.line.append(nil, clock.at(at))
			if !bytes.HasSuffix(got, []byte("\n")) || bytes.Count(got, []byte("\n")) != 1 {
				t.Fatalf("not one line: %q", got)
			}
			var want bytes.Buffer
			log := zerolog.New(&want).With().Timestamp().Logger()
			zerolog.TimestampFunc = func() time.Time { return at }
			defer func() { zerolog.TimestampFunc = time.Now }()
			ev := log.Info()
			if tt.line.status >= 500 {
				ev = log.Error()
			}
			remote := ""
			if tt.line.remote != nil {
				remote = tt.line.remote.String()
			}
			var route string
			_ = json.Unmarshal(tt.line.route, &route)
			ev.Bytes("request_id", tt.line.id).Bytes("method", tt.line.method).Bytes("path", tt.line.path).Str("route", route).
				Int("status", tt.line.status).Dur("duration", tt.line.took).Str("remote", remote).Msg("request")
			var g, w map[string]any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("line %q: %v", got, err)
			}
			if err := json.Unmarshal(want.Bytes(), &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("line\n%s\nzerolog\n%s", got, want.Bytes())
			}
		})
	}
}

func TestAccessLogLevels(t *testing.T) {
	tests := []struct {
		name   string
		level  zerolog.Level
		status int
		logged bool
	}{
		{"info logs a 200", zerolog.InfoLevel, 200, true},
		{"debug logs a 404", zerolog.DebugLevel, 404, true},
		{"warn skips a 200", zerolog.WarnLevel, 200, false},
		{"warn keeps a 500", zerolog.WarnLevel, 500, true},
		{"error keeps a 503", zerolog.ErrorLevel, 503, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			h := Wrap(AccessLog{Out: &log, Level: tt.level}, New(), "/r", func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(tt.status) })
			h(newCtx("GET", "/r", ""))
			if logged := log.Len() > 0; logged != tt.logged {
				t.Fatalf("logged %v (%q), want %v", logged, log.String(), tt.logged)
			}
		})
	}
	t.Run("no writer logs nothing and does not fail", func(t *testing.T) {
		h := Wrap(AccessLog{}, New(), "/r", func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(500) })
		h(newCtx("GET", "/r", ""))
	})
}

// TestAccessLineAllocatesNothing: the line is on every request's path.
func TestAccessLineAllocatesNothing(t *testing.T) {
	h := Wrap(AccessLog{Out: discard{}}, New(), "/ivr/v1/{cid}/{dbid}/lookup", func(ctx *fasthttp.RequestCtx) {})
	ctx := newCtx("GET", "/ivr/v1/1001/1/lookup?ref1=123456", "")
	h(ctx)
	if n := testing.AllocsPerRun(200, func() { h(ctx) }); n > 0 {
		t.Fatalf("%v allocations a request", n)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkWrapWithAccessLog(b *testing.B) {
	h := Wrap(AccessLog{Out: discard{}}, New(), "/ivr/v1/{cid}/{dbid}/lookup", func(ctx *fasthttp.RequestCtx) {})
	ctx := newCtx("GET", "/ivr/v1/1001/1/lookup?ref1=123456", "")
	b.ReportAllocs()
	for b.Loop() {
		h(ctx)
	}
}
