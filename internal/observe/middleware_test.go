package observe

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/valyala/fasthttp"
)

// newCtx is a request as fasthttp hands it to a handler; requestID, if
// set, is sent as X-Request-Id.
func newCtx(method, uri, requestID string) *fasthttp.RequestCtx {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(uri)
	if requestID != "" {
		ctx.Request.Header.Set("X-Request-Id", requestID)
	}
	return &ctx
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestWrapRequestIDs(t *testing.T) {
	sane64 := strings.Repeat("a", 64)
	tests := []struct {
		name string
		sent string
		keep bool // the caller's id is the request's
	}{
		{"none sent: one is made", "", false},
		{"a sane id is kept", "req-42_A.b:c/d", true},
		{"64 characters is kept", sane64, true},
		{"65 characters is replaced", sane64 + "a", false},
		{"a space is replaced", "req 42", false},
		{"a tab is replaced", "req\t42", false},
		{"a control character is replaced", "req\x0142", false},
		{"non-ASCII is replaced", "réq-42", false},
		// Printable, so kept: the JSON log escapes it (checked below).
		{"quotes are kept, and cannot forge a log field", `x","level":"error`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			var seen string
			h := Wrap(AccessLog{Out: &log}, New(), "/r", func(ctx *fasthttp.RequestCtx) { seen = httpx.RequestID(ctx) })
			ctx := newCtx("GET", "/r", tt.sent)
			h(ctx)
			got := string(ctx.Response.Header.Peek("X-Request-Id"))
			if got != seen {
				t.Fatalf("answered id %q, handler saw %q", got, seen)
			}
			if tt.keep && got != tt.sent {
				t.Fatalf("id %q, want the caller's %q", got, tt.sent)
			}
			if !tt.keep && !generatedID.MatchString(got) {
				t.Fatalf("id %q, want a fresh 16-hex-digit one", got)
			}
			var line map[string]any
			if err := json.Unmarshal(log.Bytes(), &line); err != nil {
				t.Fatalf("access log %q: %v", log.String(), err)
			}
			if line["request_id"] != got || line["level"] != "info" {
				t.Fatalf("logged id %v at %v, answered %q", line["request_id"], line["level"], got)
			}
			if !tt.keep && tt.sent != "" && strings.Contains(log.String(), tt.sent) {
				t.Fatalf("the refused id reached the log: %s", log.String())
			}
		})
	}
	t.Run("two requests get two ids", func(t *testing.T) {
		h := Wrap(AccessLog{}, New(), "/r", func(*fasthttp.RequestCtx) {})
		a, b := newCtx("GET", "/r", ""), newCtx("GET", "/r", "")
		h(a)
		h(b)
		if string(a.Response.Header.Peek("X-Request-Id")) == string(b.Response.Header.Peek("X-Request-Id")) {
			t.Fatal("the same id twice")
		}
	})
}

// TestWrapAccessLog checks the access line: the path without its query
// (queries carry callers' digits), the route, the status, and the level.
func TestWrapAccessLog(t *testing.T) {
	tests := []struct {
		name   string
		method string
		uri    string
		status int
		path   string
		level  string
		secret []string // must not be logged
	}{
		{"a lookup's digits stay out", "GET", "/ivr/v1/1001/1/lookup?ref1=012345%23&ref2=01021990&caller=07700900123&format=kv", 200,
			"/ivr/v1/1001/1/lookup", "info", []string{"012345", "01021990", "07700900123", "ref1", "format", "?"}},
		{"an upload's hash stays out", "POST", "/cppdb/api/file?cid=1001&dbid=1&Hash=k3m4lMtAkO_3l9wgHq6Y&mode=replace", 403,
			"/cppdb/api/file", "info", []string{"k3m4lMtAkO", "Hash", "mode=replace", "?"}},
		{"a query with no path to speak of", "GET", "/?q=012345", 404, "/", "info", []string{"012345", "q="}},
		{"a server error is logged as an error", "GET", "/healthz?probe=012345", 503, "/healthz", "error", []string{"012345"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			reg := New()
			h := Wrap(AccessLog{Out: &log}, reg, "route-pattern", func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(tt.status) })
			h(newCtx(tt.method, tt.uri, ""))
			var line map[string]any
			if err := json.Unmarshal(log.Bytes(), &line); err != nil {
				t.Fatalf("access log %q: %v", log.String(), err)
			}
			if line["path"] != tt.path || line["method"] != tt.method || line["route"] != "route-pattern" ||
				line["status"] != float64(tt.status) || line["level"] != tt.level || line["message"] != "request" {
				t.Fatalf("access line %s", log.String())
			}
			for _, s := range tt.secret {
				if strings.Contains(log.String(), s) {
					t.Fatalf("%q reached the access log: %s", s, log.String())
				}
			}
			status := statusText(tt.status)
			if got := reg.Counter("tonebase_http_requests_total", "").Value("route-pattern", status); got != 1 {
				t.Fatalf("requests{route-pattern,%s} = %d", status, got)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	tests := []struct {
		name string
		code int
		want string
	}{
		{"ok", 200, "200"},
		{"not found", 404, "404"},
		{"too low", 99, "000"},
		{"too high", 1000, "000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusText(tt.code); got != tt.want {
				t.Fatalf("statusText(%d) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}
