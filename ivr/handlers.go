package ivr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/diskfree"
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
	formats []NamedFormat // by format=; the first answers a lookup without one
	// unknownFormat is the 400 a lookup asking for another format gets.
	unknownFormat string
}

// NewHandlers returns the HTTP face of svc. Lookups answer in JSON (the
// default, or format=json), key=value (format=kv), and in the formats
// given, each by its name; a name already taken keeps its first format,
// and one without a name or a format is left out.
func NewHandlers(svc *Service, log zerolog.Logger, m Metrics, formats ...NamedFormat) *Handlers {
	h := &Handlers{svc: svc, log: log, metrics: m, basic: httpx.NewBasicAuth(),
		bufs: sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}}
	var names []string
	for _, f := range append(builtinFormats(), formats...) {
		if f.Name == "" || f.Format == nil || slices.Contains(names, f.Name) {
			continue
		}
		h.formats = append(h.formats, f)
		names = append(names, f.Name)
	}
	h.unknownFormat = "unknown format; the formats are " + strings.Join(names, ", ")
	return h
}

// errUnknownFormat is a lookup asking for a format no one wrote.
var errUnknownFormat = errors.New("ivr: unknown format")

// format returns the format a lookup asks for: the default when format= is
// absent or empty, false for a name no format has.
func (h *Handlers) format(name []byte) (Format, bool) {
	if len(name) == 0 {
		return h.formats[0].Format, true
	}
	for _, f := range h.formats {
		if string(name) == f.Name {
			return f.Format, true
		}
	}
	return h.formats[0].Format, false
}

// Lookup serves GET /ivr/v1/{cid}/{dbid}/lookup.
func (h *Handlers) Lookup(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	h.svc.cfg.Pacer.Lookup(start)
	args := ctx.QueryArgs()
	f, ok := h.format(args.Peek("format"))
	if !ok {
		// The 400 is in the default format, JSON: a caller that asked for
		// a format no one writes reads that one or none.
		h.lookupError(ctx, f, errUnknownFormat)
		return
	}
	cid, dbid, ok := ids(ctx)
	if !ok {
		h.lookupError(ctx, f, ErrNoDatabase)
		return
	}
	authCID, err := h.basic.Authenticate(ctx, h.svc.clients)
	if err != nil {
		h.lookupError(ctx, f, httpx.ErrUnauthorized)
		return
	}
	if authCID != cid {
		// Another client's database answers as if it did not exist.
		h.lookupError(ctx, f, ErrNoDatabase)
		return
	}
	res, err := h.svc.Lookup(cid, dbid, Query{
		Param:  func(name string) (string, bool) { return httpx.QueryParam(args, name) },
		Caller: string(args.Peek("caller")),
	})
	if err != nil {
		h.lookupError(ctx, f, err)
		return
	}
	buf := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(buf)
	*buf = f.AppendResult((*buf)[:0], res)
	h.metrics.Lookup(res.Status, time.Since(start))
	ctx.SetStatusCode(HTTPStatus(res.Status))
	if res.RetryAfter > 0 {
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(res.RetrySeconds()))
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType(f.ContentType())
	ctx.SetBody(*buf) // copies: the buffer goes back to the pool
}

