package onepay

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tonebase/tonebase/customer"
)

func TestParseRequest(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []customer.Problem // nil: accepted
		check      func(t *testing.T, r Request)
	}{
		{"the three objects and client_ip", `{"client_ip":"203.0.113.7","customer":{"customer_id":"C1"},"card":{"number":4111111111111111}}`, nil,
			func(t *testing.T, r Request) {
				if r.ClientIP.Text != "203.0.113.7" || r.Customer[wCustomerID].Text != "C1" || r.Card[wNumber].Text != "4111111111111111" || r.Check != nil {
					t.Fatalf("read %+v", r)
				}
			}},
		{"names in any case", `{"Customer":{"Customer_ID":"C1","FIRST_NAME":"Ada"}}`, nil,
			func(t *testing.T, r Request) {
				if r.Customer[wCustomerID].Text != "C1" || r.Customer[wFirstName].Text != "Ada" {
					t.Fatalf("read %+v", r)
				}
			}},
		{"unknown fields are dropped", `{"customer":{"customer_id":"C1","cvv":"123"},"card":{"pin_block":"0412AC89ABCDEF67","ksn":"F","cvv2":"1"},"x":{"y":1}}`, nil,
			func(t *testing.T, r Request) {
				if len(r.Customer) != 1 || len(r.Card) != 0 {
					t.Fatalf("kept %+v", r)
				}
			}},
		{"null is not sent", `{"customer":{"customer_id":"C1","city":null},"card":null}`, nil,
			func(t *testing.T, r Request) {
				if _, ok := r.Customer[wCity]; ok || r.Card != nil {
					t.Fatalf("null kept: %+v", r)
				}
			}},
		{"booleans and numbers are text", `{"customer":{"email_receipt":true,"phone_number":2175550123}}`, nil,
			func(t *testing.T, r Request) {
				if r.Customer[wEmailReceipt].Text != "true" || r.Customer[wPhone].Text != "2175550123" {
					t.Fatalf("read %+v", r)
				}
			}},
		{"whitespace after the object", "{\"customer\":{}} \r\n\t", nil, nil},
		{"empty", ``, []customer.Problem{{Field: wBody, Code: customer.CodeInvalid, Reason: "is not JSON: malformed JSON"}}, nil},
		{"cut short", `{"customer":{"customer_id":"C1"}`, []customer.Problem{{Field: wBody, Code: customer.CodeInvalid, Reason: "is not JSON: malformed JSON"}}, nil},
		{"a syntax error", `{"customer":{"customer_id" "C1"}}`, []customer.Problem{{Field: wBody, Code: customer.CodeInvalid, Reason: "is not JSON: syntax error at byte 28"}}, nil},
		{"data after the object", `{"customer":{}}x`, []customer.Problem{{Field: wBody, Code: customer.CodeInvalid,
			Reason: "has data after the JSON object, at byte 15: send one object"}}, nil},
		{"a vertical tab after the object", "{\"customer\":{}}\v", []customer.Problem{{Field: wBody, Code: customer.CodeInvalid,
			Reason: "has data after the JSON object, at byte 15: send one object"}}, nil},
		{"an array", `[{}]`, []customer.Problem{{Field: wBody, Code: customer.CodeInvalid, Reason: "must be a JSON object"}}, nil},
		{"a string", `"customer"`, []customer.Problem{{Field: wBody, Code: customer.CodeInvalid, Reason: "must be a JSON object"}}, nil},
		{"an object of the wrong type", `{"customer":"C1","card":[1],"check":true}`, []customer.Problem{
			{Field: wCustomer, Code: codeWrongType, Reason: "must be a JSON object"},
			{Field: wCard, Code: codeWrongType, Reason: "must be a JSON object"},
			{Field: wCheck, Code: codeWrongType, Reason: "must be a JSON object"}}, nil},
		{"a field of the wrong type", `{"customer":{"city":["x"]},"client_ip":{}}`, []customer.Problem{
			{Field: "customer.city", Code: codeWrongType, Reason: "must be a string or a number, not an object or an array"},
			{Field: wClientIP, Code: codeWrongType, Reason: "must be a string or a number, not an object or an array"}}, nil},
		{"an object sent twice", `{"card":{},"CARD":{}}`, []customer.Problem{{Field: wCard, Code: codeTwice,
			Reason: `is sent twice, as "card" and "CARD"; send it once`}}, nil},
		{"a field sent twice", `{"card":{"number":"4111111111111111","Number":"5555555555554444"}}`, []customer.Problem{{Field: "card.number", Code: codeTwice,
			Reason: `is sent twice, as "number" and "Number"; send it once`}}, nil},
		{"invalid UTF-8 in a known value", "{\"customer\":{\"city\":\"Z\xffrich\"}}", []customer.Problem{{Field: "customer.city", Code: customer.CodeInvalid,
			Reason: "is not valid UTF-8"}}, nil},
		{"invalid UTF-8 in a key", "{\"customer\":{\"ci\xfft\":\"x\"}}", []customer.Problem{{Field: wBody, Code: customer.CodeInvalid,
			Reason: "is not valid UTF-8, at byte 16"}}, nil},
		{"escaped U+FFFD is text", `{"customer":{"city":"\ufffd"}}`, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRequest([]byte(tc.body))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tc.check != nil {
					tc.check(t, r)
				}
				return
			}
			var ie *customer.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if !reflect.DeepEqual(ie.Problems, tc.want) {
				t.Fatalf("problems =\n%+v\nwant\n%+v", ie.Problems, tc.want)
			}
		})
	}
}

