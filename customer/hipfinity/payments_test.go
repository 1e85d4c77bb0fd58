package hipfinity

import (
	"strings"
	"sync"
	"testing"
)

func primaryOf(e *env, tenant, customerID, typ string) string {
	e.t.Helper()
	var id string
	e.expect(200, "GET", "/apis/api/PaymentDetails/GetPrimary?CustomerId="+customerID+"&PaymentType="+typ, tenant, nil).decode(e.t, &id)
	return id
}

func TestPaymentsE2E(t *testing.T) {
	e := newEnv(t, envOpts{})
	cust := e.customer(tenantA, "C1")
	// The API's sample card request, CVV added.
	first := e.ok("POST", "/apis/api/PaymentDetails", tenantA, `{"isPrimary":false,"ExpDate":"1230","Address":"Adress1",
		"ZipCode":"12547","FullName":"Thami Smires","CardType":null,"Description":"Desc12","CustomerId":"`+cust+`",
		"PaymentType":"2","CardNumber":"4003000123456781","CVV":"123"}`)
	if got := primaryOf(e, tenantA, cust, "2"); got != first {
		t.Fatalf("first card not primary: %s", got)
	}
	var items []PaymentItem
	e.expect(200, "GET", "/apis/api/PaymentDetails/GetPayments?PaymentType=2&CustomerId="+cust, tenantA, nil).decode(t, &items)
	if len(items) != 1 || *items[0].CardNumber != "400300xxxx6781" || !items[0].IsPrimary || items[0].RoutingNumber != nil ||
		*items[0].ExpDate != "1230" || items[0].CompanyID != 1001 {
		t.Fatalf("GetPayments = %+v", items)
	}
	// The same card again, spaced differently: refused, naming the stored one.
	r := e.expect(409, "POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"CustomerId": cust, "PaymentType": 2,
		"CardNumber": "4003 0001 2345 6781", "ExpDate": "1231"})
	if !strings.Contains(r.envelope(t).StatusText, first) {
		t.Errorf("duplicate refusal does not name %s: %s", first, r.body)
	}
	second := e.card(tenantA, cust, "5499990123456781", false)
	if primaryOf(e, tenantA, cust, "2") != first {
		t.Fatal("a non-primary card took the primary")
	}
	third := e.card(tenantA, cust, "4111111111111111", true)
	if primaryOf(e, tenantA, cust, "2") != third {
		t.Fatal("isPrimary true did not move the primary")
	}
	// An update sending isPrimary false, as the samples do, does not demote.
	e.ok("PUT", "/apis/api/PaymentDetails/"+third, tenantA, map[string]any{"isPrimary": false, "ExpDate": "1129", "Description": "new"})
	if primaryOf(e, tenantA, cust, "2") != third {
		t.Fatal("isPrimary false demoted the primary")
	}
	var info CardInfo
	e.expect(200, "GET", "/apis/api/PaymentDetails/GetPaymentInfo/"+third+"?PaymentType=2", tenantA, nil).decode(t, &info)
	if info.CardNumber != "411111xxxx1111" || info.ExpDate != "1129" || info.Description != "new" || !info.IsPrimary {
		t.Fatalf("GetPaymentInfo = %+v", info)
	}
	e.expect(404, "GET", "/apis/api/PaymentDetails/GetPaymentInfo/"+third+"?PaymentType=3", tenantA, nil)
	// Changing the card number to one the customer has is refused too.
	e.expect(409, "PUT", "/apis/api/PaymentDetails/"+third, tenantA, map[string]any{"CardNumber": "5499990123456781"})
	e.ok("PUT", "/apis/api/PaymentDetails/"+second, tenantA, map[string]any{"isPrimary": 1})
	if primaryOf(e, tenantA, cust, "2") != second {
		t.Fatal("PUT isPrimary 1 did not move the primary")
	}
	// Deleting the primary promotes the newest remaining method.
	if got := e.ok("DELETE", "/apis/api/PaymentDetails/"+second, tenantA, nil); got != "Payment Method Deleted successfully!" {
		t.Fatalf("delete answered %q", got)
	}
	if primaryOf(e, tenantA, cust, "2") != third {
		t.Fatal("the newest remaining card was not promoted")
	}

	// Bank accounts: the sample's routing number fails the ABA checksum.
	bad := e.expect(400, "POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"RoutingNumber": "123654789",
		"AccountNumber": "12", "AccountType": "7", "CustomerId": cust, "PaymentType": "3", "ExpDate": "1230", "isPrimary": "maybe"})
	fields := map[string]bool{}
	for _, p := range bad.envelope(t).Errors {
		fields[p.Field] = true
	}
	for _, f := range []string{"RoutingNumber", "AccountNumber", "AccountType", "ExpDate", "isPrimary"} {
		if !fields[f] {
			t.Errorf("400 does not name %s: %s", f, bad.body)
		}
	}
	bank := e.ok("POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"RoutingNumber": "021000021", "AccountNumber": "123456",
		"AccountType": "0", "BankNumber": "963258741", "isPrimary": true, "FullName": "Kanishk Singh", "Description": "Desc2341",
		"CustomerId": cust, "PaymentType": "3"})
	var binfo BankInfo
	e.expect(200, "GET", "/apis/api/PaymentDetails/GetPaymentInfo/"+bank, tenantA, nil).decode(t, &binfo)
	if binfo.AccountNumber != "xxxx3456" || binfo.RoutingNumber != "xxxx0021" || binfo.AccountType != "0" || !binfo.IsPrimary {
		t.Fatalf("bank info = %+v", binfo)
	}
	if primaryOf(e, tenantA, cust, "3") != bank || primaryOf(e, tenantA, cust, "2") != third {
		t.Fatal("primaries are not per type")
	}
	e.expect(409, "POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"RoutingNumber": "021000021", "AccountNumber": "123456",
		"AccountType": "1", "CustomerId": cust, "PaymentType": "3"})
	var all []PaymentItem
	r = e.expect(200, "GET", "/apis/api/PaymentDetails/GetPayments?CustomerId="+cust+"&PageSize=2&PageNumber=2", tenantA, nil)
	r.decode(t, &all)
	if len(all) != 1 || r.header.Get("X-Total-Count") != "3" || *all[0].AccountNumber != "xxxx3456" {
		t.Fatalf("page 2 of 3 = %s", r.body)
	}

	// Other clients and unknown customers.
	e.expect(404, "GET", "/apis/api/PaymentDetails/GetPaymentInfo/"+bank, tenantB, nil)
	e.expect(404, "DELETE", "/apis/api/PaymentDetails/"+bank, tenantB, nil)
	e.expect(404, "GET", "/apis/api/PaymentDetails/GetPrimary?CustomerId="+cust+"&PaymentType=2", tenantB, nil)
	e.expect(404, "GET", "/apis/api/PaymentDetails/GetPayments?CustomerId="+cust, tenantB, nil)
	custB := e.customer(tenantB, "B1")
	r = e.expect(400, "POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"CustomerId": custB, "PaymentType": "2",
		"CardNumber": "4003000123456781", "ExpDate": "1230"})
	if !strings.Contains(string(r.body), "no such customer") {
		t.Errorf("another client's customer: %s", r.body)
	}
	// The same card may be stored for another customer.
	e.card(tenantB, custB, "4003000123456781", false)
	e.expect(400, "GET", "/apis/api/PaymentDetails/GetPrimary?PaymentType=9", tenantA, nil)
	e.expect(400, "PUT", "/apis/api/PaymentDetails/"+bank, tenantA, map[string]any{"PaymentType": "2"})
	e.expect(400, "PUT", "/apis/api/PaymentDetails/"+bank, tenantA, map[string]any{"CustomerId": custB})
}

