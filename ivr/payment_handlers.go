package ivr

import (
	"errors"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
)

// PaymentHandlers are the /ivr/v1/{cid}/{dbid}/payments endpoints, with
// the lookup's HTTP Basic credentials.
type PaymentHandlers struct {
	p     *Payments
	log   zerolog.Logger
	basic *httpx.BasicAuth
}

// NewPaymentHandlers returns the HTTP face of p.
func NewPaymentHandlers(p *Payments, log zerolog.Logger) *PaymentHandlers {
	return &PaymentHandlers{p: p, log: log, basic: httpx.NewBasicAuth()}
}

// amountJSON is an amount as the lookup gives it.
type amountJSON struct {
	Minor  int64  `json:"minor"`
	Amount string `json:"amount"`
	Say    string `json:"say"`
}

func wireAmountOf(lang money.Language, cur money.Currency, minor int64) amountJSON {
	return amountJSON{Minor: minor, Amount: money.FormatMinor(minor), Say: money.SayIn(lang, cur, minor)}
}

type postedJSON struct {
	PaymentID  string     `json:"payment_id"`
	Status     string     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	Amount     amountJSON `json:"amount"`
	Balance    amountJSON `json:"balance"`
	MinPayment amountJSON `json:"min_payment"`
	MaxPayment amountJSON `json:"max_payment"`
}

// Post serves POST /ivr/v1/{cid}/{dbid}/payments.
func (h *PaymentHandlers) Post(ctx *fasthttp.RequestCtx) {
	cid, ok := h.client(ctx)
	if !ok {
		return
	}
	_, dbid, _ := ids(ctx)
	in, err := ParsePaymentBody(ctx.PostBody())
	if err != nil {
		h.fail(ctx, err)
		return
	}
	in.Platform = PlatformAPI
	res, err := h.p.Post(cid, dbid, in)
	if err != nil {
		h.fail(ctx, err)
		return
	}
	if res.Replayed {
		ctx.Response.Header.Set("X-Tonebase-Replayed", "true")
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	l, c := res.Language, res.Currency
	httpx.WriteJSON(ctx, fasthttp.StatusCreated, postedJSON{PaymentID: res.PaymentID, Status: res.Status, Reason: res.Reason,
		Amount: wireAmountOf(l, c, res.Amount), Balance: wireAmountOf(l, c, res.Balance),
		MinPayment: wireAmountOf(l, c, res.MinPay), MaxPayment: wireAmountOf(l, c, res.MaxPay)})
}

// LedgerEntryJSON is a ledger entry on the wire.
type LedgerEntryJSON struct {
	ID               string            `json:"id"`
	Time             time.Time         `json:"time"`
	Refs             map[string]string `json:"refs"`
	Amount           amountJSON        `json:"amount"`
	BalanceBefore    amountJSON        `json:"balance_before"`
	BalanceAfter     amountJSON        `json:"balance_after"`
	Reference        string            `json:"reference"`
	Method           string            `json:"method"`
	CardLast4        string            `json:"card_last4"`
	AccountLast4     string            `json:"account_last4,omitempty"`
	Caller           string            `json:"caller"`
	Platform         string            `json:"platform"`
	ReplacedByUpload bool              `json:"replaced_by_upload"`
}

type ledgerJSON struct {
	Payments []LedgerEntryJSON `json:"payments"`
	Next     string            `json:"next"`
}

// List serves GET /ivr/v1/{cid}/{dbid}/payments?after=&limit=.
func (h *PaymentHandlers) List(ctx *fasthttp.RequestCtx) {
	cid, ok := h.client(ctx)
	if !ok {
		return
	}
	_, dbid, _ := ids(ctx)
	args := ctx.QueryArgs()
	limit := 0
	if v := args.Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n <= 0 {
			h.fail(ctx, &BodyError{Field: "limit", Reason: "must be a positive whole number (at most " + strconv.Itoa(MaxLedgerLimit) + ")"})
			return
		}
		limit = n
	}
	page, err := h.p.Ledger(cid, dbid, string(args.Peek("after")), limit)
	if err != nil {
		h.fail(ctx, err)
		return
	}
	out := ledgerJSON{Payments: make([]LedgerEntryJSON, 0, len(page.Entries)), Next: page.Next}
	for _, e := range page.Entries {
		out.Payments = append(out.Payments, EntryJSON(e))
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, out)
}

// EntryJSON is e as the ledger API gives it.
func EntryJSON(e LedgerEntry) LedgerEntryJSON {
	l, c := e.Language, e.Currency
	return LedgerEntryJSON{ID: e.ID, Time: e.Time, Refs: e.Refs, Amount: wireAmountOf(l, c, e.Amount),
		BalanceBefore: wireAmountOf(l, c, e.BalanceBefore), BalanceAfter: wireAmountOf(l, c, e.BalanceAfter),
		Reference: e.Reference, Method: e.Method, CardLast4: e.CardLast4, AccountLast4: e.AccountLast4,
		Caller: e.Caller, Platform: e.Platform, ReplacedByUpload: e.ReplacedByUpload}
}

