package onepay

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/hipfinity"
)

// TestCrossAPI: a customer and card stored here are the Hipfinity API's
// customer and PaymentDetails method, and a card stored there is usable
// here by its token.
func TestCrossAPI(t *testing.T) {
	e := newEnv(t, envOpts{})
	here := e.ok(tenantA, `{"customer":{"customer_id":"X-100","first_name":"Kanishk","last_name":"Singh","email":"ks@example.com",`+
		`"city":"Bengaluru","state":"Karnataka","zip":"560001","country":"IN","action_code":"1"},`+
		`"card":{"number":"4111111111111111","expiration_date":"1228","code":"123"}}`)

	var found []hipfinity.Customer
	e.get(tenantA, "/apis/api/Customers/GetCustomers?CustomerNumber=X-100", &found)
	if len(found) != 1 || found[0].BillingFirstName != "Kanishk" || found[0].BillingLastName != "Singh" ||
		found[0].BillingZipCode != "560001" || found[0].CompanyID != 1001 {
		t.Fatalf("GetCustomers = %+v", found)
	}
	custID := found[0].ID
	var methods []hipfinity.PaymentItem
	e.get(tenantA, "/apis/api/PaymentDetails/GetPayments?CustomerId="+custID, &methods)
	if len(methods) != 1 || *methods[0].CardNumber != "411111xxxx1111" || methods[0].Token != here.Status.Token || !methods[0].IsPrimary {
		t.Fatalf("GetPayments = %+v; token here %s", methods, here.Status.Token)
	}

	t.Run("a stored field this API took does not fail a Hipfinity update of another", func(t *testing.T) {
		if r := e.do("PUT", "/apis/api/Customers/"+custID, tenantA, `{"BillingEmail":"kanishk@example.com"}`); r.status != 200 {
			t.Fatalf("Hipfinity update: %d %s", r.status, r.body)
		}
		var c hipfinity.Customer
		e.get(tenantA, "/apis/api/Customers/GetCustomerInfo/"+custID, &c)
		if c.BillingEmail != "kanishk@example.com" || c.BillingZipCode != "560001" || c.BillingState != "Karnataka" {
			t.Fatalf("after the update: %+v", c)
		}
	})

	t.Run("a card added through Hipfinity is usable here by its token", func(t *testing.T) {
		r := e.do("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+custID+`","PaymentType":"2",`+
			`"CardNumber":"5555555555554444","ExpDate":"1129"}`)
		if r.status != 200 {
			t.Fatalf("Hipfinity card: %d %s", r.status, r.body)
		}
		id := strings.Trim(strings.SplitN(string(r.body), `"StatusText":"`, 2)[1], `"}`)
		var info hipfinity.CardInfo
		e.get(tenantA, "/apis/api/PaymentDetails/GetPaymentInfo/"+id, &info)
		if len(info.Token) != 16 || !strings.HasSuffix(info.Token, "4444") || field.Luhn(info.Token) {
			t.Fatalf("GetPaymentInfo token %q", info.Token)
		}
		out := e.ok(tenantA, `{"customer":{"customer_id":"X-100"},"card":{"token":"`+info.Token+`","action_code":"1"}}`)
		if out.Status.Token != info.Token || out.Status.AccountType != "MC" || out.Status.AccountLast4 != "4444" || out.Status.ExpirationDate != "1129" {
			t.Fatalf("by token: %+v", out.Status)
		}
		e.get(tenantA, "/apis/api/PaymentDetails/GetPaymentInfo/"+id, &info)
		if !info.IsPrimary {
			t.Fatal("action_code 1 did not make the Hipfinity card the primary")
		}

		// A Hipfinity update of the number gives the method a new token;
		// the old one names nothing any more.
		if r := e.do("PUT", "/apis/api/PaymentDetails/"+id, tenantA, `{"CardNumber":"378282246310005","ExpDate":"1129"}`); r.status != 200 {
			t.Fatalf("Hipfinity number update: %d %s", r.status, r.body)
		}
		var after hipfinity.CardInfo
		e.get(tenantA, "/apis/api/PaymentDetails/GetPaymentInfo/"+id, &after)
		if after.Token == info.Token || !strings.HasSuffix(after.Token, "0005") {
			t.Fatalf("token after a new number: %s (was %s)", after.Token, info.Token)
		}
		old := e.post(tenantA, `{"customer":{"customer_id":"X-100"},"card":{"token":"`+info.Token+`","action_code":"1"}}`)
		if old.Status.ResultSubCode != subUnknownToken {
			t.Fatalf("the old token: %+v", old.Status)
		}
		if out := e.ok(tenantA, `{"customer":{"customer_id":"X-100"},"card":{"token":"`+after.Token+`"}}`); out.Status.AccountType != "AX" {
			t.Fatalf("the new token: %+v", out.Status)
		}
	})

	t.Run("a card of another brand stored through Hipfinity answers OT", func(t *testing.T) {
		r := e.do("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+custID+`","PaymentType":"2",`+
			`"CardNumber":"9000000000000001","ExpDate":"1129"}`)
		if r.status != 200 {
			t.Fatalf("Hipfinity card: %d %s", r.status, r.body)
		}
		id := strings.Trim(strings.SplitN(string(r.body), `"StatusText":"`, 2)[1], `"}`)
		var info hipfinity.CardInfo
		e.get(tenantA, "/apis/api/PaymentDetails/GetPaymentInfo/"+id, &info)
		out := e.ok(tenantA, `{"customer":{"customer_id":"X-100"},"card":{"token":"`+info.Token+`"}}`)
		if out.Status.AccountType != "OT" || out.Status.AccountLast4 != "0001" {
			t.Fatalf("other brand: %+v", out.Status)
		}
	})

	t.Run("a check stored here is a Hipfinity bank account, its kind mapped", func(t *testing.T) {
		out := e.ok(tenantA, `{"customer":{"customer_id":"X-100"},"check":{"aba_code":"021000021","account_number":"123456789","account_type":"0","sec_code":"1"}}`)
		var banks []hipfinity.PaymentItem
		e.get(tenantA, "/apis/api/PaymentDetails/GetPayments?CustomerId="+custID+"&PaymentType=3", &banks)
		// OnePay's 0 is checking; Hipfinity numbers checking 1.
		if len(banks) != 1 || *banks[0].AccountType != "1" || *banks[0].AccountNumber != "xxxx6789" || banks[0].Token != out.Status.Token ||
			out.Status.AccountType != "CHECKING" {
			t.Fatalf("GetPayments = %+v; answer %+v", banks, out.Status)
		}
	})
}

