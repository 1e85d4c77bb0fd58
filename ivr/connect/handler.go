package connect

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// Platform is the name lookups through Amazon Connect are counted under.
const Platform = "connect"

// Metrics counts the lookups calls make.
type Metrics interface {
	PlatformLookup(platform, status string, d time.Duration)
}

// Event is the part of Connect's Lambda invocation event tonebase reads.
type Event struct {
	Details struct {
		ContactData struct {
			CustomerEndpoint *struct {
				Address string `json:"Address"`
			} `json:"CustomerEndpoint"`
		} `json:"ContactData"`
		Parameters map[string]string `json:"Parameters"`
	} `json:"Details"`
}

// param finds a ref by name: exactly, then ignoring case (column ids are
// colA or COLA alike).
func (e *Event) param(name string) (string, bool) {
	if v, ok := e.Details.Parameters[name]; ok {
		return v, true
	}
	for k, v := range e.Details.Parameters {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Handlers serve the Connect endpoint.
type Handlers struct {
	flow    *callflow.Flow
	clients httpx.Authenticator
	basic   *httpx.BasicAuth
	metrics Metrics
	log     zerolog.Logger
}

// NewHandlers returns the Connect face of the flow.
func NewHandlers(flow *callflow.Flow, clients httpx.Authenticator, m Metrics, log zerolog.Logger) *Handlers {
	return &Handlers{flow: flow, clients: clients, basic: httpx.NewBasicAuth(), metrics: m, log: log}
}

// Lookup serves POST /connect/v1/{cid}/{dbid}/lookup.
func (h *Handlers) Lookup(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	cid, dbid, err := ivr.Authorize(ctx, h.basic, h.clients)
	if err != nil {
		h.fail(ctx, err)
		return
	}
	var ev Event
	if err := json.Unmarshal(ctx.PostBody(), &ev); err != nil {
		h.fail(ctx, errBadEvent)
		return
	}
	caller := ""
	if ep := ev.Details.ContactData.CustomerEndpoint; ep != nil {
		caller = ep.Address
	}
	turn, err := h.flow.Complete(cid, dbid, func(field string) (string, bool) {
		return ev.param(field)
	}, caller)
	if err != nil {
		h.fail(ctx, err)
		return
	}
	h.metrics.PlatformLookup(Platform, turn.Status, time.Since(start))
	httpx.WriteJSON(ctx, fasthttp.StatusOK, Answer(&turn))
}

// errBadEvent is a body that is not a Connect event.
var errBadEvent = errors.New("connect: the body is not a Lambda invocation event")

// Answer is the flat map Connect reads a turn's outcome from: every value
// a string, as Connect requires. message is what the caller is told, in
// the database's language, for a Play prompt block to read.
func Answer(t *callflow.Turn) map[string]string {
	out := map[string]string{"status": t.Status}
	if t.Result.Reason != "" {
		out["reason"] = t.Result.Reason
	}
	if in := t.Input; in != nil {
		out["field"], out["reason"] = in.Field, in.Reason
		out["min"], out["max"] = strconv.Itoa(in.Min), strconv.Itoa(in.Max)
	}
	if t.Status == ivr.StatusLocked {
		out["retry_after"] = strconv.Itoa(t.Result.RetrySeconds())
	}
	rec := &t.Result.Record
	if a, ok := rec.Amounts(); ok && rec.Found() {
		out["currency"] = string(rec.Currency())
		for _, f := range []struct {
			name  string
			minor int64
		}{{"balance", a.Balance}, {"min_payment", a.MinPayment}, {"max_payment", a.MaxPayment}} {
			out[f.name] = money.FormatMinor(f.minor)
			out[f.name+"_minor"] = strconv.FormatInt(f.minor, 10)
			out[f.name+"_say"] = string(rec.AppendSay(nil, f.minor))
		}
	}
	say := t.Say
	switch {
	case t.Status == ivr.StatusInvalidInput && len(say) > 0:
		say = say[:1] // the reason; Connect's own flow asks again
	case len(say) > 0:
		say = say[:len(say)-1] // the goodbye is the flow's to say
	}
	out["message"] = strings.Join(say, " ")
	out["language"] = string(t.Language)
	return out
}

// fail answers what Connect's Lambda passes on as status=error: the one
// place this API decides what an error kind means.
func (h *Handlers) fail(ctx *fasthttp.RequestCtx, err error) {
	status, reason := fasthttp.StatusInternalServerError, "internal"
	switch {
	case errors.Is(err, httpx.ErrUnauthorized):
		status, reason = fasthttp.StatusUnauthorized, "refused"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase"`)
	case errors.Is(err, ivr.ErrNoDatabase):
		status, reason = fasthttp.StatusNotFound, "no_database"
	case errors.Is(err, errBadEvent), errors.Is(err, ivr.ErrInvalid):
		status, reason = fasthttp.StatusBadRequest, "bad_request"
	default:
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("connect lookup failed")
	}
	h.metrics.PlatformLookup(Platform, "error", 0)
	httpx.WriteJSON(ctx, status, map[string]string{"status": "error", "reason": reason})
}
