package observe

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/jsonstr"
	"github.com/valyala/fasthttp"
)

// RequestIDHeader carries the request id both ways; handlers read it back
// with httpx.RequestID.
const RequestIDHeader = httpx.RequestIDHeader

// Wrap gives each request an id (the caller's X-Request-Id if it sent a sane
// one), answers it in X-Request-Id, logs one access line and records the
// request count and latency by route and status. route names the route
// pattern, not the path, so metrics stay bounded.
func Wrap(access AccessLog, reg *Registry, route string, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	requests := reg.Counter("tonebase_http_requests_total", "HTTP requests by route and status.", "route", "status")
	latency := reg.Histogram("tonebase_http_request_duration_seconds", "HTTP request latency by route.", "route").With(route)
	// The route's counter per status, resolved on first use: after that a
	// request is counted with one atomic add, no label lookup.
	var byStatus [600]atomic.Pointer[Counter]
	// Ids are a random 64-bit start plus a counter: unique within the
	// process and unlikely to meet another's, without a random read or an
	// allocation per request.
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	base := binary.BigEndian.Uint64(seed[:])
	var seq atomic.Uint64
	logging := access.Out != nil && access.Level <= zerolog.InfoLevel
	on := access.Out != nil
	// A line is built in a pooled buffer: one on the stack would escape
	// to the heap through the writer's interface on every request.
	bufs := sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
	routeJSON := jsonstr.Append(nil, []byte(route))
	var clock stamps
	return func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		var idBuf [16]byte
		id := ctx.Request.Header.Peek(RequestIDHeader)
		if len(id) == 0 || len(id) > 64 || !printable(id) {
			var n [8]byte
			binary.BigEndian.PutUint64(n[:], base+seq.Add(1))
			hex.Encode(idBuf[:], n[:])
			id = idBuf[:]
		}
		ctx.Response.Header.SetBytesV(RequestIDHeader, id)
		next(ctx)
		d := time.Since(start)
		status := ctx.Response.StatusCode()
		slot := &byStatus[0] // statuses outside 1xx-5xx share slot 0, "000"
		if status >= 100 && status < len(byStatus) {
			slot = &byStatus[status]
		}
		c := slot.Load()
		if c == nil {
			c = requests.With(route, statusText(status))
			slot.Store(c)
		}
		c.Inc()
		latency.Observe(d)
		if !logging && (!on || status < 500) {
			return
		}
		// The path only: query strings can hold callers' digits.
		line := accessLine{id: ctx.Response.Header.Peek(RequestIDHeader), method: ctx.Method(), path: ctx.Path(),
			route: routeJSON, status: status, took: d, remote: ctx.RemoteIP()}
		buf := bufs.Get().(*[]byte)
		*buf = line.append((*buf)[:0], clock.at(start.Add(d)))
		_, _ = access.Out.Write(*buf)
		bufs.Put(buf)
	}
}

func printable(s []byte) bool {
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// statusText names the common statuses without formatting: it runs on
// every request.
func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 400:
		return "400"
	case 401:
		return "401"
	case 403:
		return "403"
	case 404:
		return "404"
	case 409:
		return "409"
	case 422:
		return "422"
	case 429:
		return "429"
	case 500:
		return "500"
	}
	const digits = "0123456789"
	if code < 100 || code > 599 {
		return "000"
	}
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}
