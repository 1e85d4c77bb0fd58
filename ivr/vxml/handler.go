package vxml

import (
	"errors"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// Platform is the name lookups through VoiceXML are counted under.
const Platform = "vxml"

// Metrics counts the lookups calls make.
type Metrics interface {
	PlatformLookup(platform, status string, d time.Duration)
}

// Scripts gives a database's call script.
type Scripts interface {
	CallScript(cid, dbid int64) (ivr.CallScript, error)
}

// Handlers serve the VoiceXML documents.
type Handlers struct {
	flow    *callflow.Flow
	scripts Scripts
	clients httpx.Authenticator
	basic   *httpx.BasicAuth
	metrics Metrics
	log     zerolog.Logger
}

// NewHandlers returns the VoiceXML face of the flow.
func NewHandlers(flow *callflow.Flow, scripts Scripts, clients httpx.Authenticator, m Metrics, log zerolog.Logger) *Handlers {
	return &Handlers{flow: flow, scripts: scripts, clients: clients, basic: httpx.NewBasicAuth(), metrics: m, log: log}
}

// Start serves GET /vxml/v1/{cid}/{dbid}/start.
func (h *Handlers) Start(ctx *fasthttp.RequestCtx) {
	cid, dbid, ok := h.authorize(ctx)
	if !ok {
		return
	}
	sc, err := h.scripts.CallScript(cid, dbid)
	if err != nil {
		h.fail(ctx, err)
		return
	}
	h.send(ctx, fasthttp.StatusOK, startDocument(sc, "/vxml/v1/"+strconv.FormatInt(cid, 10)+"/"+strconv.FormatInt(dbid, 10)+"/lookup"))
}

// Lookup serves POST /vxml/v1/{cid}/{dbid}/lookup, the start document's
// submit: ref1..ref3 and caller as form fields, never in the URL.
func (h *Handlers) Lookup(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	cid, dbid, ok := h.authorize(ctx)
	if !ok {
		return
	}
	form := ctx.PostArgs()
	turn, err := h.flow.Complete(cid, dbid, func(field string) (string, bool) {
		return httpx.QueryParam(form, field)
	}, string(form.Peek("caller")))
	if err != nil {
		h.fail(ctx, err)
		return
	}
	h.metrics.PlatformLookup(Platform, turn.Status, time.Since(start))
	h.send(ctx, fasthttp.StatusOK, outcomeDocument(&turn))
}

// authorize checks the client's Basic credentials against the database in
// the path, answering the failure itself.
func (h *Handlers) authorize(ctx *fasthttp.RequestCtx) (int64, int64, bool) {
	cid, dbid, err := ivr.Authorize(ctx, h.basic, h.clients)
	if err != nil {
		h.fail(ctx, err)
		return 0, 0, false
	}
	return cid, dbid, true
}

// fail maps a failure to its status, with a document that returns status
// error: the one place this API decides what an error kind means.
func (h *Handlers) fail(ctx *fasthttp.RequestCtx, err error) {
	status, reason := fasthttp.StatusInternalServerError, "internal"
	switch {
	case errors.Is(err, httpx.ErrUnauthorized):
		status, reason = fasthttp.StatusUnauthorized, "unauthorized"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase"`)
	case errors.Is(err, ivr.ErrNoDatabase):
		status, reason = fasthttp.StatusNotFound, "no_database"
	case errors.Is(err, ivr.ErrInvalid):
		status, reason = fasthttp.StatusBadRequest, "invalid_database"
	default:
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("vxml call failed")
	}
	h.metrics.PlatformLookup(Platform, "error", 0)
	h.send(ctx, status, errorDocument(reason))
}

func (h *Handlers) send(ctx *fasthttp.RequestCtx, status int, body string) {
	ctx.SetStatusCode(status)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("application/voicexml+xml; charset=utf-8")
	ctx.SetBodyString(body)
}
