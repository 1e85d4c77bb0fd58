package ivr

import (
	"errors"
	"fmt"

	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/valyala/fasthttp"
)

// File serves POST /cppdb/api/file?cid=&dbid=&Hash=&mode=upsert|replace: a
// merchant's CSV debtor file (no header, columns in the database's order),
// signed over the exact body like the JSON upload and answered like it,
// with each refused line's number and, in replace mode, the rows deleted.
// The body is streamed to disk, not held in memory (ImportSigned).
func (h *Handlers) File(ctx *fasthttp.RequestCtx) {
	u, ok := signedRequest(ctx)
	if !ok {
		h.uploadError(ctx, ErrInvalidClient)
		return
	}
	mode, ok := ParseImportMode(string(ctx.QueryArgs().Peek("mode")))
	if !ok {
		httpx.WriteJSON(ctx, 400, map[string]string{"error": "mode must be upsert or replace"})
		return
	}
	res, err := h.svc.ImportSigned(u, mode, httpx.BodyReader(ctx))
	switch {
	case errors.Is(err, httpx.ErrTooLarge):
		ctx.SetConnectionClose() // the rest of the body is still on its way
		httpx.WriteJSON(ctx, 413, map[string]string{"error": fmt.Sprintf("file larger than %d MiB; split it and send each part", h.svc.maxUpload()>>20)})
		return
	case errors.Is(err, httpx.ErrSpoolBusy):
		ctx.SetConnectionClose() // the rest of the body is still on its way
		ctx.Response.Header.Set("Retry-After", "10")
		httpx.WriteJSON(ctx, 503, map[string]string{"error": "too many files are being checked at once; send it again shortly"})
		return
	case errors.Is(err, diskfree.ErrLow):
		ctx.SetConnectionClose() // the rest of the body is still on its way
		h.uploadError(ctx, err)
		return
	case errors.Is(err, httpx.ErrBodyRead):
		ctx.SetConnectionClose() // where the next request would start is unknown
		httpx.WriteJSON(ctx, 400, map[string]string{"error": "the file did not arrive whole; nothing was imported, send it again"})
		return
	case err != nil:
		h.uploadError(ctx, err)
		return
	}
	h.metrics.Rows("inserted", res.Inserted)
	h.metrics.Rows("updated", res.Updated)
	h.metrics.Rows("deleted", res.Deleted)
	h.metrics.Rows("invalid", len(res.Invalid))
	if res.Invalid == nil {
		res.Invalid = []LineError{} // answer [] like the JSON upload, not null
	}
	httpx.WriteJSON(ctx, 200, res)
}
