package hipfinity

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Authenticator checks a client's API key and secret (HTTP Basic) and
// returns its cid.
type Authenticator = httpx.Authenticator

// Handlers are the /apis/api endpoints and the vault key admin endpoints.
type Handlers struct {
	svc   *customer.Service
	auth  Authenticator
	basic *httpx.BasicAuth
	log   zerolog.Logger
}

// NewHandlers returns the Hipfinity face of svc.
func NewHandlers(svc *customer.Service, auth Authenticator, log zerolog.Logger) *Handlers {
	return &Handlers{svc: svc, auth: auth, basic: httpx.NewBasicAuth(), log: log}
}

// Problem is one wrong field as the wire names it, and why.
type Problem struct {
	Field  string `json:"Field"`
	Reason string `json:"Reason"`
}

// Envelope is every write's answer and every error's.
type Envelope struct {
	StatusCode int       `json:"StatusCode"`
	StatusText string    `json:"StatusText"`
	Errors     []Problem `json:"Errors,omitempty"`
}

// tenantHandler is a handler that knows its authenticated client.
type tenantHandler func(ctx *fasthttp.RequestCtx, cid int64)

// authed authenticates the request with HTTP Basic before running fn.
func (h *Handlers) authed(fn tenantHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		cid, err := h.basic.Authenticate(ctx, h.auth)
		if err != nil {
			h.fail(ctx, dialect{}, err)
			return
		}
		fn(ctx, cid)
	}
}

// fail maps an error to its status and envelope: the one place this API
// decides what an error kind means on the wire. d names the problems of
// an input error.
func (h *Handlers) fail(ctx *fasthttp.RequestCtx, d dialect, err error) {
	var ie *customer.InputError
	var taken *customer.NumberTakenError
	status := fasthttp.StatusInternalServerError
	text := "internal error; the request id is in the X-Request-Id header"
	switch {
	case errors.Is(err, customer.ErrUnauthorized), errors.Is(err, httpx.ErrUnauthorized):
		status, text = fasthttp.StatusUnauthorized, "authenticate with HTTP Basic: your API key as user name, your API secret as password"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase customers"`)
	case errors.As(err, &ie):
		ps := d.translate(ie.Problems)
		writeJSON(ctx, fasthttp.StatusBadRequest, Envelope{StatusCode: fasthttp.StatusBadRequest, StatusText: statusText(ps), Errors: ps})
		return
	case errors.Is(err, customer.ErrNotFound):
		status, text = fasthttp.StatusNotFound, message(err)
	case errors.As(err, &taken):
		status, text = fasthttp.StatusConflict, fmt.Sprintf("conflict: %s %q is already used by customer %s", wCustomerNumber, taken.Number, taken.ID)
	case errors.Is(err, customer.ErrIdempotency):
		status, text = fasthttp.StatusConflict, wIdemHeader+" reused with a different request"
	case errors.Is(err, customer.ErrConflict), errors.Is(err, columndb.ErrDuplicate):
		status, text = fasthttp.StatusConflict, message(err)
	case errors.Is(err, customer.ErrNoVault):
		status, text = fasthttp.StatusServiceUnavailable, message(err)
	case errors.Is(err, diskfree.ErrLow):
		status, text = fasthttp.StatusInsufficientStorage, httpx.DiskFull
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("customer API write refused")
	case errors.Is(err, columndb.ErrUnavailable):
		status, text = fasthttp.StatusServiceUnavailable, httpx.NoQuorum
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("customer API write refused")
	default:
		// Errors here come from storage and the vault, never from request
		// values, so logging them cannot leak a card number.
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Str("path", string(ctx.Path())).Msg("customer API request failed")
	}
	writeJSON(ctx, status, Envelope{StatusCode: status, StatusText: text})
}

// message is an error's text without package prefixes, for StatusText.
func message(err error) string {
	msg := err.Error()
	for {
		rest, ok := strings.CutPrefix(msg, "customer: ")
		if !ok {
			return msg
		}
		msg = rest
	}
}

// writeJSON answers as the .NET original does: UTF-8 declared, and never
// cached, since answers carry customers' details.
func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	httpx.WriteJSON(ctx, status, v)
	ctx.SetContentType("application/json; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
}

// reply answers a write with text, the StatusText its operation answers.
func (h *Handlers) reply(ctx *fasthttp.RequestCtx, d dialect, r customer.Result, text string, err error) {
	if err != nil {
		h.fail(ctx, d, err)
		return
	}
	if r.Replayed {
		ctx.Response.Header.Set("Idempotent-Replayed", "true")
	}
	writeJSON(ctx, fasthttp.StatusOK, Envelope{StatusCode: fasthttp.StatusOK, StatusText: text})
}

// answer answers a read.
func (h *Handlers) answer(ctx *fasthttp.RequestCtx, d dialect, v any, err error) {
	if err != nil {
		h.fail(ctx, d, err)
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, v)
}

// list answers a page of a list: the page as a JSON array, the total in X-Total-Count.
func list[T, V any](h *Handlers, ctx *fasthttp.RequestCtx, cid int64, l customer.List[T], view func(int64, T) V, err error) {
	if err != nil {
		h.fail(ctx, dialect{}, err)
		return
	}
	ctx.Response.Header.Set("X-Total-Count", strconv.Itoa(l.Total))
	out := make([]V, len(l.Items))
	for i, it := range l.Items {
		out[i] = view(cid, it)
	}
	writeJSON(ctx, fasthttp.StatusOK, out)
}

// idem is the Idempotency-Key of a request and a hash of what it asked, so
// a reused key with another request is caught.
func idem(ctx *fasthttp.RequestCtx, body []byte) customer.Idem {
	key := strings.TrimSpace(string(ctx.Request.Header.Peek(wIdemHeader)))
	if key == "" {
		return customer.Idem{}
	}
	h := sha256.New()
	h.Write([]byte(string(ctx.Method()) + " " + string(ctx.Path()) + "?" + string(ctx.QueryArgs().QueryString()) + "\n"))
	h.Write(body)
	return customer.Idem{Key: key, Hash: hex.EncodeToString(h.Sum(nil))}
}

// body parses the request body and the Idempotency-Key that guards it.
func body(ctx *fasthttp.RequestCtx) (Input, customer.Idem, error) {
	b := ctx.PostBody()
	in, err := ParseInput(b)
	return in, idem(ctx, b), err
}

func pathID(ctx *fasthttp.RequestCtx) string {
	s, _ := ctx.UserValue("id").(string)
	return s
}

// param finds a query parameter by name in any case, as the .NET binder does.
func param(ctx *fasthttp.RequestCtx, name string) string {
	v, _ := httpx.QueryParam(ctx.QueryArgs(), name)
	return v
}
