package onepay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// jsonSpace is the whitespace RFC 8259 allows between tokens.
const jsonSpace = " \t\r\n"

// Object is one of the request's objects by field name: only the fields
// this API defines are kept, so CVV, PIN blocks and whatever else a client
// sends can never be stored, logged or echoed.
type Object map[string]field.Value

// Request is a request body: each object nil when it was not sent.
type Request struct {
	ClientIP              field.Value
	Customer, Card, Check Object
}

// objects are the request's objects and the fields each defines.
func objects() map[string][]string {
	return map[string][]string{
		wCustomer: {wFirstName, wLastName, wStreet1, wStreet2, wCity, wState, wZip, wCountry, wPhone, wCompany,
			wCustomerID, wEmail, wEmailReceipt, wNotes, wActionCode},
		// track_data is read only to find the card in it; pin_block, ksn,
		// auth_code and entry_mode belong to transactions and are dropped.
		wCard:  {wNumber, wCode, wExpiration, wTrackData, wToken, wActionCode},
		wCheck: {wABA, wAccountNumber, wAccountType, wBankName, wCheckNumber, wSECCode, wActionCode, wToken},
	}
}

// ParseRequest decodes a request body. It is strict where encoding/json is
// lenient, because each leniency would store something other than what was
// sent: data after the object is refused, invalid UTF-8 is refused rather
// than stored as U+FFFD, and two keys equal ignoring case (names are
// matched ignoring case, as the ASP.NET original binds them) are refused
// rather than one of them winning.
func ParseRequest(body []byte) (Request, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var probe json.RawMessage
	if err := dec.Decode(&probe); err != nil {
		// The decoder's message can quote the body (a card number among
		// it), so only its kind is passed on.
		return Request{}, bodyError("is not JSON: " + jsonErrorKind(err))
	}
	if at, more := field.DataAfter(body, dec.InputOffset()); more {
		return Request{}, bodyError(fmt.Sprintf("has data after the JSON object, at byte %d: send one object", at))
	}
	if t := bytes.TrimLeft(probe, jsonSpace); len(t) == 0 || t[0] != '{' {
		return Request{}, bodyError("must be a JSON object")
	}
	r := reader{}
	req := Request{}
	known := objects()
	first := map[string]string{}
	err := r.fields(probe, func(key string, raw json.RawMessage) error {
		name := strings.ToLower(key)
		if name != wClientIP && known[name] == nil {
			return nil
		}
		if prev, dup := first[name]; dup {
			r.twice(name, prev, key)
			return nil
		}
		first[name] = key
		if name == wClientIP {
			req.ClientIP = r.scalar(name, raw)
			return nil
		}
		obj, err := r.object(name, known[name], raw)
		switch name {
		case wCustomer:
			req.Customer = obj
		case wCard:
			req.Card = obj
		case wCheck:
			req.Check = obj
		}
		return err
	})
	if err != nil {
		return Request{}, err
	}
	if len(r.ps) == 0 && !utf8.Valid(body) { // in a key or an unknown field: no known field to name
		r.add(wBody, customer.CodeInvalid, fmt.Sprintf("is not valid UTF-8, at byte %d", field.InvalidUTF8At(body)))
	}
	if len(r.ps) > 0 {
		return Request{}, &customer.InputError{Problems: r.ps}
	}
	return req, nil
}

// reader collects the problems met while a body is read.
type reader struct{ ps []customer.Problem }

func (r *reader) add(name, code, reason string) {
	r.ps = append(r.ps, customer.Problem{Field: name, Code: code, Reason: reason})
}

func (r *reader) twice(name, prev, key string) {
	r.add(name, codeTwice, fmt.Sprintf("is sent twice, as %q and %q; send it once", prev, key))
}

// fields calls fn with each key and raw value of the object in raw, in the
// order sent.
func (r *reader) fields(raw json.RawMessage, fn func(key string, v json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // the opening brace
		return bodyError("is not JSON: " + jsonErrorKind(err))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bodyError("is not JSON: " + jsonErrorKind(err))
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return bodyError("is not JSON: " + jsonErrorKind(err))
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// scalar reads a known field's value: a string, number or boolean (null is
// not sent). An object or array is refused as the wrong type.
func (r *reader) scalar(name string, raw json.RawMessage) field.Value {
	if !utf8.Valid(raw) {
		r.add(name, customer.CodeInvalid, "is not valid UTF-8")
		return field.Value{}
	}
	var v field.Value
	if err := json.Unmarshal(raw, &v); err != nil {
		r.add(name, customer.CodeInvalid, "is not a JSON value")
		return field.Value{}
	}
	if v.Bad {
		r.add(name, codeWrongType, "must be a string or a number, not an object or an array")
		return field.Value{}
	}
	return v
}

// object reads one of the request's objects: null is not sent, anything
// else but an object is the wrong type.
func (r *reader) object(name string, known []string, raw json.RawMessage) (Object, error) {
	t := bytes.TrimLeft(raw, jsonSpace)
	if string(t) == "null" {
		return nil, nil
	}
	if len(t) == 0 || t[0] != '{' {
		r.add(name, codeWrongType, "must be a JSON object")
		return nil, nil
	}
	obj := Object{}
	first := map[string]string{}
	err := r.fields(raw, func(key string, v json.RawMessage) error {
		n := strings.ToLower(key)
		if !slices.Contains(known, n) {
			return nil // unknown: dropped unread, and never quoted back
		}
		path := name + "." + n
		if prev, dup := first[n]; dup {
			r.twice(path, prev, key)
			return nil
		}
		first[n] = key
		if val := r.scalar(path, v); val.Set {
			obj[n] = val
		}
		return nil
	})
	return obj, err
}

func bodyError(reason string) error {
	return &customer.InputError{Problems: []customer.Problem{{Field: wBody, Code: customer.CodeInvalid, Reason: reason}}}
}

func jsonErrorKind(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	return "malformed JSON"
}
