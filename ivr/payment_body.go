package ivr

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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

// PaymentFields are the body's fields besides the refs.
var PaymentFields = []string{"amount", "amount_minor", "reference", "method", "card_last4", "account_last4", "caller"}

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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return in, &BodyError{Reason: "the body must be one JSON object"}
	}
	seen := map[string]bool{}
	in.Refs = map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return PaymentInput{}, &BodyError{Reason: "not valid JSON"}
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return PaymentInput{}, &BodyError{Reason: "not valid JSON"}
		}
		name, isRef := refName(key)
		if !isRef {
			name = key
			if !knownField(name) {
				return PaymentInput{}, &BodyError{Reason: "unknown field; the fields are ref1…ref3 (or column ids) and " + strings.Join(PaymentFields, ", ")}
			}
		}
		if seen[name] {
			return PaymentInput{}, &BodyError{Field: name, Reason: "given twice"}
		}
		seen[name] = true
		if err := in.set(name, isRef, raw); err != nil {
			return PaymentInput{}, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return PaymentInput{}, &BodyError{Reason: "not valid JSON"}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return PaymentInput{}, &BodyError{Reason: "the body must be one JSON object, with nothing after it"}
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

func knownField(name string) bool {
	for _, f := range PaymentFields {
		if name == f {
			return true
		}
	}
	return false
}

// set stores one field's value.
func (in *PaymentInput) set(name string, isRef bool, raw json.RawMessage) error {
	if name == "amount" || name == "amount_minor" {
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			if name == "amount" {
				in.Amount = n.String()
				return nil
			}
			v, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil || v == 0 {
				// 0 is refused here: AmountMinor 0 means "not given".
				return &BodyError{Field: name, Reason: "must be a positive whole number of minor units"}
			}
			in.AmountMinor = v
			return nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || string(raw) == "null" {
		if isRef {
			return &BodyError{Field: name, Reason: "must be a string: digits keep their leading zeros"}
		}
		return &BodyError{Field: name, Reason: "must be a string"}
	}
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
