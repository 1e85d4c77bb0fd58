package onepay

import (
	"strings"
	"testing"
)

// TestRules: each validation rule, one request each, answered with
// result_code 3, the sub code, and the field named first; nothing is
// written by a refused request.
func TestRules(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ok(tenantA, `{"customer":{"customer_id":"R1","first_name":"A","last_name":"B","action_code":"1"}}`)
	e.ok(tenantA, `{"customer":{"customer_id":"R-IN","first_name":"A","last_name":"B","country":"India","action_code":"1"}}`)
	long := func(n int) string { return strings.Repeat("x", n) }
	cust := func(fields string) string {
		return `{"customer":{"customer_id":"R1","action_code":"1"` + fields + `}}`
	}
	card := func(fields string) string { return `{"customer":{"customer_id":"R1"},"card":{` + fields + `}}` }
	check := func(fields string) string { return `{"customer":{"customer_id":"R1"},"check":{` + fields + `}}` }
	const visa, exp = `"number":"4111111111111111"`, `"expiration_date":"1228"`
	const aba, acct = `"aba_code":"021000021"`, `"account_number":"12345678"`
	for _, tc := range []struct {
		name, body, field, sub string
	}{
		{"empty body", ``, "body", subMalformed},
		{"an array", `[{"customer":{"customer_id":"R1"}}]`, "body", subMalformed},
		{"data after the object", cust(``) + `{}`, "body", subMalformed},
		{"invalid UTF-8 in a value", "{\"customer\":{\"customer_id\":\"R1\",\"city\":\"Z\xffrich\"}}", "customer.city", subInvalid},
		{"invalid UTF-8 in an unknown field", "{\"customer\":{\"customer_id\":\"R1\",\"x\":\"\xff\"}}", "body", subMalformed},
		{"customer sent twice", `{"customer":{"customer_id":"R1"},"Customer":{"customer_id":"R2"}}`, "customer", subMalformed},
		{"customer is not an object", `{"customer":["R1"]}`, "customer", subWrongType},
		{"a field is an object", cust(`,"city":{"name":"x"}`), "customer.city", subWrongType},
		{"no customer", `{"card":{` + visa + `,` + exp + `}}`, "customer.customer_id", subRequired},
		{"no customer_id", `{"customer":{"first_name":"A"}}`, "customer.customer_id", subRequired},
		{"customer_id too long", `{"customer":{"customer_id":"` + long(51) + `","action_code":"1"}}`, "customer.customer_id", subTooLong},
		{"customer_id with a space", `{"customer":{"customer_id":"R 1","action_code":"1"}}`, "customer.customer_id", subInvalid},
		{"AUTO without an action code", `{"customer":{"customer_id":"AUTO"}}`, "customer.customer_id", subInvalid},
		{"AUTO with action 4", `{"customer":{"customer_id":"AUTO","action_code":"4"},"card":{"token":"1234567890121111"}}`, "customer.customer_id", subInvalid},
		{"action code 5", `{"customer":{"customer_id":"R1","action_code":"5"}}`, "customer.action_code", subActionCode},
		{"action code 0", `{"customer":{"customer_id":"R1","action_code":"0"}}`, "customer.action_code", subActionCode},
		{"first name too long", cust(`,"first_name":"` + long(51) + `"`), "customer.first_name", subTooLong},
		{"last name too long", cust(`,"last_name":"` + long(51) + `"`), "customer.last_name", subTooLong},
		{"street 1 too long", cust(`,"street_1":"` + long(51) + `"`), "customer.street_1", subTooLong},
		{"street 2 too long", cust(`,"street_2":"` + long(51) + `"`), "customer.street_2", subTooLong},
		{"city too long", cust(`,"city":"` + long(51) + `"`), "customer.city", subTooLong},
		{"state too long", cust(`,"state":"` + long(51) + `"`), "customer.state", subTooLong},
		{"country too long", cust(`,"country":"` + long(51) + `"`), "customer.country", subTooLong},
		{"company too long", cust(`,"company":"` + long(51) + `"`), "customer.company", subTooLong},
		{"notes too long", cust(`,"notes":"` + long(256) + `"`), "customer.notes", subTooLong},
		{"client_ip too long", `{"client_ip":"` + long(46) + `","customer":{"customer_id":"R1"}}`, "client_ip", subTooLong},
		{"client_ip not an address", `{"client_ip":"localhost","customer":{"customer_id":"R1"}}`, "client_ip", subInvalid},
		{"email without @", cust(`,"email":"ada.example.com"`), "customer.email", subInvalid},
		{"email without a domain dot", cust(`,"email":"ada@example"`), "customer.email", subInvalid},
		{"email_receipt not a boolean", cust(`,"email_receipt":"yes"`), "customer.email_receipt", subInvalid},
		{"a control character", cust(`,"city":"Spring\tfield"`), "customer.city", subInvalid},
		{"a zero-width space in customer_id", `{"customer":{"customer_id":"R1\u200b","action_code":"1"}}`, "customer.customer_id", subInvalid},
		{"US zip of 4 digits", cust(`,"zip":"1234"`), "customer.zip", subInvalid},
		{"US zip of letters", cust(`,"zip":"ABCDE"`), "customer.zip", subInvalid},
		{"US phone of 9 digits", cust(`,"phone_number":"555012345"`), "customer.phone_number", subInvalid},
		{"US phone with dashes", cust(`,"phone_number":"217-555-0123"`), "customer.phone_number", subInvalid},
		{"US by name", cust(`,"country":"United States","zip":"560001"`), "customer.zip", subInvalid},
		{"zip abroad too long", `{"customer":{"customer_id":"R-IN","zip":"` + long(11) + `","action_code":"1"}}`, "customer.zip", subTooLong},
		{"phone abroad too long", `{"customer":{"customer_id":"R-IN","phone_number":"` + long(21) + `","action_code":"1"}}`, "customer.phone_number", subTooLong},
		{"names of a new customer", `{"customer":{"customer_id":"R-NEW","last_name":"B","action_code":"3"}}`, "customer.first_name", subRequired},
		{"no customer for the id", `{"customer":{"customer_id":"NOBODY"},"card":{` + visa + `,` + exp + `}}`, "customer.customer_id", subNoCustomer},
		{"card and check", `{"customer":{"customer_id":"R1"},"card":{` + visa + `,` + exp + `},"check":{` + aba + `,` + acct + `}}`, "check", subCardAndCheck},
		{"card without number", card(exp), "card.number", subRequired},
		{"card number of 12 digits", card(`"number":"411111111111",` + exp), "card.number", subCardNumber},
		{"card number failing Luhn", card(`"number":"4111111111111112",` + exp), "card.number", subCardNumber},
		{"card number of no brand", card(`"number":"9000000000000001",` + exp), "card.number", subCardNumber},
		{"card number all zeros", card(`"number":"0000000000000000",` + exp), "card.number", subCardNumber},
		{"card code of 2 digits", card(visa + `,"code":"12",` + exp), "card.code", subCardCode},
		{"Visa code of 4 digits", card(visa + `,"code":"1234",` + exp), "card.code", subCardCode},
		{"Amex code of 3 digits", card(`"number":"378282246310005","code":"123",` + exp), "card.code", subCardCode},
		{"card code with a letter", card(visa + `,"code":"12a",` + exp), "card.code", subCardCode},
		{"no expiration", card(visa), "card.expiration_date", subExpiration},
		{"expiration month 13", card(visa + `,"expiration_date":"1328"`), "card.expiration_date", subExpiration},
		{"expiration past", card(visa + `,"expiration_date":"1126"`), "card.expiration_date", subExpiration},
		{"track 1 data", card(`"track_data":"%B4111111111111111^SMIRES/THAMI^30121010000000000000?"`), "card.track_data", subTrackData},
		{"encrypted track data", card(`"track_data":"02A3008801C0000000000A6BF6A1A7D2B9E6F"`), "card.track_data", subTrackData},
		{"track 2 of another card", card(visa + `,"track_data":";5555555555554444=30121010000000000000?"`), "card.track_data", subTrackData},
		{"card action code 2", card(visa + `,` + exp + `,"action_code":"2"`), "card.action_code", subActionCode},
		{"card token of no card", card(`"token":"1234567890121111"`), "card.token", subUnknownToken},
		{"card token of the wrong shape", card(`"token":"tok_1"`), "card.token", subUnknownToken},
		{"check without routing", check(acct), "check.aba_code", subRequired},
		{"check routing failing the checksum", check(`"aba_code":"123654789",` + acct), "check.aba_code", subRouting},
		{"check routing of 8 digits", check(`"aba_code":"02100002",` + acct), "check.aba_code", subRouting},
		{"check without account", check(aba), "check.account_number", subRequired},
		{"check account of 7 digits", check(aba + `,"account_number":"1234567"`), "check.account_number", subAccountNumber},
		{"check account of 16 digits", check(aba + `,"account_number":"1234567890123456"`), "check.account_number", subAccountNumber},
		{"check account type 3", check(aba + `,` + acct + `,"account_type":"3"`), "check.account_type", subInvalid},
		{"check number of 5 digits", check(aba + `,` + acct + `,"check_number":"12345"`), "check.check_number", subInvalid},
		{"sec code 6", check(aba + `,` + acct + `,"sec_code":"6"`), "check.sec_code", subInvalid},
		{"sec code by name", check(aba + `,` + acct + `,"sec_code":"PPD"`), "check.sec_code", subInvalid},
		{"bank name too long", check(aba + `,` + acct + `,"bank_name":"` + long(101) + `"`), "check.bank_name", subTooLong},
		{"delete without a token", `{"customer":{"customer_id":"R1","action_code":"4"},"card":{}}`, "card.token", subRequired},
		{"delete without a card or check", `{"customer":{"customer_id":"R1","action_code":"4"}}`, "card.token", subRequired},
		{"delete for no customer", `{"customer":{"customer_id":"NOBODY","action_code":"4"},"check":{"token":"1234567890121111"}}`, "customer.customer_id", subNoCustomer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := e.post(tenantA, tc.body)
			st := out.Status
			if st.ResultCode != resultError || st.ResultSubCode != tc.sub || len(st.Errors) == 0 || st.Errors[0].Field != tc.field {
				t.Fatalf("got %+v; want sub %s on %s", st, tc.sub, tc.field)
			}
			if st.Token != "" || !strings.HasPrefix(st.ResultText, tc.field+": ") {
				t.Fatalf("result_text %q does not name %s first, or a token was answered", st.ResultText, tc.field)
			}
		})
	}
	// None of the refusals wrote anything: R1 is as it was made.
	out := e.ok(tenantA, `{"customer":{"customer_id":"R1"}}`)
	if c := out.Customer; c.FirstName != "A" || c.City != "" || c.Zip != "" || c.Email != "" {
		t.Fatalf("a refused request changed R1: %+v", c)
	}
	var methods []map[string]any
	var found []struct{ Id string }
	e.get(tenantA, "/apis/api/Customers/GetCustomers?CustomerNumber=R1", &found)
	e.get(tenantA, "/apis/api/PaymentDetails/GetPayments?CustomerId="+found[0].Id, &methods)
	if len(methods) != 0 {
		t.Fatalf("a refused request stored a method: %v", methods)
	}
}

// TestStoredFieldsOfOtherAPIsAreNotChecked: only the fields a request
// sends are checked, so a zip another API stored does not fail an update
// of the email here, and a zip sent here is judged by the stored country.
func TestStoredFieldsOfOtherAPIsAreNotChecked(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ok(tenantA, `{"customer":{"customer_id":"S1","first_name":"A","last_name":"B","country":"IN","zip":"560001","phone_number":"+91 80 4123 4567","action_code":"1"}}`)
	e.ok(tenantA, `{"customer":{"customer_id":"S1","email":"a@example.com","action_code":"1"}}`)
	e.ok(tenantA, `{"customer":{"customer_id":"S1","zip":"560002","action_code":"1"}}`)
	// Moving the customer to the US does not judge the stored zip; a zip
	// sent with it is judged by the US rule.
	e.ok(tenantA, `{"customer":{"customer_id":"S1","country":"US","action_code":"1"}}`)
	if out := e.post(tenantA, `{"customer":{"customer_id":"S1","zip":"560003","action_code":"1"}}`); out.Status.ResultSubCode != subInvalid {
		t.Fatalf("a six-digit zip in the US: %+v", out.Status)
	}
}
