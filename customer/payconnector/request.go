package payconnector

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxBody bounds a connector request: Twilio's are a few hundred bytes.
const MaxBody = 16 << 10

// The methods Twilio's Generic Pay Connector asks for.
const (
	MethodTokenize = "tokenize"
	MethodCharge   = "charge"
)

// Request is a connector request as read. It holds the card or account
// number in clear for as long as the request is served, and never the CVV.
type Request struct {
	Method        string
	TransactionID string
	CardNumber    string
	ExpiryMonth   string
	ExpiryYear    string
	PostalCode    string
	BankAccount   string
	Routing       string
	Parameters    map[string]string
}

// errRequest is a body that is no connector request.
var errRequest = errors.New("payconnector: not a connector request")

// maxTransactionID bounds the key a transaction's answer is kept under.
const maxTransactionID = 128

// Parse reads a connector request. Fields tonebase does not use are
// skipped; the CVV is skipped unread. A field sent as a number rather than
// text is taken as its digits, since a JSON producer may send either.
func Parse(body []byte) (Request, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Request{}, fmt.Errorf("%w: %s", errRequest, "the body is not a JSON object")
	}
	var r Request
	var err error
	text := func(name string, dst *string) {
		if err != nil {
			return
		}
		v, ok := raw[name]
		if !ok {
			return
		}
		if *dst, err = scalar(v); err != nil {
			err = fmt.Errorf("%w: %s must be text", errRequest, name)
		}
	}
	text("method", &r.Method)
	text("transaction_id", &r.TransactionID)
	text("cardnumber", &r.CardNumber)
	text("expiry_month", &r.ExpiryMonth)
	text("expiry_year", &r.ExpiryYear)
	text("postal_code", &r.PostalCode)
	text("bankaccountnumber", &r.BankAccount)
	text("routingnumber", &r.Routing)
	if err != nil {
		return Request{}, err
	}
	if p, ok := raw["parameters"]; ok && string(p) != "null" {
		// An object, or the same object sent as JSON text, as a form-minded
		// sender may.
		var text string
		if json.Unmarshal(p, &text) == nil {
			p = json.RawMessage(text)
		}
		var params map[string]json.RawMessage
		if json.Unmarshal(p, &params) != nil {
			return Request{}, fmt.Errorf("%w: parameters must be an object", errRequest)
		}
		r.Parameters = make(map[string]string, len(params))
		for k, v := range params {
			s, err := scalar(v)
			if err != nil {
				return Request{}, fmt.Errorf("%w: parameters.%s must be text", errRequest, safeName(k))
			}
			r.Parameters[k] = s
		}
	}
	r.Method = strings.ToLower(strings.TrimSpace(r.Method))
	r.TransactionID = strings.TrimSpace(r.TransactionID)
	switch {
	case r.TransactionID == "":
		return Request{}, fmt.Errorf("%w: transaction_id is required", errRequest)
	case len(r.TransactionID) > maxTransactionID:
		return Request{}, fmt.Errorf("%w: transaction_id is longer than %d characters", errRequest, maxTransactionID)
	case !idText(r.TransactionID):
		// It is a key in the store and a field of the log: printable ASCII
		// without spaces, as Twilio's ids are.
		return Request{}, fmt.Errorf("%w: transaction_id must be printable ASCII without spaces", errRequest)
	}
	return r, nil
}

// scalar is a JSON string, or a number's text; null is "".
func scalar(v json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), nil
	}
	if string(v) == "null" {
		return "", nil
	}
	return "", errRequest
}

// safeName is a parameter's name as an error may quote it: short, and
// printable.
func safeName(k string) string {
	if len(k) > 40 {
		k = k[:40]
	}
	return strconv.Quote(k)
}

// expiry is the card's expiry as the vault takes it, MMYY, from a month of
// one or two digits and a year of two or four.
func (r *Request) expiry() string {
	m, y := strings.TrimSpace(r.ExpiryMonth), strings.TrimSpace(r.ExpiryYear)
	if len(m) == 1 {
		m = "0" + m
	}
	if len(y) == 4 {
		y = y[2:]
	}
	return m + y
}

// idText reports whether s is printable ASCII without spaces.
func idText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