// client authenticates the request for the path's client, answering the
// request itself when it fails: another client's database answers as if
// it did not exist.
func (h *PaymentHandlers) client(ctx *fasthttp.RequestCtx) (int64, bool) {
	cid, _, ok := ids(ctx)
	if !ok {
		h.fail(ctx, ErrNoDatabase)
		return 0, false
	}
	authCID, err := h.basic.Authenticate(ctx, h.p.svc.clients)
	if err != nil {
		h.fail(ctx, httpx.ErrUnauthorized)
		return 0, false
	}
	if authCID != cid {
		h.fail(ctx, ErrNoDatabase)
		return 0, false
	}
	return cid, true
}

// fail maps a payment failure to its status: the one place the payments
// API decides what an error kind means on the wire.
func (h *PaymentHandlers) fail(ctx *fasthttp.RequestCtx, err error) {
	var pe *PaymentError
	var be *BodyError
	body := map[string]any{}
	status := fasthttp.StatusInternalServerError
	switch {
	case errors.As(err, &pe):
		status = paymentStatus(pe)
		body["error"] = paymentMessage(pe)
		switch pe.Code {
		case PayNotFound, PayAmbiguous:
			body["status"] = pe.Code
		case PayInvalidInput:
			body["status"], body["field"], body["reason"] = pe.Code, pe.Input.Field, pe.Input.Reason
			if pe.Input.Max > 0 {
				body["min"], body["max"] = pe.Input.Min, pe.Input.Max
			}
		case PayLocked:
			r := Result{RetryAfter: pe.RetryAfter}
			secs := r.RetrySeconds()
			body["status"], body["retry_after"] = pe.Code, secs
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(secs))
		case PayBelowMin, PayAboveMax, PayNotPayable:
			body["reason"] = pe.Code
			body["min"], body["max"] = wireAmountOf(pe.Language, pe.Currency, pe.Min), wireAmountOf(pe.Language, pe.Currency, pe.Max)
			if pe.Reason != "" {
				body["not_payable"] = pe.Reason
			}
		case PayReferenceReuse:
			body["reason"] = pe.Code
		}
	case errors.As(err, &be):
		status = fasthttp.StatusBadRequest
		body["error"] = be.Error()[len("ivr: "):]
		if be.Field != "" {
			body["field"] = be.Field
		}
	case errors.Is(err, httpx.ErrUnauthorized):
		status, body["error"] = fasthttp.StatusUnauthorized, "unauthorized"
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase"`)
	case errors.Is(err, ErrNoDatabase):
		status, body["error"] = fasthttp.StatusNotFound, "no such database"
	case errors.Is(err, ErrInvalid):
		status, body["error"] = fasthttp.StatusBadRequest, err.Error()
	case errors.Is(err, columndb.ErrStale):
		status, body["error"] = fasthttp.StatusConflict, "the database definition kept changing during the payment; nothing was debited, send it again"
	case errors.Is(err, diskfree.ErrLow):
		status, body["error"] = fasthttp.StatusInsufficientStorage, httpx.DiskFull
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("payment refused")
	case errors.Is(err, columndb.ErrUnavailable):
		ctx.Response.Header.Set("Retry-After", "10")
		status, body["error"] = fasthttp.StatusServiceUnavailable, httpx.NoQuorum
		h.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("payment refused")
	case errors.Is(err, columndb.ErrConflict):
		status, body["error"] = fasthttp.StatusConflict, httpx.Conflict
	default:
		body["error"] = "internal error"
		h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("payment failed")
	}
	httpx.WriteJSON(ctx, status, body)
}

func paymentStatus(pe *PaymentError) int {
	switch pe.Code {
	case PayNotFound:
		return fasthttp.StatusNotFound
	case PayAmbiguous, PayReferenceReuse:
		return fasthttp.StatusConflict
	case PayLocked:
		return fasthttp.StatusTooManyRequests
	}
	return fasthttp.StatusUnprocessableEntity
}

func paymentMessage(pe *PaymentError) string {
	switch pe.Code {
	case PayNotFound:
		return "no caller matches these refs"
	case PayAmbiguous:
		return "more than one caller matches these refs"
	case PayInvalidInput:
		return pe.Input.Field + ": " + pe.Input.Reason
	case PayLocked:
		return "too many refs that matched no caller; try again later"
	case PayBelowMin:
		return "the amount is below the minimum payment"
	case PayAboveMax:
		return "the amount is above the maximum payment (never more than the balance)"
	case PayNotPayable:
		return "this caller cannot pay now: " + pe.Reason
	case PayReferenceReuse:
		return "this reference was used for another payment in this database"
	}
	return pe.Code
}
