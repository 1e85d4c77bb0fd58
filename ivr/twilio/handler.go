package twilio

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// Platform is the name lookups through Twilio are counted under.
const Platform = "twilio"

// Tokens gives a client's Twilio auth token.
type Tokens interface {
	TwilioToken(cid int64) (string, error)
}

// Metrics counts the lookups calls make.
type Metrics interface {
	PlatformLookup(platform, status string, d time.Duration)
}

// Handlers serve the Twilio voice webhook.
type Handlers struct {
	flow     *callflow.Flow
	tokens   Tokens
	payments Payments
	metrics  Metrics
	log      zerolog.Logger
	states   *sealer
	now      func() time.Time
	bufs     sync.Pool
}

// NewHandlers returns the webhook over flow. secret is the server's own
// (its secrets key); the call states' key is derived from it. With
// payments, a database whose Twilio settings name a pay connector lets a
// found caller pay in the call; without, its calls end after the lookup.
func NewHandlers(flow *callflow.Flow, tokens Tokens, payments Payments, m Metrics, log zerolog.Logger, secret []byte) (*Handlers, error) {
	s, err := newSealer(secret)
	if err != nil {
		return nil, err
	}
	return &Handlers{flow: flow, tokens: tokens, payments: payments, metrics: m, log: log, states: s, now: time.Now,
		bufs: sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}}, nil
}

