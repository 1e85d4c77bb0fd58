package customer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/customer/field"
)

// Input is a request body by field name. Names are matched ignoring case, as
// the .NET model binder the API's clients are written against does; fields
// the API does not define (CVV, track data, PIN blocks among them) are
// dropped on parsing and so can never be stored, logged or echoed.
type Input map[string]field.Value

// knownFields maps each field's lower-case name to its canonical name.
var knownFields = func() map[string]string {
	names := []string{"Id", "CustomerNumber", "AccountType", "CompanyId",
		"CustomerId", "PaymentType", "isPrimary", "CardNumber", "ExpDate", "FullName", "Address", "ZipCode",
		"Description", "RoutingNumber", "AccountNumber", "BankNumber", "CardType",
		"RecurringId", "Identification", "EffectiveDate", "Frequency", "NumberOfPayments", "PaymentInfo_Id",
		"InvoiceNumber", "PlanType", "Unlimited", "RecurringAmount", "TotalAmount", "SwipeFeeAmount", "SwipeFeeLabel"}
	for _, f := range addressFields {
		names = append(names, f.name)
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// ParseInput decodes a JSON object body into an Input.
func ParseInput(body []byte) (Input, error) {
	var raw map[string]field.Value
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		// The decoder's message can quote the body (a card number among
		// it), so only its kind is passed on.
		return nil, &InputError{Problems: []Problem{{Field: "body", Reason: "not a JSON object: " + jsonErrorKind(err)}}}
	}
	if raw == nil {
		return nil, &InputError{Problems: []Problem{{Field: "body", Reason: "a JSON object is required"}}}
	}
	in := Input{}
	for k, v := range raw {
		if name, ok := knownFields[strings.ToLower(k)]; ok {
			in[name] = v
		}
	}
	return in, nil
}

func jsonErrorKind(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("syntax error at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return "expected an object of fields"
	}
	return "malformed JSON"
}

// text returns a field's trimmed text and whether it was sent.
func (in Input) text(name string) (string, bool) {
	v, ok := in[name]
	if !ok || !v.Set {
		return "", false
	}
	return v.Trimmed(), true
}

// checkScalar records fields sent as objects or arrays.
func (in Input) checkScalar(p *problems) {
	for name, v := range in {
		if v.Bad {
			p.add(name, "must be a string or a number, not an object or array")
		}
	}
}
