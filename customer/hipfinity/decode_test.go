package hipfinity

import (
	"reflect"
	"testing"

	"github.com/tonebase/tonebase/customer"
)

func TestParseInputStrict(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []customer.Problem // nil: accepted
	}{
		{"whitespace after the object", "{\"CustomerNumber\":\"a\"} \r\n\t", nil},
		{"data after the object", `{"CustomerNumber":"a"}x`,
			[]customer.Problem{{Field: "body", Code: customer.CodeInvalid, Reason: "data after the JSON object, at byte 22: send one object"}}},
		{"a second object", `{"CustomerNumber":"a"} {"CustomerNumber":"b"}`,
			[]customer.Problem{{Field: "body", Code: customer.CodeInvalid, Reason: "data after the JSON object, at byte 23: send one object"}}},
		{"invalid UTF-8 in a known value", "{\"BillingCity\":\"Z\xffrich\"}",
			[]customer.Problem{{Field: "BillingCity", Code: customer.CodeInvalid, Reason: "is not valid UTF-8"}}},
		{"invalid UTF-8 in a key", "{\"Billing\xffCity\":\"x\"}",
			[]customer.Problem{{Field: "body", Code: customer.CodeInvalid, Reason: "is not valid UTF-8, at byte 9"}}},
		{"invalid UTF-8 in an unknown value", "{\"cvv\":\"\xc3\"}",
			[]customer.Problem{{Field: "body", Code: customer.CodeInvalid, Reason: "is not valid UTF-8, at byte 8"}}},
		{"escaped U+FFFD is text", `{"BillingCity":"\ufffd"}`, nil},
		{"keys equal ignoring case", `{"CardNumber":"4012888888881881","cardnumber":"5105105105105100"}`,
			[]customer.Problem{{Field: "CardNumber", Code: customer.CodeMismatch, Reason: `is sent twice, as "CardNumber" and "cardnumber"; send it once`}}},
		{"the same key twice", `{"ExpDate":"1230","ExpDate":"1231"}`,
			[]customer.Problem{{Field: "ExpDate", Code: customer.CodeMismatch, Reason: `is sent twice, as "ExpDate" and "ExpDate"; send it once`}}},
		{"every duplicate is listed", `{"isprimary":true,"ISPRIMARY":false,"Id":"a","ID":"b","id":"c"}`,
			[]customer.Problem{
				{Field: "isPrimary", Code: customer.CodeMismatch, Reason: `is sent twice, as "isprimary" and "ISPRIMARY"; send it once`},
				{Field: "Id", Code: customer.CodeMismatch, Reason: `is sent twice, as "Id" and "ID"; send it once`},
				{Field: "Id", Code: customer.CodeMismatch, Reason: `is sent twice, as "Id" and "id"; send it once`}}},
		{"unknown keys twice are dropped, not checked", `{"cvv":"1","CVV":"2"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseInput([]byte(tc.body))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ie, ok := err.(*customer.InputError)
			if !ok {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if !reflect.DeepEqual(ie.Problems, tc.want) {
				t.Fatalf("problems =\n%+v\nwant\n%+v", ie.Problems, tc.want)
			}
		})
	}
}
