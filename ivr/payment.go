package ivr

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// LedgerStore is the part of columndb that payments use: a row's
// read-modify-write with its log entry, and the log's reads.
type LedgerStore interface {
	Modify(t *columndb.Table, pk []string, key string, fn columndb.ModifyFunc) (columndb.LogEntry, error)
	LogByKey(t *columndb.Table, key string) (columndb.LogEntry, error)
	LogAfter(t *columndb.Table, after uint64, limit int) ([]columndb.LogEntry, bool, error)
}

// Payments posts payments against caller databases, so that a caller who
// has just paid hears the new balance on their next call, and keeps each
// database's ledger of them.
type Payments struct {
	svc   *Service
	store LedgerStore
	now   func() time.Time
}

// NewPayments returns the payments of svc's databases, kept in store (the
// store svc reads).
func NewPayments(svc *Service, store LedgerStore) *Payments {
	return &Payments{svc: svc, store: store, now: time.Now}
}

// The platforms a payment is recorded as coming from.
const (
	PlatformAPI    = "api"    // POST /ivr/v1/{cid}/{dbid}/payments
	PlatformTwilio = "twilio" // Twilio's <Pay> in tonebase's own call flow
)

// The ways a payment was made. Only the last four digits of a card or of a
// bank account are ever kept.
const (
	MethodCard  = "card"
	MethodBank  = "bank"
	MethodCash  = "cash"
	MethodOther = "other"
)

// PaymentInput is a payment as its sender gives it.
type PaymentInput struct {
	// Refs are the caller's refs as a lookup takes them: by ivr field
	// (ref1) or column id (colA), in any case.
	Refs map[string]string
	// Amount is in the database's currency as an upload takes it ("12.50",
	// "£12.50"; a bare whole number is minor units). AmountMinor gives
	// minor units instead; exactly one of them is set.
	Amount      string
	AmountMinor int64
	// Reference is the payment's idempotency key in its database: the same
	// reference and payment answer the first answer again, and debit once.
	Reference    string
	Method       string // MethodCard, MethodBank, …; empty is card with CardLast4, bank with AccountLast4, else other
	CardLast4    string
	AccountLast4 string
	Caller       string // the caller's number, if known: it counts towards the lockout as a lookup's
	Platform     string // PlatformAPI if empty
}

// PaymentResult is a payment posted: the row's amounts after it, in minor
// units, for the IVR to read back.
type PaymentResult struct {
	PaymentID string
	Status    string // StatusFound, or StatusNotPayable once the balance is paid off
	Reason    string // StatusNotPayable: ReasonNoBalance, ReasonMinOverMax
	Amount    int64
	Balance   int64
	MinPay    int64
	MaxPay    int64
	Language  money.Language
	Currency  money.Currency
	// Replayed: the reference was posted before with the same payment; this
	// is that answer again, and nothing was debited now.
	Replayed bool
}

// Say is the phrase a TTS engine reads for minor units in the database's
// language and currency.
func (r PaymentResult) Say(minor int64) string { return money.SayIn(r.Language, r.Currency, minor) }

// Codes of a refused payment.
const (
	PayNotFound       = StatusNotFound
	PayAmbiguous      = StatusAmbiguous
	PayInvalidInput   = StatusInvalidInput
	PayLocked         = StatusLocked
	PayBelowMin       = "below_min"
	PayAboveMax       = "above_max"
	PayNotPayable     = StatusNotPayable
	PayReferenceReuse = "reference_reused"
)

// Reasons a payment's own fields are refused, beside the refs' keypad
// reasons (missing, not_digits, …).
const (
	ReasonNotAmount   = "not_amount"
	ReasonNotPositive = "not_positive"
	ReasonBothAmounts = "amount_and_amount_minor"
	ReasonBadText     = "bad_characters"
	ReasonNotLast4    = "not_last4"
	ReasonBadMethod   = "unknown_method"
	ReasonWrongMethod = "not_this_method"
)

