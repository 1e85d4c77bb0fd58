package payconnector

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Request
		wantErr string
	}{
		{"a card", `{"method":"Tokenize","transaction_id":" PA1 ","cardnumber":"4111111111111111","cvv":"123","expiry_month":"1","expiry_year":"2031","parameters":{"ref1":"123456","dbid":7}}`,
			Request{Method: "tokenize", TransactionID: "PA1", CardNumber: "4111111111111111", ExpiryMonth: "1", ExpiryYear: "2031", Parameters: map[string]string{"ref1": "123456", "dbid": "7"}}, ""},
		{"numbers as numbers", `{"method":"tokenize","transaction_id":42,"expiry_month":12,"expiry_year":31,"amount":12.5}`,
			Request{Method: "tokenize", TransactionID: "42", ExpiryMonth: "12", ExpiryYear: "31"}, ""},
		{"parameters as JSON text", `{"method":"tokenize","transaction_id":"x","parameters":"{\"ref1\":\"123456\"}"}`,
			Request{Method: "tokenize", TransactionID: "x", Parameters: map[string]string{"ref1": "123456"}}, ""},
		{"parameters as other text", `{"transaction_id":"x","parameters":"ref1=1"}`, Request{}, "parameters must be an object"},
		{"null parameters", `{"method":"charge","transaction_id":"x","parameters":null}`, Request{Method: "charge", TransactionID: "x"}, ""},
		{"not an object", `[1]`, Request{}, "JSON object"},
		{"a field as an object", `{"transaction_id":"x","cardnumber":{"a":1}}`, Request{}, "cardnumber must be text"},
		{"parameters as a list", `{"transaction_id":"x","parameters":[1]}`, Request{}, "parameters must be an object"},
		{"no transaction", `{"method":"tokenize"}`, Request{}, "transaction_id is required"},
		{"a long transaction", `{"transaction_id":"` + strings.Repeat("a", 129) + `"}`, Request{}, "longer than 128"},
		{"a transaction with a space", `{"transaction_id":"PA 1"}`, Request{}, "printable ASCII without spaces"},
		{"a transaction with a newline", `{"transaction_id":"PA\n1"}`, Request{}, "printable ASCII without spaces"},
		{"a transaction beyond ASCII", `{"transaction_id":"PAé1"}`, Request{}, "printable ASCII without spaces"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != tc.want.Method || got.TransactionID != tc.want.TransactionID || got.CardNumber != tc.want.CardNumber ||
				got.ExpiryMonth != tc.want.ExpiryMonth || got.ExpiryYear != tc.want.ExpiryYear || len(got.Parameters) != len(tc.want.Parameters) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for k, v := range tc.want.Parameters {
				if got.Parameters[k] != v {
					t.Fatalf("parameter %s = %q, want %q", k, got.Parameters[k], v)
				}
			}
		})
	}
	r := Request{ExpiryMonth: "3", ExpiryYear: "2031"}
	if e := r.expiry(); e != "0331" {
		t.Fatalf("expiry %q", e)
	}
}

// FuzzParse: any body parses or is refused, never panics, and what parses
// has a transaction id in bounds; an error never quotes the card number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"method":"tokenize","transaction_id":"PA1","cardnumber":"4111111111111111","cvv":"123","parameters":{"ref1":"1"}}`,
		`{"transaction_id":1e400}`, `{"parameters":{"a":null}}`, `null`, `{"cardnumber":"4111111111111111","transaction_id":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Parse(body)
		if err != nil {
			if strings.Contains(err.Error(), "4111111111111111") {
				t.Fatalf("the error quotes the card: %v", err)
			}
			return
		}
		if r.TransactionID == "" || len(r.TransactionID) > maxTransactionID {
			t.Fatalf("transaction id %q", r.TransactionID)
		}
		_ = r.expiry()
	})
}