// TestPrimaryUnderConcurrency: cards added at once for one customer still
// leave exactly one primary.
func TestPrimaryUnderConcurrency(t *testing.T) {
	e := newEnv(t, envOpts{})
	cust := e.customer(tenantA, "C1")
	cards := []string{"4003000123456781", "5499990123456781", "4111111111111111", "4222222222222", "6011000990139424", "3530111333300000"}
	var wg sync.WaitGroup
	for i, n := range cards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.call("POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"CustomerId": cust, "PaymentType": "2",
				"CardNumber": n, "ExpDate": "1230", "isPrimary": i%2 == 0})
			if r.status != 200 {
				t.Errorf("card %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	var items []PaymentItem
	e.expect(200, "GET", "/apis/api/PaymentDetails/GetPayments?CustomerId="+cust, tenantA, nil).decode(t, &items)
	primaries := 0
	for _, it := range items {
		if it.IsPrimary {
			primaries++
		}
	}
	if len(items) != len(cards) || primaries != 1 {
		t.Fatalf("%d cards, %d primaries", len(items), primaries)
	}
}

func TestNoVaultRefusesCards(t *testing.T) {
	e := newEnv(t, envOpts{noVault: true})
	cust := e.customer(tenantA, "C1")
	r := e.expect(503, "POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"CustomerId": cust, "PaymentType": "2",
		"CardNumber": "4003000123456781", "ExpDate": "1230"})
	if msg := r.envelope(t).StatusText; !strings.Contains(msg, "--master-key-file") || !strings.Contains(msg, "openssl rand -hex 32") {
		t.Errorf("refusal does not say how to make a key: %s", msg)
	}
	if strings.Contains(string(r.body), "4003000123456781") {
		t.Error("refusal echoes the card")
	}
}
