package customer

import (
	"errors"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Authenticator checks a client's API key and secret (HTTP Basic) and
// returns its cid.
type Authenticator = httpx.Authenticator

// Handlers are the /apis/api endpoints and the vault key admin endpoints.
type Handlers struct {
	svc   *Service
	auth  Authenticator
	basic *httpx.BasicAuth
	log   zerolog.Logger
}

// NewHandlers returns the HTTP face of svc.
func NewHandlers(svc *Service, auth Authenticator, log zerolog.Logger) *Handlers {
	return &Handlers{svc: svc, auth: auth, basic: httpx.NewBasicAuth(), log: log}
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
			h.fail(ctx, err)
			return
		}
		fn(ctx, cid)
	}
}

// fail maps an error to its status and envelope: the one place this API
// decides what an error kind means on the wire.
func (h *Handlers) fail(ctx *fasthttp.RequestCtx, err error) {
	var ie *InputError
	status := fasthttp.StatusInternalServerError
	text := "internal error; the request id is in the X-Request-Id header"
	switch {
	case errors.Is(err, ErrUnauthorized), errors.Is(err, httpx.ErrUnauthorized):
		status, text = fasthttp.StatusUnauthorized, "authenticate with HTTP Basic: your API key as user name, your API secret as password"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase customers"`)
	case errors.As(err, &ie):
		writeJSON(ctx, fasthttp.StatusBadRequest, Envelope{StatusCode: fasthttp.StatusBadRequest, StatusText: ie.Error(), Errors: ie.Problems})
		return
	case errors.Is(err, ErrNotFound):
		status, text = fasthttp.StatusNotFound, message(err)
	case errors.Is(err, ErrIdempotency), errors.Is(err, ErrConflict), errors.Is(err, columndb.ErrDuplicate):
		status, text = fasthttp.StatusConflict, message(err)
	case errors.Is(err, ErrNoVault):
		status, text = fasthttp.StatusServiceUnavailable, message(err)
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

// reply answers a write.
func (h *Handlers) reply(ctx *fasthttp.RequestCtx, r Reply, err error) {
	if err != nil {
		h.fail(ctx, err)
		return
	}
	if r.Replayed {
		ctx.Response.Header.Set("Idempotent-Replayed", "true")
	}
	writeJSON(ctx, fasthttp.StatusOK, Envelope{StatusCode: fasthttp.StatusOK, StatusText: r.Text})
}

// answer answers a read.
func (h *Handlers) answer(ctx *fasthttp.RequestCtx, v any, err error) {
	if err != nil {
		h.fail(ctx, err)
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, v)
}

func list[T any](h *Handlers, ctx *fasthttp.RequestCtx, l List[T], err error) {
	if err != nil {
		h.fail(ctx, err)
		return
	}
	ctx.Response.Header.Set("X-Total-Count", strconv.Itoa(l.Total))
	if l.Items == nil {
		l.Items = []T{}
	}
	writeJSON(ctx, fasthttp.StatusOK, l.Items)
}

// body parses the request body and the Idempotency-Key that guards it.
func body(ctx *fasthttp.RequestCtx) (Input, Idem, error) {
	b := ctx.PostBody()
	idem := NewIdem(strings.TrimSpace(string(ctx.Request.Header.Peek("Idempotency-Key"))),
		string(ctx.Method()), string(ctx.Path())+"?"+string(ctx.QueryArgs().QueryString()), b)
	in, err := ParseInput(b)
	return in, idem, err
}

// idemOnly is the Idempotency-Key of a write without a body.
func idemOnly(ctx *fasthttp.RequestCtx) Idem {
	return NewIdem(strings.TrimSpace(string(ctx.Request.Header.Peek("Idempotency-Key"))),
		string(ctx.Method()), string(ctx.Path())+"?"+string(ctx.QueryArgs().QueryString()), nil)
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
