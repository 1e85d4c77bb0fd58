package hipfinity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// fieldBody names problems with the body as a whole.
const fieldBody = "body"

// ParseInput decodes a JSON object body into an Input. It is strict where
// encoding/json is lenient, because each leniency stores something other
// than what was sent: data after the object is refused (as the upload API
// does), invalid UTF-8 is refused rather than stored as U+FFFD, and two
// keys equal ignoring case are refused rather than one of them winning (the
// binder matches names ignoring case, so which one would be arbitrary).
func ParseInput(body []byte) (Input, error) {
	var raw map[string]field.Value
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		// The decoder's message can quote the body (a card number among
		// it), so only its kind is passed on.
		return nil, bodyError("not a JSON object: " + jsonErrorKind(err))
	}
	if raw == nil {
		return nil, bodyError("a JSON object is required")
	}
	if at, more := field.DataAfter(body, dec.InputOffset()); more {
		return nil, bodyError(fmt.Sprintf("data after the JSON object, at byte %d: send one object", at))
	}
	return readObject(body)
}

// readObject reads the fields of a body already known to be one JSON
// object, in the order sent, keeping the known ones and listing every
// known field sent twice and every known value that is not valid UTF-8.
func readObject(body []byte) (Input, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil, bodyError("not a JSON object: " + jsonErrorKind(err))
	}
	known := knownFields()
	in := Input{}
	first := map[string]string{} // canonical name → the key as first sent
	var ps []customer.Problem
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bodyError("not a JSON object: " + jsonErrorKind(err))
		}
		key, _ := tok.(string)
		var rawValue json.RawMessage
		if err := dec.Decode(&rawValue); err != nil {
			return nil, bodyError("not a JSON object: " + jsonErrorKind(err))
		}
		// Unknown fields are dropped unread, so they are not checked: and
		// a key is not quoted back unless it is a known name.
		name, ok := known[strings.ToLower(key)]
		if !ok {
			continue
		}
		if prev, dup := first[name]; dup {
			ps = append(ps, customer.Problem{Field: name, Code: customer.CodeMismatch,
				Reason: fmt.Sprintf("is sent twice, as %q and %q; send it once", prev, key)})
			continue
		}
		first[name] = key
		if !utf8.Valid(rawValue) {
			ps = append(ps, customer.Problem{Field: name, Code: customer.CodeInvalid, Reason: "is not valid UTF-8"})
			continue
		}
		var v field.Value
		if err := json.Unmarshal(rawValue, &v); err != nil {
			return nil, bodyError("not a JSON object: " + jsonErrorKind(err))
		}
		in[name] = v
	}
	if len(ps) == 0 && !utf8.Valid(body) { // in a key or an unknown field: no known field to name
		ps = append(ps, customer.Problem{Field: fieldBody, Code: customer.CodeInvalid,
			Reason: fmt.Sprintf("is not valid UTF-8, at byte %d", field.InvalidUTF8At(body))})
	}
	if len(ps) > 0 {
		return nil, &customer.InputError{Problems: ps}
	}
	return in, nil
}

func bodyError(reason string) error {
	return &customer.InputError{Problems: []customer.Problem{{Field: fieldBody, Code: customer.CodeInvalid, Reason: reason}}}
}

func jsonErrorKind(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return "expected an object of fields"
	}
	return "malformed JSON"
}