// HTTPStatus is the HTTP status a lookup's answer is sent with: the one
// place a lookup's status meets HTTP. Statuses an IVR branches on without
// reading the body get their own code; found and not_payable both carry a
// caller's record.
func HTTPStatus(status string) int {
	switch status {
	case StatusNotFound:
		return fasthttp.StatusNotFound
	case StatusAmbiguous:
		return fasthttp.StatusConflict
	case StatusInvalidInput:
		return fasthttp.StatusUnprocessableEntity
	case StatusLocked:
		return fasthttp.StatusTooManyRequests
	}
	return fasthttp.StatusOK
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
func (h *Handlers) lookupError(ctx *fasthttp.RequestCtx, f Format, err error) {
	status, msg := fasthttp.StatusInternalServerError, "internal error"
	switch {
	case errors.Is(err, errUnknownFormat):
		status, msg = fasthttp.StatusBadRequest, h.unknownFormat
	case errors.Is(err, httpx.ErrUnauthorized):
		status, msg = fasthttp.StatusUnauthorized, "unauthorized"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase"`)
	case errors.Is(err, ErrNoDatabase):
		status, msg = fasthttp.StatusNotFound, "no such database"
	case errors.Is(err, ErrInvalid):
		status, msg = fasthttp.StatusBadRequest, err.Error()
	default:
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("lookup failed")
	}
	h.metrics.Lookup("error", 0)
	buf := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(buf)
	*buf = f.AppendError((*buf)[:0], msg)
	ctx.SetStatusCode(status)
	ctx.SetContentType(f.ContentType())
	ctx.SetBody(*buf)
}

// Upload serves POST /cppdb/api/database. Nothing of the body is read
// before the client, the database and the form of the hash check out.
func (h *Handlers) Upload(ctx *fasthttp.RequestCtx) {
	u, ok := signedRequest(ctx)
	if !ok {
		h.uploadError(ctx, ErrInvalidClient)
		return
	}
	res, err := h.svc.UploadFrom(u, httpx.BodyReader(ctx), int64(ctx.Request.Header.ContentLength()))
	if err != nil {
		h.uploadError(ctx, err)
		return
	}
	h.metrics.Rows("inserted", res.Inserted)
	h.metrics.Rows("updated", res.Updated)
	h.metrics.Rows("invalid", len(res.Invalid)+res.InvalidMore)
	httpx.WriteJSON(ctx, 200, res)
}

// Delete serves DELETE /cppdb/api/database, checked and read as Upload.
func (h *Handlers) Delete(ctx *fasthttp.RequestCtx) {
	u, ok := signedRequest(ctx)
	if !ok {
		h.uploadError(ctx, ErrInvalidClient)
		return
	}
	res, err := h.svc.DeleteFrom(u, httpx.BodyReader(ctx), int64(ctx.Request.Header.ContentLength()))
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
	for k, v := range ctx.QueryArgs().All() {
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
	}
	if !okDB {
		u.DBID = -1 // reported as Invalid database ID once the client checks out
	}
	return u, okCID
}

// uploadError maps upload failures to the ActivePay statuses and wording.
func (h *Handlers) uploadError(ctx *fasthttp.RequestCtx, err error) {
	if signatureError(ctx, err) {
		return
	}
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
	case errors.Is(err, httpx.ErrTooLarge):
		ctx.SetConnectionClose() // the rest of the body is still on its way
		status, msg = 413, fmt.Sprintf("request body larger than %d MiB; send it in batches", h.svc.maxUpload()>>20)
	case errors.Is(err, httpx.ErrBodyRead):
		ctx.SetConnectionClose() // where the next request would start is unknown
		status, msg = 400, "the body did not arrive whole; nothing was written, send it again"
	case errors.Is(err, columndb.ErrStale):
		status, msg = 409, "the database definition changed during the upload; send it again"
	case errors.Is(err, ErrNoDatabase):
		status, msg = 404, ErrInvalidDatabase.Error()
	case errors.Is(err, httpx.ErrSpoolBusy):
		ctx.SetConnectionClose() // the rest of the body is still on its way
		ctx.Response.Header.Set("Retry-After", "10")
		status, msg = 503, "too many uploads are being checked at once; send it again shortly"
	case errors.Is(err, diskfree.ErrLow):
		status, msg = 507, httpx.DiskFull
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("upload refused")
	case errors.Is(err, columndb.ErrUnavailable):
		ctx.Response.Header.Set("Retry-After", "10")
		status, msg = 503, httpx.NoQuorum
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("upload refused")
	case errors.Is(err, columndb.ErrConflict):
		status, msg = 409, httpx.Conflict
	default:
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("upload failed")
	}
	httpx.WriteJSON(ctx, status, map[string]string{"error": msg})
}
