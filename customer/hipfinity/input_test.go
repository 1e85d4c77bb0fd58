package hipfinity

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tonebase/tonebase/customer"
)

func TestReaders(t *testing.T) {
	parse := func(t *testing.T, body string) Input {
		t.Helper()
		in, err := ParseInput([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	for _, tc := range []struct {
		name, body string
		read       func(Input) any
		want       any
	}{
		{"customer fields by any case, trimmed; BillingAddress is line 1", `{"customernumber":" K ","BILLINGADDRESS":"1 Main","AccountType":"3"}`,
			func(in Input) any { return readCustomer(in) },
			customer.CustomerInput{Number: customer.Some("K"), Billing: customer.AddressInput{Line1: customer.Some("1 Main")},
				AccountType: customer.Some(int64(3))}},
		{"customer account type not a number", `{"AccountType":"x"}`,
			func(in Input) any { return readCustomer(in).Unread },
			[]customer.Problem{{Field: "AccountType", Code: customer.CodeInvalid, Reason: "must be a whole number from 0 to 99"}}},
		{"bank account kinds as Hipfinity numbers them", `{"PaymentType":"3","AccountType":"0"}`,
			func(in Input) any { r := readPayment(in, true); return []any{r.Kind, r.AccountKind} },
			[]any{customer.Some(customer.KindBank), customer.Some(customer.BankSavings)}},
		{"an unknown bank account kind is passed on as no kind", `{"AccountType":"7"}`,
			func(in Input) any { return readPayment(in, false).AccountKind },
			customer.Some(customer.BankAccountKind(0))},
		{"a create without PaymentType has the zero kind", `{}`,
			func(in Input) any { return readPayment(in, true).Kind }, customer.Some(customer.PaymentKind(0))},
		{"an update without PaymentType has none", `{"PaymentType":""}`,
			func(in Input) any { return readPayment(in, false).Kind }, customer.Opt[customer.PaymentKind]{}},
		{"a create of no known kind checks no object fields", `{"CardNumber":["4111"]}`,
			func(in Input) any { return readPayment(in, true).Unread }, []customer.Problem(nil)},
		{"a field sent as an object reads as empty, with a problem", `{"PaymentType":2,"CardNumber":["4111"]}`,
			func(in Input) any { r := readPayment(in, true); return []any{r.CardNumber, r.Unread} },
			[]any{customer.Some(""), []customer.Problem{{Field: "CardNumber", Code: codeNotScalar,
				Reason: "must be a string or a number, not an object or array"}}}},
		{"plan amounts in minor units, dates as days", `{"RecurringAmount":"0.10","EffectiveDate":"2/28/24","Unlimited":"1","PlanType":2}`,
			func(in Input) any {
				_, p := readPlan(in)
				return []any{p.Recurring, p.Start.V.Format("2006-01-02"), p.Unlimited, p.Kind}
			},
			[]any{customer.Some(int64(10)), "2024-02-28", customer.Some(true), customer.Some(customer.PlanInstallment)}},
		{"plan problems in the order fields are read", `{"EffectiveDate":"x","PaymentType":"9","Frequency":"7"}`,
			func(in Input) any {
				_, p := readPlan(in)
				var f []string
				for _, pr := range p.Unread {
					f = append(f, pr.Field)
				}
				return f
			}, []string{"PaymentType", "Frequency", "EffectiveDate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.read(parse(t, tc.body)); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestTranslate(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    dialect
		in   []customer.Problem
		want []Problem
	}{
		{"customer fields by wire name, in the wire's order",
			customerDialect(),
			[]customer.Problem{
				{Field: "AccountType", Code: customer.CodeInvalid, Reason: "must be a whole number from 0 to 99"},
				{Field: customer.FieldNumber, Code: customer.CodeRequired, Reason: "is required"},
				{Field: customer.AddressField(customer.SideShipping, customer.PartEmail), Code: customer.CodeInvalid, Reason: "is not an email address"},
				{Field: customer.AddressField(customer.SideBilling, customer.PartLine1), Code: customer.CodeTooLong, Reason: "longer than 100 characters"},
			},
			[]Problem{{"CustomerNumber", "is required"}, {"BillingAddress", "longer than 100 characters"},
				{"ShippingEmail", "is not an email address"}, {"AccountType", "must be a whole number from 0 to 99"}}},
		{"reasons that would name domain things are the wire's",
			paymentDialect(true),
			[]customer.Problem{
				{Field: customer.FieldBankAccount, Code: customer.CodeRequiredWithRouting, Reason: "is required with a new routing number"},
				{Field: customer.FieldKind, Code: customer.CodeRequired, Reason: "is required: card or bank account"},
			},
			[]Problem{{"PaymentType", "must be 2 (card) or 3 (bank account)"}, {"AccountNumber", "is required with a new RoutingNumber"}}},
		{"a bank account's fields in a bank account's order",
			paymentDialect(false),
			[]customer.Problem{
				{Field: customer.FieldBankRouting, Code: customer.CodeInvalid, Reason: "r"},
				{Field: customer.FieldCardNumber, Code: customer.CodeNotApplicable, Reason: "applies only to a card"},
			},
			[]Problem{{"CardNumber", "applies only to a card"}, {"RoutingNumber", "r"}}},
		{"plans keep the domain's order",
			planDialect(),
			[]customer.Problem{
				{Field: customer.FieldPlanStart, Code: customer.CodeRequired, Reason: "is required"},
				{Field: customer.FieldID, Code: customer.CodeAssigned, Reason: "is assigned by the server"},
			},
			[]Problem{{"EffectiveDate", "is required"}, {"RecurringId", "is assigned by the server; use PUT RecurringTrans/{id} to update"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.translate(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// FuzzParseInput: any body either parses into canonical field names only,
// or is refused with a reason that never quotes the body.
func FuzzParseInput(f *testing.F) {
	for _, s := range []string{`{"CardNumber":"4111111111111111","cvv":"123"}`, `{"a":{"b":1}}`, `[]`, `null`, `{"isprimary":true}`, `{`,
		`{"CustomerNumber":"a"}x`, `{"CustomerNumber":"a"} {}`, "{\"BillingCity\":\"Z\xffrich\"}", "{\"Billing\xffCity\":1}",
		`{"CardNumber":"4012888888881881","cardnumber":"5105105105105100"}`, `{"ExpDate":"1","ExpDate":"2"}`,
		`{"CustomerNumber":"base-1\u200b"}`, `{"CardNumber":"0000000000000000"}`, `{"Unlimited":1,"NumberOfPayments":12}`} {
		f.Add(s)
	}
	known := knownFields()
	f.Fuzz(func(t *testing.T, body string) {
		in, err := ParseInput([]byte(body))
		if err != nil {
			for _, p := range err.(*customer.InputError).Problems {
				if len(body) > 8 && strings.Contains(p.Reason, body) {
					t.Fatalf("the refusal quotes the body: %q", p.Reason)
				}
			}
			return
		}
		// What is accepted is one JSON value, as sent: nothing after it,
		// no byte replaced.
		if !json.Valid([]byte(body)) || !utf8.ValidString(body) {
			t.Fatalf("accepted a body with data after the object or invalid UTF-8: %q", body)
		}
		for name := range in {
			if known[strings.ToLower(name)] != name {
				t.Fatalf("field %q is not a canonical known name", name)
			}
		}
	})
}
