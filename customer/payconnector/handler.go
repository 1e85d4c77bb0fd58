package payconnector

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Credentials checks a client's connector username and password.
type Credentials interface {
	CheckPayConnector(cid int64, username, password []byte) error
}

// Vault is what the connector needs of the customer service.
type Vault interface {
	Save(cid int64, in customer.Save) (customer.Saved, error)
}

// Docs keeps each transaction's answer, so Twilio's retries get it again
// after a restart.
type Docs interface {
	GetDoc(collection, key string, v any) error
	PutDoc(collection, key string, v any, create bool) error
}

const collTransactions = "payconnector.tx"

// transaction is a tokenize request's answer as kept: never the number,
// only its last four, which a retry must repeat.
type transaction struct {
	Token   string    `json:"token"`
	Last4   string    `json:"last4"`
	Created time.Time `json:"created"`
}

// Error codes the connector answers, for the merchant's Twilio debugger.
const (
	CodeUnsupported  = "unsupported"
	CodeInvalid      = "invalid_request"
	CodeUnavailable  = "unavailable"
	CodeReused       = "transaction_reused"
	CodeUnauthorized = "unauthorized"
)

// Handler serves the connector endpoint.
type Handler struct {
	creds Credentials
	vault Vault
	docs  Docs
	basic *httpx.BasicAuth
	log   zerolog.Logger
	now   func() time.Time
}

// New returns the connector over the customer service vault.
func New(creds Credentials, vault Vault, docs Docs, log zerolog.Logger) *Handler {
	return &Handler{creds: creds, vault: vault, docs: docs, basic: httpx.NewBasicAuth(), log: log, now: time.Now}
}

// tokenAnswer is what Twilio reads back from a tokenize request.
type tokenAnswer struct {
	TokenID      *string `json:"token_id"`
	ErrorCode    *string `json:"error_code"`
	ErrorMessage *string `json:"error_message"`
}

// chargeAnswer is what Twilio reads back from a charge request.
type chargeAnswer struct {
	ChargeID     *string `json:"charge_id"`
	ErrorCode    *string `json:"error_code"`
	ErrorMessage *string `json:"error_message"`
}

func ptr(s string) *string { return &s }

// clientCheck is the Basic credentials' check for the client the path
// names: another client's credentials reach nothing.
type clientCheck struct {
	cid   int64
	creds Credentials
}

func (c clientCheck) Authenticate(user, pass []byte) (int64, error) {
	return c.cid, c.creds.CheckPayConnector(c.cid, user, pass)
}

// Connector serves POST /pay/v1/{cid}/twilio-connector.
func (h *Handler) Connector(ctx *fasthttp.RequestCtx) {
	cid, err := strconv.ParseInt(userValue(ctx, "cid"), 10, 64)
	if err == nil && cid > 0 {
		_, err = h.basic.Authenticate(ctx, clientCheck{cid: cid, creds: h.creds})
	}
	if err != nil || cid <= 0 {
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tonebase pay connector"`)
		httpx.WriteJSON(ctx, fasthttp.StatusUnauthorized, tokenAnswer{ErrorCode: ptr(CodeUnauthorized),
			ErrorMessage: ptr("the username and password are not this client's pay connector credentials")})
		return
	}
	if len(ctx.PostBody()) > MaxBody {
		httpx.WriteJSON(ctx, fasthttp.StatusRequestEntityTooLarge, tokenAnswer{ErrorCode: ptr(CodeInvalid), ErrorMessage: ptr("the request is too large")})
		return
	}
	req, err := Parse(ctx.PostBody())
	if err != nil {
		httpx.WriteJSON(ctx, fasthttp.StatusBadRequest, tokenAnswer{ErrorCode: ptr(CodeInvalid), ErrorMessage: ptr(message(err))})
		return
	}
	// The method is logged only as one of its known values: it is the
	// sender's text, and the log never carries a request's own bytes.
	method := req.Method
	if method != MethodTokenize && method != MethodCharge {
		method = "other"
	}
	logged := h.log.Info().Int64("cid", cid).Str("transaction_id", req.TransactionID).Str("method", method).
		Str("request_id", httpx.RequestID(ctx))
	switch req.Method {
	case MethodCharge:
		logged.Str("outcome", CodeUnsupported).Msg("pay connector")
		httpx.WriteJSON(ctx, fasthttp.StatusOK, chargeAnswer{ErrorCode: ptr(CodeUnsupported),
			ErrorMessage: ptr("tonebase stores cards and bank accounts; it does not charge them: use <Pay> with chargeAmount 0 (tokenize) for this connector, and a processor's connector to charge")})
		return
	case MethodTokenize:
	default:
		logged.Str("outcome", CodeInvalid).Msg("pay connector")
		httpx.WriteJSON(ctx, fasthttp.StatusOK, tokenAnswer{ErrorCode: ptr(CodeInvalid), ErrorMessage: ptr("method must be tokenize or charge")})
		return
	}
	token, code, msg, err := h.tokenize(cid, &req)
	if err != nil {
		// The store failed: a 5xx makes Twilio try again, with the same
		// transaction_id, which answers the token if this one was stored.
		h.log.Error().Err(err).Int64("cid", cid).Str("transaction_id", req.TransactionID).Str("request_id", httpx.RequestID(ctx)).Msg("pay connector tokenize failed")
		httpx.WriteJSON(ctx, fasthttp.StatusServiceUnavailable, tokenAnswer{ErrorCode: ptr(CodeUnavailable), ErrorMessage: ptr("the card could not be stored just now; try again")})
		return
	}
	if code != "" {
		logged.Str("outcome", code).Msg("pay connector")
		httpx.WriteJSON(ctx, fasthttp.StatusOK, tokenAnswer{ErrorCode: ptr(code), ErrorMessage: ptr(msg)})
		return
	}
	logged.Str("outcome", "tokenized").Msg("pay connector")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, tokenAnswer{TokenID: ptr(token)})
}