// Voice serves POST /twilio/v1/{cid}/{dbid}/voice. A request without
// Twilio's valid signature under the client's auth token answers 403 and
// runs nothing.
func (h *Handlers) Voice(ctx *fasthttp.RequestCtx) {
	start := h.now()
	cid, dbid, ok := ivr.PathIDs(ctx)
	if !ok {
		h.refuse(ctx, fasthttp.StatusNotFound, "no such database")
		return
	}
	// Unknown, suspended and token-less clients answer as a bad signature
	// does: nothing says which clients exist.
	token, err := h.tokens.TwilioToken(cid)
	if err != nil || !Valid(token, requestURL(ctx), postParams(ctx), string(ctx.Request.Header.Peek("X-Twilio-Signature"))) {
		h.refuse(ctx, fasthttp.StatusForbidden, "X-Twilio-Signature does not match this request")
		return
	}
	form := ctx.PostArgs()
	callSid := string(form.Peek("CallSid"))
	var turn callflow.Turn
	st, err := h.states.open(cid, dbid, callSid, string(ctx.QueryArgs().Peek("s")), start)
	lookedUp := false
	switch {
	case form.Has("Result") && err == nil && st.Stage == callflow.StageSaving:
		turn, err = h.saved(ctx, cid, dbid)
	case form.Has("Result") && (st.Stage == callflow.StagePaying || err != nil):
		// <Pay>'s action: the payment's outcome, even when the state did
		// not open, since a card may have been charged.
		turn, err = h.paid(ctx, cid, dbid, st)
		if tw := turn.Script.Twilio; err == nil && tw != nil && tw.CardConnector != "" && string(form.Peek("Result")) == payResultSuccess {
			turn = h.flow.OfferCard(turn)
		}
	case !ctx.QueryArgs().Has("s") || err != nil:
		// A new call, or one whose caller waited past the state's life:
		// the flow starts from the first ref.
		turn, err = h.flow.Start(cid, dbid)
	default:
		digits, present := form.Peek("Digits"), form.Has("Digits")
		lookedUp = st.Stage == callflow.StageRefs
		turn, err = h.flow.Step(cid, dbid, st, callflow.Input{Digits: string(digits), Present: present && len(digits) > 0,
			Caller: string(form.Peek("From"))})
	}
	if err != nil {
		h.failed(ctx, err)
		return
	}
	redirect := ""
	if lookedUp && turn.Kind == callflow.End {
		h.metrics.PlatformLookup(Platform, turn.Status, h.now().Sub(start))
		if tw := turn.Script.Twilio; h.payments != nil && tw != nil && tw.PayConnector != "" {
			turn = h.flow.Offer(turn)
		}
		if tw := turn.Script.Twilio; turn.Kind == callflow.End && tw != nil && tw.CardConnector != "" {
			turn = h.flow.OfferCard(turn)
		}
		if turn.Kind == callflow.End {
			redirect = redirectURL(&turn, token, callSid, start)
		}
	}
	buf := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(buf)
	switch turn.Kind {
	case callflow.Ask, callflow.Choose, callflow.AskAmount, callflow.Pay, callflow.SaveCard:
		sealed, err := h.states.seal(cid, dbid, callSid, turn.State, start)
		if err != nil {
			h.failed(ctx, err)
			return
		}
		action := string(ctx.Path()) + "?s=" + sealed
		if turn.Kind == callflow.Pay || turn.Kind == callflow.SaveCard {
			*buf = appendPay((*buf)[:0], &turn, dbid, action)
		} else {
			*buf = appendAsk((*buf)[:0], &turn, action)
		}
	default:
		*buf = appendEnd((*buf)[:0], &turn, redirect)
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("text/xml; charset=utf-8")
	ctx.SetBody(*buf)
}

// requestURL is the URL Twilio requested, as it signed it: the scheme the
// client used (a TLS-terminating proxy says it in X-Forwarded-Proto), the
// Host, and the request URI exactly as sent.
func requestURL(ctx *fasthttp.RequestCtx) string {
	scheme := "http"
	if ctx.IsTLS() {
		scheme = "https"
	}
	if p, _, _ := strings.Cut(string(ctx.Request.Header.Peek("X-Forwarded-Proto")), ","); p != "" {
		if p = strings.ToLower(strings.TrimSpace(p)); p == "https" || p == "http" {
			scheme = p
		}
	}
	return scheme + "://" + string(ctx.Host()) + string(ctx.Request.Header.RequestURI())
}

// postParams are the form parameters of the request, as Twilio signed
// them; none for a request of another content type.
func postParams(ctx *fasthttp.RequestCtx) []Param {
	var out []Param
	for k, v := range ctx.PostArgs().All() {
		out = append(out, Param{Key: string(k), Value: string(v)})
	}
	return out
}

// redirectURL is where the call goes at its end: the database's
// redirect_url with the outcome added and signed, or "" to hang up.
// tonebase_signature is hex HMAC-SHA256, keyed with the client's auth
// token, over the tonebase_ parameters and the CallSid, sorted by name and
// query-encoded: the merchant checks it as well as Twilio's own signature
// of the redirected request.
func redirectURL(t *callflow.Turn, token, callSid string, now time.Time) string {
	if t.Script.Twilio == nil || t.Script.Twilio.RedirectURL == "" {
		return ""
	}
	u, err := url.Parse(t.Script.Twilio.RedirectURL)
	if err != nil {
		return "" // checked when the database was defined
	}
	out := outcomeParams(t)
	out.Set("tonebase_at", strconv.FormatInt(now.Unix(), 10))
	out.Set("tonebase_signature", OutcomeSignature(token, callSid, out))
	q := u.Query()
	for k, vs := range out {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// OutcomeSignature is the tonebase_signature of a redirect's outcome
// parameters for a call.
func OutcomeSignature(token, callSid string, params url.Values) string {
	signed := url.Values{"CallSid": {callSid}}
	for k, vs := range params {
		if strings.HasPrefix(k, "tonebase_") && k != "tonebase_signature" {
			signed[k] = vs
		}
	}
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(signed.Encode())) // Encode sorts by key
	return hex.EncodeToString(m.Sum(nil))
}

// refuse answers a request the webhook will not run.
func (h *Handlers) refuse(ctx *fasthttp.RequestCtx, status int, msg string) {
	httpx.WriteJSON(ctx, status, map[string]string{"error": msg})
}

// failed ends the call with an apology when the flow cannot run: a caller
// hears words rather than Twilio's application error. A database that does
// not exist is 404, for the merchant's Twilio debugger to show.
func (h *Handlers) failed(ctx *fasthttp.RequestCtx, err error) {
	status := fasthttp.StatusOK
	if errors.Is(err, ivr.ErrNoDatabase) {
		status = fasthttp.StatusNotFound
	} else {
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("twilio call failed")
	}
	h.metrics.PlatformLookup(Platform, "error", 0)
	turn := callflow.Failed(money.EnGB)
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/xml; charset=utf-8")
	ctx.SetBody(appendEnd(nil, &turn, ""))
}