// TestAutoIDsFollowMerchantIDs: AUTO numbers skip a number a merchant gave
// a customer through the Hipfinity API.
func TestAutoIDsFollowMerchantIDs(t *testing.T) {
	e := newEnv(t, envOpts{})
	if r := e.do("POST", "/apis/api/Customers", tenantA, `{"CustomerNumber":"100000"}`); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for _, want := range []string{"100001", "100002"} {
		out := e.ok(tenantA, `{"customer":{"customer_id":"AUTO","first_name":"A","last_name":"B","action_code":"3"}}`)
		if out.Customer.CustomerID != want {
			t.Fatalf("AUTO = %s, want %s", out.Customer.CustomerID, want)
		}
	}
	if out := e.ok(tenantB, `{"customer":{"customer_id":"auto","first_name":"A","last_name":"B","action_code":"1"}}`); out.Customer.CustomerID != "100000" {
		t.Fatalf("another client's first AUTO = %s", out.Customer.CustomerID)
	}
}

// TestNoVault: without a master key customers are stored and cards refused.
func TestNoVault(t *testing.T) {
	e := newEnv(t, envOpts{noVault: true})
	e.ok(tenantA, `{"customer":{"customer_id":"NV","first_name":"A","last_name":"B","action_code":"1"}}`)
	out := e.post(tenantA, `{"customer":{"customer_id":"NV"},"card":{"number":"4111111111111111","expiration_date":"1228"}}`)
	if out.Status.ResultCode != resultError || out.Status.ResultSubCode != subNoVault || out.Customer.CustomerID != "NV" {
		t.Fatalf("card without a vault: %+v", out)
	}
}

// TestCrossAPIReceivePay: a customer stored here is ReceivePay's customer,
// found there by its customer_id as internal_id, and read there by its
// integer id with the same names; an update here is seen there.
func TestCrossAPIReceivePay(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ok(tenantA, `{"customer":{"customer_id":"RP-7","first_name":"Priya","last_name":"Raman","email":"pr@example.com",`+
		`"city":"Chennai","country":"IN","action_code":"1"}}`)
	rp := func(typ, inner string) string {
		t.Helper()
		r := e.do("POST", "/api", "", `<?xml version="1.0" encoding="UTF-8"?><request><authentication><api_id>keyA</api_id>`+
			`<secret_key>secretA</secret_key></authentication><type>`+typ+`</type>`+inner+`</request>`)
		if r.status != 200 || !strings.Contains(string(r.body), "<response>") {
			t.Fatalf("ReceivePay %s: %d %s", typ, r.status, r.body)
		}
		return string(r.body)
	}
	list := rp("GetCustomers", "<internal_id>RP-7</internal_id>")
	id := xmlTag(list, "id")
	if xmlTag(list, "total_results") != "1" || id == "" {
		t.Fatalf("GetCustomers by internal_id:\n%s", list)
	}
	if n, err := strconv.Atoi(id); err != nil || n < 1000 {
		t.Fatalf("ReceivePay's id %q is not its per-client integer", id)
	}
	got := rp("GetCustomer", "<customer_id>"+id+"</customer_id>")
	for tag, want := range map[string]string{"internal_id": "RP-7", "first_name": "Priya", "last_name": "Raman",
		"email": "pr@example.com", "city": "Chennai", "country": "IN"} {
		if v := xmlTag(got, tag); v != want {
			t.Errorf("GetCustomer %s = %q, want %q", tag, v, want)
		}
	}
	e.ok(tenantA, `{"customer":{"customer_id":"RP-7","last_name":"Raman-Iyer","action_code":"1"}}`)
	if v := xmlTag(rp("GetCustomer", "<customer_id>"+id+"</customer_id>"), "last_name"); v != "Raman-Iyer" {
		t.Fatalf("after an update here, ReceivePay's last_name = %q", v)
	}
	// Another client's ReceivePay credentials do not reach the customer.
	r := e.do("POST", "/api", "", `<request><authentication><api_id>keyB</api_id><secret_key>secretB</secret_key>`+
		`</authentication><type>GetCustomer</type><customer_id>`+id+`</customer_id></request>`)
	if strings.Contains(string(r.body), "Priya") {
		t.Fatalf("another client read the customer: %s", r.body)
	}
}

// xmlTag is the text of the first element named name in an XML answer.
func xmlTag(body, name string) string {
	_, after, ok := strings.Cut(body, "<"+name+">")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, "</"+name+">")
	return v
}