// tokenize stores the request's card or account and returns its token; or
// the code and message of a refusal; or an error when the store failed.
func (h *Handler) tokenize(cid int64, req *Request) (token, code, msg string, err error) {
	in, last4, code, msg := methodOf(req)
	if code != "" {
		return "", code, msg, nil
	}
	key := strconv.FormatInt(cid, 10) + "/" + req.TransactionID
	var done transaction
	switch err := h.docs.GetDoc(collTransactions, key, &done); {
	case err == nil:
		if done.Last4 != last4 {
			return "", CodeReused, "this transaction_id was used for another card or account", nil
		}
		return done.Token, "", "", nil
	case !errors.Is(err, columndb.ErrNotFound):
		return "", "", "", fmt.Errorf("payconnector: %w", err)
	}
	number := strings.TrimSpace(req.Parameters["ref1"])
	if number == "" {
		return "", CodeInvalid, "parameters.ref1 is required: the <Pay> verb passes the looked-up ref as <Parameter name=\"ref1\">", nil
	}
	saved, err := h.vault.Save(cid, customer.Save{Customer: customer.CustomerInput{Number: customer.Some(number)},
		Action: customer.AddCustomerIfAbsent, Method: &customer.MethodSave{In: in}})
	var bad *customer.InputError
	switch {
	case errors.As(err, &bad):
		return "", CodeInvalid, problemsText(bad.Problems), nil
	case errors.Is(err, customer.ErrNoVault):
		return "", CodeUnavailable, "this tonebase has no vault: start it with a master key to store cards", nil
	case errors.Is(err, customer.ErrConflict):
		return "", CodeInvalid, message(err), nil
	case err != nil:
		return "", "", "", err
	}
	// A crash before this is harmless: the retry stores the same number for
	// the same customer, which the vault answers with the same method.
	if err := h.docs.PutDoc(collTransactions, key, transaction{Token: saved.Method.Token, Last4: last4, Created: h.now().UTC()}, false); err != nil {
		return "", "", "", fmt.Errorf("payconnector: %w", err)
	}
	return saved.Method.Token, "", "", nil
}

// methodOf is the card or bank account a request carries, with the last
// four digits of its number, or the code and message of a request that
// carries neither.
func methodOf(req *Request) (customer.PaymentInput, string, string, string) {
	digits := func(s string) string { return strings.Map(keepDigit, s) }
	switch {
	case strings.TrimSpace(req.CardNumber) != "":
		card := digits(req.CardNumber)
		in := customer.PaymentInput{Kind: customer.Some(customer.KindCard), CardNumber: customer.Some(card),
			CardExpiry: customer.Some(req.expiry()), Description: customer.Some("Keyed in a Twilio call")}
		if z := strings.TrimSpace(req.PostalCode); z != "" {
			in.CardZip = customer.Some(z)
		}
		return in, last4(card), "", ""
	case strings.TrimSpace(req.BankAccount) != "":
		account := digits(req.BankAccount)
		kind := customer.BankChecking
		switch req.Parameters["bank_account_type"] {
		case "consumer-savings":
			kind = customer.BankSavings
		case "commercial-checking":
			kind = customer.BankBusiness
		}
		in := customer.PaymentInput{Kind: customer.Some(customer.KindBank), Account: customer.Some(account),
			Routing: customer.Some(digits(req.Routing)), AccountKind: customer.Some(kind), Description: customer.Some("Keyed in a Twilio call")}
		return in, last4(account), "", ""
	}
	return customer.PaymentInput{}, "", CodeInvalid, "a tokenize request carries cardnumber, or bankaccountnumber and routingnumber"
}

// keepDigit drops the spaces and dashes a number may be written with; any
// other character is kept, for the vault to refuse.
func keepDigit(r rune) rune {
	if r == ' ' || r == '-' {
		return -1
	}
	return r
}

func last4(s string) string {
	if len(s) < 4 {
		return s
	}
	return s[len(s)-4:]
}

// wireNames are the domain's field names as Twilio's request names them.
var wireNames = map[string]string{
	customer.FieldCardNumber:  "cardnumber",
	customer.FieldCardExpiry:  "expiry_month/expiry_year",
	customer.FieldCardZip:     "postal_code",
	customer.FieldBankAccount: "bankaccountnumber",
	customer.FieldBankRouting: "routingnumber",
	customer.FieldNumber:      "parameters.ref1",
}

// problemsText is the domain's refusal in the request's own names. The
// domain's reasons never quote a card or account number.
func problemsText(ps []customer.Problem) string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		name := p.Field
		if w, ok := wireNames[p.Field]; ok {
			name = w
		}
		parts = append(parts, name+": "+p.Reason)
	}
	return strings.Join(parts, "; ")
}

// message is an error's text without its package prefix.
func message(err error) string {
	s := err.Error()
	if _, rest, ok := strings.Cut(s, ": "); ok && !strings.Contains(s[:len(s)-len(rest)], " ") {
		return rest
	}
	return s
}

func userValue(ctx *fasthttp.RequestCtx, name string) string {
	v, _ := ctx.UserValue(name).(string)
	return v
}