// PaymentError is a payment refused for a reason its sender can act on;
// nothing was debited. It never carries what the sender sent.
type PaymentError struct {
	Code       string        // one of the Pay codes
	Input      *InputError   // PayInvalidInput: the field, why, and a ref's digit range
	Reason     string        // PayNotPayable: ReasonNoBalance or ReasonMinOverMax
	Min, Max   int64         // PayBelowMin, PayAboveMax, PayNotPayable: what may be paid now, minor units
	RetryAfter time.Duration // PayLocked
	Language   money.Language
	Currency   money.Currency
}

func (e *PaymentError) Error() string {
	if e.Input != nil {
		return "ivr: payment refused: " + e.Input.Field + ": " + e.Input.Reason
	}
	return "ivr: payment refused: " + e.Code
}

// Say is the phrase for minor units in the database's language and currency.
func (e *PaymentError) Say(minor int64) string { return money.SayIn(e.Language, e.Currency, minor) }

func inputRefused(field, reason string) *PaymentError {
	return &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: field, Reason: reason}}
}

// Post posts a payment against the caller row its refs find: within the
// row's minimum and maximum, never above its balance, in one atomic and
// durable commit of the ledger entry and the row's new amounts. A refused
// payment is a *PaymentError; ErrNoDatabase and store failures are other
// errors. Refs are checked and counted towards the lockout as a lookup's.
func (p *Payments) Post(cid, dbid int64, in PaymentInput) (PaymentResult, error) {
	for try := 0; ; try++ {
		res, err := p.post(cid, dbid, in)
		// An admin redefining the database meanwhile: the payment is
		// checked again against the new definition.
		if errors.Is(err, columndb.ErrStale) && try < 10 {
			continue
		}
		return res, err
	}
}

func (p *Payments) post(cid, dbid int64, in PaymentInput) (PaymentResult, error) {
	t, err := p.svc.catalog.Table(cid, dbid)
	if err != nil {
		return PaymentResult{}, err
	}
	q := Query{Param: in.param, Caller: in.Caller}
	pay, perr := checkPayment(t, in, q)
	if perr != nil {
		return PaymentResult{}, perr
	}
	// The reference first: a retry answers as the first try did, even once
	// the row has changed or gone, and counts nothing towards the lockout.
	if e, err := p.store.LogByKey(t, in.Reference); err == nil {
		return replay(e, pay.body)
	} else if !errors.Is(err, columndb.ErrNotFound) {
		return PaymentResult{}, err
	}
	mt, row, res, err := p.svc.match(cid, dbid, q)
	if err != nil {
		return PaymentResult{}, err
	}
	if res.Status != "" {
		return PaymentResult{}, &PaymentError{Code: res.Status, Input: res.Input, RetryAfter: res.RetryAfter}
	}
	if mt != t {
		return PaymentResult{}, columndb.ErrStale // the amount was read under the old definition
	}
	var pk []string
	for _, pos := range t.PrimaryKey() {
		v, _ := row.Get(pos)
		pk = append(pk, v)
	}
	var out PaymentResult
	e, err := p.store.Modify(t, pk, in.Reference, func(cur columndb.Row, ok bool, seq uint64) (columndb.Row, []byte, error) {
		next, rec, err := p.debit(t, cur, ok, pay)
		if err != nil {
			return columndb.Row{}, nil, err
		}
		out = rec.result(seq)
		b, err := json.Marshal(rec)
		return next, b, err
	})
	var used *columndb.LogKeyError
	if errors.As(err, &used) {
		return replay(used.Entry, pay.body) // the same reference posted at the same moment
	}
	if err != nil {
		return PaymentResult{}, err
	}
	out.PaymentID = paymentID(e.Seq)
	return out, nil
}

