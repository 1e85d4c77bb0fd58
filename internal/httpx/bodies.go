package httpx

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/valyala/fasthttp"
)

// tooLargeHeader marks, between HeaderReceived and the handler, a request
// whose announced body is past the limit. A client sending it itself only
// gets its own request refused.
const tooLargeHeader = "X-Tonebase-Body-Too-Large"

// StreamBodies makes s hand request bodies to handlers as streams, so an
// upload can go to disk as it arrives (BodyReader) rather than into
// memory, up to s.MaxRequestBodySize, and no body is read that no route
// asked for (TakeBody says which routes read one). Turning fasthttp's
// StreamRequestBody on alone would lose what fasthttp v1.74.0 does without
// it, which StreamBodies and TakeBody put back:
//
//   - A body announced larger than the limit is refused with 413, through
//     s.ErrorHandler, on its length alone. Streaming fasthttp neither
//     refuses it nor calls the handler before it has read the first 8 KiB.
//   - A chunked body, whose length is known only at its end, is read into
//     memory only for a route that reads its body whole (SmallBody), and
//     only up to SmallBodyLimit: streaming, ctx.PostBody would read any
//     length into memory.
//   - No byte of a body is ever parsed as the next request on the
//     connection: streaming fasthttp would (fasthttp issue 2368, a request
//     smuggling hole). What a handler leaves of a body is read and thrown
//     away if that is a few kilobytes (a GET sent with a small body keeps
//     its connection); past that the connection is closed after the
//     answer, so an unwanted body costs neither memory nor the time to
//     read it. A handler that sets Connection: close skips this.
//
// Multipart forms are no longer parsed before the handler runs (that would
// read any length to the system's temporary folder); ctx.MultipartForm
// still parses them, from the stream. Call it once s is otherwise set up.
func StreamBodies(s *fasthttp.Server) {
	limit := s.MaxRequestBodySize
	if limit <= 0 {
		limit = fasthttp.DefaultMaxRequestBodySize
	}
	s.StreamRequestBody = true
	s.DisablePreParseMultipartForm = true
	received := s.HeaderReceived
	s.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		var rc fasthttp.RequestConfig
		if received != nil {
			rc = received(h)
		}
		if n := h.ContentLength(); n > limit {
			// With no body left to read, fasthttp calls the handler at once.
			h.Set(tooLargeHeader, strconv.Itoa(n))
			h.SetContentLength(0)
			h.Del(fasthttp.HeaderExpect) // no "100 Continue" for a refused body
		}
		return rc
	}
	refuse := s.ErrorHandler
	if refuse == nil {
		refuse = plainRefusal
	}
	s.Handler = limitBodies(s.Handler, refuse)
}

// limitBodies refuses the bodies HeaderReceived marked and after next
// returns settles what it left unread.
func limitBodies(next fasthttp.RequestHandler, refuse func(*fasthttp.RequestCtx, error)) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if len(ctx.Request.Header.Peek(tooLargeHeader)) > 0 {
			ctx.SetConnectionClose() // the body is still on its way
			refuse(ctx, fasthttp.ErrBodyTooLarge)
			return
		}
		next(ctx)
		settle(ctx)
	}
}

// Body says how a route takes its request body.
type Body int

const (
	// NoBody routes read none: a body sent to one is left where it is
	// (see StreamBodies for what happens to it).
	NoBody Body = iota
	// SmallBody routes read their body whole (ctx.PostBody, form values):
	// one announced or found past SmallBodyLimit is refused with 413.
	SmallBody
	// StreamBody routes read their body as it arrives (BodyReader), up to
	// the server's limit, and decide themselves when to start.
	StreamBody
)

// SmallBodyLimit bounds what a SmallBody route holds in memory: a JSON
// document or a form, which are kilobytes. Bodies larger than this are
// files, which StreamBody routes take.
const SmallBodyLimit = 1 << 20

// drainLimit is the most of an unread body settle reads to keep the
// connection; the rest is not worth reading.
const drainLimit = 16 << 10

// TakeBody wraps a route's handler with what its body needs. For SmallBody
// a chunked body is read into memory before next runs, so ctx.PostBody
// stays bounded by small (SmallBodyLimit, or the server's limit if lower);
// refuse answers a body past it, with a *TooLargeError (which wraps
// fasthttp.ErrBodyTooLarge), and a broken one.
func TakeBody(kind Body, small int, refuse func(*fasthttp.RequestCtx, error), next fasthttp.RequestHandler) fasthttp.RequestHandler {
	if kind != SmallBody {
		return next
	}
	return func(ctx *fasthttp.RequestCtx) {
		n := ctx.Request.Header.ContentLength()
		var err error
		switch {
		case n > small:
			err = &TooLargeError{Limit: small}
		case n == -1:
			err = readChunked(ctx, small)
		}
		if err != nil {
			ctx.SetConnectionClose() // the rest of the body is still on its way
			refuse(ctx, err)
			return
		}
		next(ctx)
	}
}

// TooLargeError is a body past a route's limit, which may be lower than
// the server's.
type TooLargeError struct{ Limit int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("httpx: request body larger than %d bytes", e.Limit)
}

func (e *TooLargeError) Unwrap() error { return fasthttp.ErrBodyTooLarge }

// readChunked reads a chunked body whole, if it is within limit.
func readChunked(ctx *fasthttp.RequestCtx, limit int) error {
	r := ctx.RequestBodyStream()
	if r == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return fmt.Errorf("httpx: read chunked body: %w", err)
	}
	if len(b) > limit {
		return &TooLargeError{Limit: limit}
	}
	ctx.Request.SetBody(b)
	return nil
}

// settle reads and throws away what the handler left of the body, if that
// is little, and otherwise closes the connection after the answer.
func settle(ctx *fasthttp.RequestCtx) {
	r := ctx.RequestBodyStream()
	if r == nil || ctx.Request.Header.ContentLength() == 0 || ctx.Response.ConnectionClose() {
		return // read whole (ctx.PostBody), none sent, or closing anyway
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, drainLimit+1))
	if err != nil || n > drainLimit {
		ctx.SetConnectionClose()
	}
}

// plainRefusal answers as fasthttp does when the server has no ErrorHandler.
func plainRefusal(ctx *fasthttp.RequestCtx, err error) {
	status := fasthttp.StatusBadRequest
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		status = fasthttp.StatusRequestEntityTooLarge
	}
	ctx.Error(fasthttp.StatusMessage(status), status)
}
