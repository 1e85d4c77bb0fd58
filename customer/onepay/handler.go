package onepay

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Authenticator checks a client's API key and secret and returns its cid.
type Authenticator = httpx.Authenticator

// Service is the part of the customer domain this wire uses.
type Service interface {
	Save(cid int64, in customer.Save) (customer.Saved, error)
	DeleteByToken(cid int64, number, token string) (customer.Customer, customer.PaymentMethod, error)
	CustomerByNumber(cid int64, number string) (customer.Customer, error)
}

// Handlers serve the OnePay endpoint.
type Handlers struct {
	svc  Service
	auth Authenticator
	log  zerolog.Logger
	now  func() time.Time
}

// NewHandlers returns the OnePay face of svc; now is the clock of
// transaction_datetime (time.Now when nil).
func NewHandlers(svc Service, auth Authenticator, log zerolog.Logger, now func() time.Time) *Handlers {
	if now == nil {
		now = time.Now
	}
	return &Handlers{svc: svc, auth: auth, log: log, now: now}
}

// Customer serves POST /Customer.
func (h *Handlers) Customer(ctx *fasthttp.RequestCtx) {
	cid, ok := h.authenticate(ctx)
	if !ok {
		h.write(ctx, fasthttp.StatusUnauthorized, h.status(resultError, subUnauthenticated,
			"not authenticated: send the header "+Header+" with your API key and API secret joined by a colon"), CustomerEcho{})
		return
	}
	req, err := ParseRequest(ctx.PostBody())
	if err != nil {
		h.refuse(ctx, cid, op{}, err)
		return
	}
	o, ps := read(req, h.now())
	if len(ps) > 0 {
		h.refuse(ctx, cid, o, &customer.InputError{Problems: ps})
		return
	}
	if o.remove {
		c, m, err := h.svc.DeleteByToken(cid, o.number, o.token)
		if err != nil {
			h.refuse(ctx, cid, o, err)
			return
		}
		st := h.status(resultApproved, subOK, "SUCCESS: the "+kindWord(m.Kind)+" was deleted")
		st.withMethod(m)
		h.write(ctx, fasthttp.StatusOK, st, echo(c, o.action))
		return
	}
	saved, err := h.svc.Save(cid, o.save)
	if err != nil {
		h.refuse(ctx, cid, o, err)
		return
	}
	sub, text := subOK, "SUCCESS"
	kept, stored := saved.CustomerOutcome == customer.CustomerKept, saved.MethodOutcome == customer.MethodAlreadyStored
	switch {
	case kept && stored:
		sub, text = subKeptAndStored, "SUCCESS: the customer exists and was left as stored; the "+kindWord(o.kind)+" was stored already"
	case kept:
		sub, text = subCustomerKept, "SUCCESS: the customer exists and was left as stored"
	case stored:
		sub, text = subMethodStored, "SUCCESS: the "+kindWord(o.kind)+" was stored already; its token is answered"
	}
	st := h.status(resultApproved, sub, text)
	st.withMethod(saved.Method)
	h.write(ctx, fasthttp.StatusOK, st, echo(saved.Customer, o.action))
}

func kindWord(k customer.PaymentKind) string {
	if k == customer.KindBank {
		return "check"
	}
	return "card"
}

// authenticate reads the client's key, "<API key>:<API secret>", and asks
// the Authenticator whose it is. The header's bytes are not kept.
func (h *Handlers) authenticate(ctx *fasthttp.RequestCtx) (int64, bool) {
	key, secret, ok := bytes.Cut(bytes.TrimSpace(ctx.Request.Header.Peek(Header)), []byte(":"))
	if !ok || len(key) == 0 {
		return 0, false
	}
	cid, err := h.auth.Authenticate(key, secret)
	return cid, err == nil
}

func (h *Handlers) status(code int, sub, text string) Status {
	return Status{ResultCode: code, ResultText: text, ResultSubCode: sub,
		TransactionDateTime: h.now().UTC().Format(transactionTime)}
}

// refuse answers a request that was not done: the one place this wire
// decides what an error means. The stored customer, if any, is echoed.
func (h *Handlers) refuse(ctx *fasthttp.RequestCtx, cid int64, o op, err error) {
	var ie *customer.InputError
	var taken *customer.NumberTakenError
	var st Status
	switch {
	case errors.As(err, &ie) && len(ie.Problems) > 0:
		ps := translate(ie.Problems, o.kind)
		st = h.status(resultError, ps[0].SubCode, ps[0].Field+": "+ps[0].Reason)
		if len(ps) > 1 {
			st.ResultText += fmt.Sprintf(" (and %d more; see errors)", len(ps)-1)
		}
		st.Errors = ps
	case errors.As(err, &taken):
		st = h.status(resultError, subCustomerExists, in(wCustomer, wCustomerID)+": a customer with this id exists, and action_code 3 adds only new ones")
	case errors.Is(err, customer.ErrNoVault):
		st = h.status(resultError, subNoVault, message(err))
	case errors.Is(err, columndb.ErrUnavailable):
		st = h.status(resultError, subUnavailable, httpx.NoQuorum)
	case errors.Is(err, columndb.ErrConflict):
		st = h.status(resultError, subUnavailable, httpx.Contended)
	case errors.Is(err, diskfree.ErrLow):
		st = h.status(resultError, subDiskFull, httpx.DiskFull)
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("OnePay customer write refused")
	case errors.Is(err, customer.ErrConflict), errors.Is(err, columndb.ErrDuplicate):
		st = h.status(resultError, subConflict, message(err))
	default:
		// Errors here come from storage and the vault, never from request
		// values, so logging them cannot leak a card number.
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("OnePay customer request failed")
		st = h.status(resultError, subInternal, "internal error; the request id is in the X-Request-Id header")
	}
	var c customer.Customer
	if o.number != "" && !o.save.AutoNumber {
		var err error
		if c, err = h.svc.CustomerByNumber(cid, o.number); err != nil {
			// Nothing stored to show: the id sent, to match the answer by.
			c = customer.Customer{Number: o.number}
		}
	}
	h.write(ctx, fasthttp.StatusOK, st, echo(c, o.action))
}

// message is an error's text without package prefixes.
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

// write answers st and c, never cached: answers carry customers' details.
func (h *Handlers) write(ctx *fasthttp.RequestCtx, status int, st Status, c CustomerEcho) {
	httpx.WriteJSON(ctx, status, Response{Status: st, Customer: c})
	ctx.SetContentType("application/json; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
}