// param finds a ref by name in any case, as a lookup's query does.
func (in PaymentInput) param(name string) (string, bool) {
	if v, ok := in.Refs[name]; ok {
		return v, true
	}
	for k, v := range in.Refs {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// payment is a checked PaymentInput.
type payment struct {
	in   PaymentInput
	refs []string // normalised, in ref order
	amt  int64
	body string // what makes two posts of one reference the same payment
}

// checkPayment checks everything of a payment that needs no row.
func checkPayment(t *columndb.Table, in PaymentInput, q Query) (payment, *PaymentError) {
	pay := payment{in: in}
	refs := refColumns(t)
	if len(refs) == 0 {
		return pay, inputRefused("ref1", ReasonMissing)
	}
	pay.refs = make([]string, len(refs))
	if inErr := parseRefs(t, refs, q, pay.refs); inErr != nil {
		return pay, &PaymentError{Code: PayInvalidInput, Input: inErr}
	}
	lang, cur := moneyStyle(t)
	switch {
	case in.Amount != "" && in.AmountMinor != 0:
		return pay, inputRefused("amount", ReasonBothAmounts)
	case in.Amount != "":
		n, err := money.ParseCurrencyIn(lang, cur, in.Amount)
		if err != nil {
			return pay, inputRefused("amount", ReasonNotAmount)
		}
		pay.amt = n
	case in.AmountMinor != 0:
		pay.amt = in.AmountMinor
	default:
		return pay, inputRefused("amount", ReasonMissing)
	}
	if pay.amt <= 0 {
		return pay, inputRefused("amount", ReasonNotPositive)
	}
	if in.Reference == "" {
		return pay, inputRefused("reference", ReasonMissing)
	}
	if len(in.Reference) > MaxReference {
		return pay, inputRefused("reference", ReasonTooLong)
	}
	if !printable(in.Reference) {
		return pay, inputRefused("reference", ReasonBadText)
	}
	for _, f := range []struct{ name, v string }{{"card_last4", in.CardLast4}, {"account_last4", in.AccountLast4}} {
		if f.v != "" && (len(f.v) != 4 || !digits(f.v)) {
			return pay, inputRefused(f.name, ReasonNotLast4)
		}
	}
	if pay.in.Method == "" {
		switch {
		case in.CardLast4 != "":
			pay.in.Method = MethodCard
		case in.AccountLast4 != "":
			pay.in.Method = MethodBank
		default:
			pay.in.Method = MethodOther
		}
	}
	switch pay.in.Method {
	case MethodCard, MethodBank, MethodCash, MethodOther:
	default:
		return pay, inputRefused("method", ReasonBadMethod)
	}
	if in.CardLast4 != "" && pay.in.Method != MethodCard {
		return pay, inputRefused("card_last4", ReasonWrongMethod)
	}
	if in.AccountLast4 != "" && pay.in.Method != MethodBank {
		return pay, inputRefused("account_last4", ReasonWrongMethod)
	}
	if c := strings.TrimPrefix(in.Caller, "+"); in.Caller != "" && (!digits(c) || c == "") {
		return pay, inputRefused("caller", ReasonNotDigits)
	} else if len(c) > MaxCaller {
		return pay, inputRefused("caller", ReasonTooLong)
	}
	if pay.in.Platform == "" {
		pay.in.Platform = PlatformAPI
	}
	pay.body = bodyPrint(pay.refs, pay.amt, pay.in.Method, in.CardLast4, in.AccountLast4, in.Caller, pay.in.Platform)
	return pay, nil
}

// bodyPrint is what makes two posts of one reference the same payment: a
// hash over the refs and the payment's terms. The ledger keeps it and
// compares a retry's with it, so its text never changes: it was first
// written with fmt's %q and %d, which strconv's AppendQuote and AppendInt
// write alike without fmt's cost on every payment.
func bodyPrint(refs []string, amt int64, method, card, account, caller, platform string) string {
	var room [256]byte
	b := room[:0]
	for _, v := range refs {
		b = append(strconv.AppendQuote(b, v), ',')
	}
	b = strconv.AppendInt(b, amt, 10)
	for _, v := range [...]string{method, card, account, caller, platform} {
		b = strconv.AppendQuote(append(b, ','), v)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Bounds of a payment's texts.
const (
	MaxReference = 128
	MaxCaller    = 20
)

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// printable allows printable ASCII: a reference is a PSP's or a platform's
// id, and goes into pages and CSV files.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// debit is the payment applied to the row as the store holds it now.
func (p *Payments) debit(t *columndb.Table, cur columndb.Row, ok bool, pay payment) (columndb.Row, ledgerRecord, error) {
	plan := p.svc.plans.get(t)
	refused := func(code, reason string, lo, hi int64) error {
		return &PaymentError{Code: code, Reason: reason, Min: lo, Max: hi, Language: plan.lang, Currency: plan.cur}
	}
	if !ok {
		return columndb.Row{}, ledgerRecord{}, &PaymentError{Code: PayNotFound} // deleted since it was found
	}
	for i, pos := range refColumns(t) {
		if v, _ := cur.Get(pos); v != pay.refs[i] {
			return columndb.Row{}, ledgerRecord{}, &PaymentError{Code: PayNotFound} // keyed otherwise since
		}
	}
	a := plan.amounts(cur)
	lo, hi := min(a.minPay, a.balance), min(a.maxPay, a.balance)
	if status, reason := a.status(); status == StatusNotPayable {
		return columndb.Row{}, ledgerRecord{}, refused(PayNotPayable, reason, max(lo, 0), max(hi, 0))
	}
	switch {
	case pay.amt < lo:
		return columndb.Row{}, ledgerRecord{}, refused(PayBelowMin, "", lo, hi)
	case pay.amt > hi:
		return columndb.Row{}, ledgerRecord{}, refused(PayAboveMax, "", lo, hi)
	}
	left := a.balance - pay.amt
	next := columndb.CloneRow(cur)
	next.Set(plan.balance, strconv.FormatInt(left, 10))
	// An uploaded minimum or maximum above what is now owed drops to it.
	for _, pos := range []int{plan.minPay, plan.maxPay} {
		if v, ok := cur.Get(pos); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > left {
				next.Set(pos, strconv.FormatInt(left, 10))
			}
		}
	}
	after := found(plan, next)
	na, _ := after.Record.Amounts()
	rec := ledgerRecord{Time: p.now().UTC().Truncate(time.Millisecond), Refs: map[string]string{}, Amount: pay.amt,
		Before: a.balance, After: na.Balance, Min: na.MinPayment, Max: na.MaxPayment,
		Status: after.Status, Reason: after.Reason, Method: pay.in.Method,
		CardLast4: pay.in.CardLast4, AccountLast4: pay.in.AccountLast4, Caller: pay.in.Caller,
		Platform: pay.in.Platform, Body: pay.body, Language: plan.lang, Currency: plan.cur}
	for i, pos := range refColumns(t) {
		rec.Refs[string(callerColumn(t, pos).IVRField)] = pay.refs[i]
	}
	return next, rec, nil
}

// ledgerRecord is a ledger entry as the store keeps it: what the answer
// was, so a retry gets it again, and what the merchant reconciles by.
type ledgerRecord struct {
	Time         time.Time         `json:"time"`
	Refs         map[string]string `json:"refs"`
	Amount       int64             `json:"amount"`
	Before       int64             `json:"before"`
	After        int64             `json:"after"`
	Min          int64             `json:"min"`
	Max          int64             `json:"max"`
	Status       string            `json:"status"`
	Reason       string            `json:"reason,omitempty"`
	Method       string            `json:"method"`
	CardLast4    string            `json:"card_last4,omitempty"`
	AccountLast4 string            `json:"account_last4,omitempty"`
	Caller       string            `json:"caller,omitempty"`
	Platform     string            `json:"platform"`
	Body         string            `json:"body"`
	Language     money.Language    `json:"language"`
	Currency     money.Currency    `json:"currency"`
}

func (r ledgerRecord) result(seq uint64) PaymentResult {
	return PaymentResult{PaymentID: paymentID(seq), Status: r.Status, Reason: r.Reason, Amount: r.Amount,
		Balance: r.After, MinPay: r.Min, MaxPay: r.Max, Language: r.Language, Currency: r.Currency}
}

func paymentID(seq uint64) string { return strconv.FormatUint(seq, 10) }

// replay answers a reference already in the ledger: its first answer if
// the payment is the same, else a conflict.
func replay(e columndb.LogEntry, body string) (PaymentResult, error) {
	var rec ledgerRecord
	if err := json.Unmarshal(e.Value, &rec); err != nil {
		return PaymentResult{}, fmt.Errorf("ivr: ledger entry %d: %w", e.Seq, err)
	}
	if rec.Body != body {
		return PaymentResult{}, &PaymentError{Code: PayReferenceReuse}
	}
	res := rec.result(e.Seq)
	res.Replayed = true
	return res, nil
}
