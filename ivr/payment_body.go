package ivr

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
)

// BodyError is a payment body that is not one: what is wrong, and with
// which field if one. It never repeats what was sent, which may be a card
// number a sender put in the wrong place.
type BodyError struct {
	Field  string // empty for the body as a whole
	Reason string
}

func (e *BodyError) Error() string {
	if e.Field == "" {
		return "ivr: payment body: " + e.Reason
	}
	return "ivr: payment body: " + e.Field + ": " + e.Reason
}

// paymentFields lists the body's fields besides the refs; a field's
// index is its bit in ParsePaymentBody's seen. A function rather than a
// package-level slice, which any importer could change; the literal stays
// on the caller's stack.
func paymentFields() []string {
	return []string{"amount", "amount_minor", "reference", "method", "card_last4", "account_last4", "caller"}
}

// MaxPaymentBody bounds a payment body: a payment is a few hundred bytes.
const MaxPaymentBody = 16 << 10

// ParsePaymentBody reads a payment posted as JSON:
//
//	{"ref1":"123456","ref2":"01021990","amount":"12.50","reference":"PSP-8842",
//	 "method":"card","card_last4":"1111","caller":"07700900123"}
//
// Refs are named by ivr field (ref1…ref3) or column id (colA), in any case,
// and are strings: digits keep their leading zeros. amount is a string or a
// JSON number taken as written (never through a float); amount_minor a
// whole number. A field it does not know is refused rather than ignored: a
// "card_number" sent by mistake is not quietly accepted and then logged or
// stored somewhere. The platform is the caller's to set.
func ParsePaymentBody(body []byte) (PaymentInput, error) {
	var in PaymentInput
	if len(body) > MaxPaymentBody {
		return in, &BodyError{Reason: "body larger than " + strconv.Itoa(MaxPaymentBody>>10) + " KiB"}
	}
	// The upload parser, not encoding/json: a payment is on the hot write
	// path, and encoding/json's decoder took 12 µs and 118 allocations for
	// the example above. It is also stricter in the same way as uploads:
	// a string of invalid UTF-8 or a lone surrogate is refused, not
	// quietly turned into U+FFFD (two references must never merge).
	p := &parser{b: body}
	p.ws()
	if p.peek() != '{' {
		return in, &BodyError{Reason: "the body must be one JSON object"}
	}
	var room [10]rawField // the seven fields and three refs: every body sent as documented
	fields, err := p.row(room[:0])
	if err != nil {
		// Where and what, never the bytes there: they may be a card number.
		var se *SyntaxError
		if errors.As(err, &se) {
			return in, &BodyError{Reason: "not valid JSON at byte " + strconv.Itoa(se.Offset) + ": " + se.Msg}
		}
		return in, &BodyError{Reason: "not valid JSON"}
	}
	p.ws()
	if p.more(1) {
		return in, &BodyError{Reason: "the body must be one JSON object, with nothing after it"}
	}
	var seen uint // fields besides the refs given, by index; refs are seen in Refs
	in.Refs = make(map[string]string, 2)
	for _, f := range fields {
		name, isRef := refName(f.key)
		if isRef {
			if _, twice := in.Refs[name]; twice {
				return PaymentInput{}, &BodyError{Field: name, Reason: "given twice"}
			}
		} else {
			i := slices.Index(paymentFields(), f.key)
			if i < 0 {
				return PaymentInput{}, &BodyError{Reason: "unknown field; the fields are ref1…ref3 (or column ids) and " + strings.Join(paymentFields(), ", ")}
			}
			name = f.key
			if seen&(1<<i) != 0 {
				return PaymentInput{}, &BodyError{Field: name, Reason: "given twice"}
			}
			seen |= 1 << i
		}
		if err := in.set(name, isRef, f); err != nil {
			return PaymentInput{}, err
		}
	}
	return in, nil
}

// refName canonicalises a ref's name: ref1…ref3 in lower case, a column
// id as colA.
func refName(key string) (string, bool) {
	if l := strings.ToLower(key); l == "ref1" || l == "ref2" || l == "ref3" {
		return l, true
	}
	return columndb.CanonicalColumnID(key)
}

// set stores one field's value. amount takes a JSON number as written,
// and amount_minor a whole one; null leaves amount unset (so that "not
// given" is refused later as it is for a missing one) and is refused
// everywhere else.
func (in *PaymentInput) set(name string, isRef bool, f rawField) error {
	if f.kind == kindNumber || f.kind == kindNull {
		switch {
		case name == "amount":
			in.Amount = f.val
			return nil
		case name == "amount_minor":
			v, err := strconv.ParseInt(f.val, 10, 64)
			if err != nil || v == 0 {
				// 0 is refused here: AmountMinor 0 means "not given".
				return &BodyError{Field: name, Reason: "must be a positive whole number of minor units"}
			}
			in.AmountMinor = v
			return nil
		}
	}
	if f.kind != kindString {
		if isRef {
			return &BodyError{Field: name, Reason: "must be a string: digits keep their leading zeros"}
		}
		return &BodyError{Field: name, Reason: "must be a string"}
	}
	return in.setString(name, isRef, f.val)
}

// setString stores one field given as a JSON string.
func (in *PaymentInput) setString(name string, isRef bool, s string) error {
	if isRef {
		in.Refs[name] = s
		return nil
	}
	switch name {
	case "amount":
		in.Amount = s
		if s == "" {
			return &BodyError{Field: name, Reason: "empty"}
		}
	case "amount_minor":
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v == 0 {
			return &BodyError{Field: name, Reason: "must be a positive whole number of minor units"}
		}
		in.AmountMinor = v
	case "reference":
		in.Reference = s
	case "method":
		in.Method = s
	case "card_last4":
		in.CardLast4 = s
	case "account_last4":
		in.AccountLast4 = s
	case "caller":
		in.Caller = s
	}
	return nil
}
