package twilio

import (
	"cmp"
	"errors"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// Payment is a card payment a call took through <Pay>, as it is posted to
// the caller's row.
type Payment struct {
	// Refs are the refs the caller was found by, by ivr field (ref1…).
	Refs map[string]string
	// AmountMinor is what was charged, in the database currency's minor units.
	AmountMinor int64
	// Reference is the processor's confirmation code: the payment's
	// idempotency key, so Twilio's retries of the action cannot debit twice.
	Reference string
	Method    string // MethodCard or MethodBank
	CardLast4 string // "" for a bank account
	Caller    string
	Platform  string // Platform
}

// The payment methods <Pay> takes.
const (
	MethodCard = "card"
	MethodBank = "bank"
)

// Posted is the caller's row once a payment is posted.
type Posted struct {
	Status                          string // found, or not_payable once nothing is owed
	Balance, MinPayment, MaxPayment int64
}

// Payments posts a call's payment to the caller's row: the balance drops
// at once, in the same commit as the payment's ledger entry. A reference
// posted before answers what it answered then.
type Payments interface {
	PostPayment(cid, dbid int64, p Payment) (Posted, error)
}

// ErrPaymentRefused wraps a payment the database refused (its amounts
// changed since the call read them, or the reference was used for another
// payment), as against one that could not be recorded for a failure.
var ErrPaymentRefused = errors.New("twilio: payment refused")

// payResultSuccess is <Pay>'s Result for a payment taken.
const payResultSuccess = "success"

// appendPay writes the TwiML that hands the caller to Twilio's <Pay>: for
// a Pay turn, a charge of the amount the turn's state chose through the
// database's pay connector; for a SaveCard turn, a reusable token through
// its card connector, charging nothing. The dbid and ref1 go to the
// connector as <Parameter>s, so a connector that keeps cards (tonebase's
// own) knows whose card it is.
func appendPay(b []byte, t *callflow.Turn, dbid int64, action string) []byte {
	b = append(b, xmlHeader+`<Response>`...)
	for _, s := range t.Say {
		b = appendSay(b, t.Language, s)
	}
	b = append(b, `<Pay input="dtmf" paymentConnector="`...)
	if t.Kind == callflow.SaveCard {
		b = appendEscaped(b, t.Script.Twilio.CardConnector)
		b = append(b, `" tokenType="reusable`...)
	} else {
		b = appendEscaped(b, t.Script.Twilio.PayConnector)
		b = append(b, `" chargeAmount="`...)
		b = money.AppendMinor(b, t.State.Amount)
		b = append(b, `" currency="`...)
		b = append(b, strings.ToLower(string(t.Script.Currency))...)
	}
	b = append(b, `" language="`...)
	b = appendEscaped(b, string(t.Language))
	b = append(b, `" method="POST" action="`...)
	b = appendEscaped(b, action)
	b = append(b, `"><Parameter name="dbid" value="`...)
	b = strconv.AppendInt(b, dbid, 10)
	b = append(b, `"/>`...)
	if len(t.State.Keyed) > 0 {
		b = append(b, `<Parameter name="ref1" value="`...)
		b = appendEscaped(b, t.State.Keyed[0])
		b = append(b, `"/>`...)
	}
	return append(b, `</Pay></Response>`...)
}

// saved serves <Pay>'s action request for a card kept on file: the
// connector (tonebase's own) has stored it already; the caller hears so.
func (h *Handlers) saved(ctx *fasthttp.RequestCtx, cid, dbid int64) (callflow.Turn, error) {
	result := string(ctx.PostArgs().Peek("Result"))
	failure := ""
	if result != payResultSuccess {
		if failure = result; failure == "" {
			failure = "unknown"
		}
	}
	h.log.Info().Int64("cid", cid).Int64("dbid", dbid).Str("call_sid", string(ctx.PostArgs().Peek("CallSid"))).
		Str("result", cmp.Or(failure, payResultSuccess)).Str("request_id", httpx.RequestID(ctx)).Msg("twilio card on file")
	return h.flow.Saved(cid, dbid, failure)
}

// paid serves <Pay>'s action request: a payment taken is posted, with the
// confirmation code as its reference, and the caller hears the new
// balance; a failure posts nothing and says why.
func (h *Handlers) paid(ctx *fasthttp.RequestCtx, cid, dbid int64, st callflow.State) (callflow.Turn, error) {
	form := ctx.PostArgs()
	callSid := string(form.Peek("CallSid"))
	result := string(form.Peek("Result"))
	log := h.log.With().Int64("cid", cid).Int64("dbid", dbid).Str("call_sid", callSid).Str("request_id", httpx.RequestID(ctx)).Logger()
	if result != payResultSuccess {
		if result == "" {
			result = "unknown"
		}
		log.Info().Str("result", result).Msg("twilio payment not taken")
		return h.flow.Paid(cid, dbid, st, callflow.Outcome{Failure: result})
	}
	code := strings.TrimSpace(string(form.Peek("PaymentConfirmationCode")))
	ref := code
	if ref == "" {
		// A connector that gives no code: one payment per call.
		ref = "twilio:" + callSid
	}
	o := callflow.Outcome{Code: code}
	if st.Stage != callflow.StagePaying {
		// Charged, but the state that said for what did not open.
		log.Error().Str("reference", ref).Msg("twilio payment taken without a call state: post it by hand")
		return h.flow.Paid(cid, dbid, callflow.State{}, o)
	}
	refs, err := h.flow.Refs(cid, dbid, st)
	if err != nil {
		log.Error().Err(err).Str("reference", ref).Int64("amount_minor", st.Amount).Msg("twilio payment taken but not posted")
		return h.flow.Paid(cid, dbid, st, o)
	}
	p := Payment{Refs: refs, AmountMinor: st.Amount, Reference: ref, Method: MethodCard,
		CardLast4: last4(string(form.Peek("PaymentCardNumber"))), Caller: string(form.Peek("From")), Platform: Platform}
	if string(form.Peek("PaymentMethod")) == "ach-debit" {
		p.Method, p.CardLast4 = MethodBank, ""
	}
	if h.payments == nil {
		// No state to pay from is handed out without payments wired.
		log.Error().Str("reference", ref).Msg("twilio payment taken but payments are not wired")
		return h.flow.Paid(cid, dbid, st, o)
	}
	posted, err := h.payments.PostPayment(cid, dbid, p)
	if err != nil {
		ev := log.Error()
		if errors.Is(err, ErrPaymentRefused) {
			ev = log.Warn()
		}
		ev.Err(err).Str("reference", ref).Int64("amount_minor", st.Amount).Msg("twilio payment taken but not posted")
		return h.flow.Paid(cid, dbid, st, o)
	}
	o.Recorded, o.Balance = true, posted.Balance
	log.Info().Str("reference", ref).Int64("amount_minor", st.Amount).Msg("twilio payment posted")
	return h.flow.Paid(cid, dbid, st, o)
}

// last4 is the last four digits of the masked card number <Pay> reports
// (xxxxxxxxxxxx1111), "" when it gives none.
func last4(masked string) string {
	if len(masked) < 4 {
		return ""
	}
	d := masked[len(masked)-4:]
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return ""
		}
	}
	return d
}
