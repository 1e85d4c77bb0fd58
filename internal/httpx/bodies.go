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
// memory, up to s.MaxRequestBodySize. Turning fasthttp's StreamRequestBody
// on alone would lose three things fasthttp v1.74.0 does without it, which
// StreamBodies puts back for every handler:
//
//   - A body announced larger than the limit is refused with 413, through
//     s.ErrorHandler, on its length alone. Streaming fasthttp neither
//     refuses it nor calls the handler before it has read the first 8 KiB.
//   - A chunked body, whose length is known only at its end, is read up to
//     the limit before the handler runs, so ctx.PostBody stays bounded:
//     streaming, it would read any length into memory.
//   - What a handler leaves of a body is read to its end and thrown away,
//     so the sender gets the answer (an upload refused for its client id,
//     say) rather than a reset connection, and no byte of the body is ever
//     parsed as the next request on the connection: streaming fasthttp
//     would (fasthttp issue 2368, a request smuggling hole). Non-streaming
//     fasthttp read every body, within the limit, before any handler; a
//     handler that sets Connection: close skips this.
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
	s.Handler = limitBodies(s.Handler, limit, refuse)
}

// limitBodies refuses the bodies HeaderReceived marked, reads chunked ones
// up to limit, and after next returns settles what it left unread.
func limitBodies(next fasthttp.RequestHandler, limit int, refuse func(*fasthttp.RequestCtx, error)) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		h := &ctx.Request.Header
		if len(h.Peek(tooLargeHeader)) > 0 {
			ctx.SetConnectionClose() // the body is still on its way
			refuse(ctx, fasthttp.ErrBodyTooLarge)
			return
		}
		if h.ContentLength() == -1 {
			if err := readChunked(ctx, limit); err != nil {
				ctx.SetConnectionClose()
				refuse(ctx, err)
				return
			}
		}
		next(ctx)
		settle(ctx, limit)
	}
}

// readChunked reads a chunked body whole, if it is within limit.
func readChunked(ctx *fasthttp.RequestCtx, limit int) error {
	r := ctx.RequestBodyStream()
	if r == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return fmt.Errorf("observe: read chunked body: %w", err)
	}
	if len(b) > limit {
		return fmt.Errorf("observe: chunked body: %w", fasthttp.ErrBodyTooLarge)
	}
	ctx.Request.SetBody(b)
	return nil
}

// settle reads and throws away what the handler left of the body. It is
// within limit, by HeaderReceived or readChunked; a rest that cannot be
// read closes the connection instead.
func settle(ctx *fasthttp.RequestCtx, limit int) {
	r := ctx.RequestBodyStream()
	if r == nil || ctx.Request.Header.ContentLength() == 0 || ctx.Response.ConnectionClose() {
		return // read whole (ctx.PostBody), none sent, or closing anyway
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, int64(limit)+1))
	if err != nil || n > int64(limit) {
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
