package ivr

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Metrics is what the handlers report.
type Metrics interface {
	Lookup(status string, d time.Duration)
	Rows(op string, n int)
}

// Handlers are the /ivr and /cppdb endpoints.
type Handlers struct {
	svc     *Service
	log     zerolog.Logger
	metrics Metrics
	bufs    sync.Pool // *[]byte, for rendering lookup answers
	basic   *httpx.BasicAuth
}

// NewHandlers returns the HTTP face of svc.
func NewHandlers(svc *Service, log zerolog.Logger, m Metrics) *Handlers {
	return &Handlers{svc: svc, log: log, metrics: m, basic: httpx.NewBasicAuth(),
		bufs: sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}}
}

// Lookup serves GET /ivr/v1/{cid}/{dbid}/lookup.
func (h *Handlers) Lookup(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	h.svc.cfg.Pacer.Lookup(start)
	args := ctx.QueryArgs()
	kv := string(args.Peek("format")) == "kv"
	cid, dbid, ok := ids(ctx)
	if !ok {
		h.lookupError(ctx, kv, ErrNoDatabase)
		return
	}
	authCID, err := h.basic.Authenticate(ctx, h.svc.clients)
	if err != nil {
		h.lookupError(ctx, kv, httpx.ErrUnauthorized)
		return
	}
	if authCID != cid {
		// Another client's database answers as if it did not exist.
		h.lookupError(ctx, kv, ErrNoDatabase)
		return
	}
	buf := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(buf)
	rep, body, err := h.svc.AppendLookup((*buf)[:0], cid, dbid, Query{
		Param:  func(name string) (string, bool) { return httpx.QueryParam(args, name) },
		Caller: string(args.Peek("caller")),
	}, kv)
	*buf = body
	if err != nil {
		h.lookupError(ctx, kv, err)
		return
	}
	h.metrics.Lookup(rep.Status, time.Since(start))
	ctx.SetStatusCode(rep.HTTPStatus())
	if rep.RetryAfter > 0 {
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(retrySeconds(rep.RetryAfter)))
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	if kv {
		ctx.SetContentType("text/plain; charset=utf-8")
	} else {
		ctx.SetContentType("application/json")
	}
	ctx.SetBody(body) // copies: the buffer goes back to the pool
}

func ids(ctx *fasthttp.RequestCtx) (int64, int64, bool) {
	cid, err1 := strconv.ParseInt(userValue(ctx, "cid"), 10, 64)
	dbid, err2 := strconv.ParseInt(userValue(ctx, "dbid"), 10, 64)
	return cid, dbid, err1 == nil && err2 == nil && cid > 0 && dbid > 0
}

func userValue(ctx *fasthttp.RequestCtx, name string) string {
	s, _ := ctx.UserValue(name).(string)
	return s
}

// lookupError maps a lookup failure to its status: the one place this API
// decides what an error kind means on the wire.
func (h *Handlers) lookupError(ctx *fasthttp.RequestCtx, kv bool, err error) {
	status, msg := 500, "internal error"
	switch {
	case errors.Is(err, httpx.ErrUnauthorized):
		status, msg = 401, "unauthorized"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase"`)
	case errors.Is(err, ErrNoDatabase):
		status, msg = 404, "no such database"
	case errors.Is(err, ErrInvalid):
		status, msg = 400, err.Error()
	default:
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("lookup failed")
	}
	h.metrics.Lookup("error", 0)
	if kv {
		ctx.SetStatusCode(status)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("status=error&error=" + strings.ReplaceAll(msg, " ", "+"))
		return
	}
	httpx.WriteJSON(ctx, status, map[string]string{"status": "error", "error": msg})
}

// Upload serves POST /cppdb/api/database.
func (h *Handlers) Upload(ctx *fasthttp.RequestCtx) {
	u, ok := signedFrom(ctx)
	if !ok {
		h.uploadError(ctx, ErrInvalidClient)
		return
	}
	res, err := h.svc.Upload(u, ctx.PostBody())
	if err != nil {
		h.uploadError(ctx, err)
		return
	}
	h.metrics.Rows("inserted", res.Inserted)
	h.metrics.Rows("updated", res.Updated)
	h.metrics.Rows("invalid", len(res.Invalid))
	httpx.WriteJSON(ctx, 200, res)
}

// Delete serves DELETE /cppdb/api/database.
func (h *Handlers) Delete(ctx *fasthttp.RequestCtx) {
	u, ok := signedFrom(ctx)
	if !ok {
		h.uploadError(ctx, ErrInvalidClient)
		return
	}
	res, err := h.svc.DeleteUpload(u, ctx.PostBody())
	if err != nil {
		h.uploadError(ctx, err)
		return
	}
	h.metrics.Rows("deleted", res.Deleted)
	httpx.WriteJSON(ctx, 200, res)
}

// signedFrom reads cid, dbid and Hash in any letter case, as merchants'
// integrations spell them differently.
func signedFrom(ctx *fasthttp.RequestCtx) (Signed, bool) {
	var u Signed
	var okCID, okDB bool
	ctx.QueryArgs().VisitAll(func(k, v []byte) {
		switch strings.ToLower(string(k)) {
		case "cid":
			n, err := strconv.ParseInt(string(v), 10, 64)
			u.CID, okCID = n, err == nil && n > 0
		case "dbid":
			n, err := strconv.ParseInt(string(v), 10, 64)
			u.DBID, okDB = n, err == nil && n > 0
		case "hash":
			u.Hash = string(v)
		}
	})
	if !okDB {
		u.DBID = -1 // reported as Invalid database ID once the client checks out
	}
	return u, okCID
}

// uploadError maps upload failures to the ActivePay statuses and wording.
func (h *Handlers) uploadError(ctx *fasthttp.RequestCtx, err error) {
	var syn *SyntaxError
	status := 500
	msg := "internal error"
	switch {
	case errors.Is(err, ErrInvalidClient):
		status, msg = 404, ErrInvalidClient.Error()
	case errors.Is(err, ErrInvalidDatabase):
		status, msg = 404, ErrInvalidDatabase.Error()
	case errors.Is(err, ErrInvalidHash):
		status, msg = 403, ErrInvalidHash.Error()
	case errors.As(err, &syn):
		status, msg = 400, syn.Error()
	case errors.Is(err, columndb.ErrStale):
		status, msg = 409, "the database definition changed during the upload; send it again"
	case errors.Is(err, ErrNoDatabase):
		status, msg = 404, ErrInvalidDatabase.Error()
	default:
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("upload failed")
	}
	httpx.WriteJSON(ctx, status, map[string]string{"error": msg})
}