// FuzzParseRequest: the decoder never panics; it accepts only a JSON
// object of valid UTF-8 that encoding/json accepts too; a refusal names
// fields the wire defines and quotes nothing of the body; what it keeps is
// valid UTF-8; and an accepted request reads without panicking.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"client_ip":"203.0.113.7","customer":{"customer_id":"AUTO","first_name":"Ada","action_code":"1"},"card":{"number":"4111111111111111","expiration_date":"1228","code":"123"}}`,
		`{"customer":{"customer_id":"C1","action_code":4},"check":{"token":"1234567890121111"}}`,
		`{"customer":{"customer_id":"C1"},"check":{"aba_code":"021000021","account_number":"12345678","account_type":"1","sec_code":"2"}}`,
		`{"customer":{"customer_id":"C1"},"card":{"track_data":";4111111111111111=30121010000000000000?"}}`,
		`{"card":{},"CARD":{}}`, `{"customer":"x"}`, "{\"customer\":{\"city\":\"\xff\"}}", `[]`, `{}x`, ``,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body)
		if err != nil {
			var ie *customer.InputError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("not an InputError with problems: %v", err)
			}
			for _, p := range ie.Problems {
				if !knownField(p.Field) {
					t.Fatalf("problem names %q, no field of the wire", p.Field)
				}
				if len(body) >= 8 && strings.Contains(p.Reason, string(body)) {
					t.Fatalf("reason %q quotes the body", p.Reason)
				}
			}
			return
		}
		var v map[string]any
		if !utf8.Valid(body) || json.Unmarshal(body, &v) != nil || v == nil {
			t.Fatalf("accepted what is not one JSON object of valid UTF-8: %q", body)
		}
		for _, obj := range []Object{r.Customer, r.Card, r.Check} {
			for k, val := range obj {
				if !utf8.ValidString(val.Text) || val.Bad || !val.Set || strings.ToLower(k) != k {
					t.Fatalf("kept %q = %+v", k, val)
				}
			}
		}
		_, _ = read(r, now)
	})
}

// knownField reports whether name is a field, object or body of the wire.
func knownField(name string) bool {
	if name == wBody || name == wClientIP {
		return true
	}
	object, f, nested := strings.Cut(name, ".")
	fields, ok := objects()[object]
	if !nested {
		return ok
	}
	return slices.Contains(fields, f)
}
