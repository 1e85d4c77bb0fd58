package httpx

import (
	"encoding/json"

	"github.com/valyala/fasthttp"
)

// WriteJSON answers v as JSON with status. A value that cannot be encoded
// is a programming error, answered as a bare 500 rather than half a body.
func WriteJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = fasthttp.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}

// RequestIDHeader carries the request id both ways. observe.Wrap sets it on
// the response before the handler runs, so a handler reads its request's id
// from the response header (RequestID) instead of a per-request value.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the id the request was given, for an error's log line.
func RequestID(ctx *fasthttp.RequestCtx) string {
	return string(ctx.Response.Header.Peek(RequestIDHeader))
}
