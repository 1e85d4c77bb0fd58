package observe

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// RequestIDKey is the user-value key under which handlers find the request id.
const RequestIDKey = "request_id"

// Wrap gives each request an id (the caller's X-Request-Id if it sent a sane
// one), answers it in X-Request-Id, logs one access line and records the
// request count and latency by route and status. route names the route
// pattern, not the path, so metrics stay bounded.
func Wrap(log zerolog.Logger, reg *Registry, route string, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	requests := reg.Counter("tonebase_http_requests_total", "HTTP requests by route and status.", "route", "status")
	latency := reg.Histogram("tonebase_http_request_duration_seconds", "HTTP request latency by route.", "route")
	return func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		id := string(ctx.Request.Header.Peek("X-Request-Id"))
		if len(id) == 0 || len(id) > 64 || !printable(id) {
			id = newID()
		}
		ctx.SetUserValue(RequestIDKey, id)
		ctx.Response.Header.Set("X-Request-Id", id)
		next(ctx)
		d := time.Since(start)
		status := ctx.Response.StatusCode()
		requests.Inc(route, statusText(status))
		latency.Observe(d, route)
		ev := log.Info()
		if status >= 500 {
			ev = log.Error()
		}
		// The path only: query strings can hold callers' digits.
		ev.Str("request_id", id).Str("method", string(ctx.Method())).Str("path", string(ctx.Path())).
			Str("route", route).Int("status", status).Dur("duration", d).Str("remote", ctx.RemoteIP().String()).
			Msg("request")
	}
}

// RequestID returns the id Wrap gave the request.
func RequestID(ctx *fasthttp.RequestCtx) string {
	id, _ := ctx.UserValue(RequestIDKey).(string)
	return id
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func statusText(code int) string {
	const digits = "0123456789"
	if code < 100 || code > 999 {
		return "000"
	}
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}
