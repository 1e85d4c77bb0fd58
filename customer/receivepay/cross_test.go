package receivepay

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// hipfinity calls the Hipfinity wire of the same server as tenant A and
// decodes its JSON answer into v (nil to skip), returning the status.
func (e *env) hipfinity(method, path, body string, v any) int {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("keyA:secretA")))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.answers.Write(b)
	if v != nil && res.StatusCode == 200 {
		if err := json.Unmarshal(b, v); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

type hfCustomer struct {
	ID, CustomerNumber, BillingFirstName, BillingLastName, BillingAddress, BillingCity string
	BillingState, BillingZipCode, BillingCountry, BillingEmail, BillingPhone           string
}

type hfPlan struct {
	RecurringID, CustomerID, CustomerNumber, Frequency, IntervalDays, RecurringAmount string
	PaymentInfoID                                                                     string `json:"PaymentInfo_Id"`
	Status, Active, Unlimited, NumberOfPayments                                       string
}

// hipfinityCustomer finds a customer through Hipfinity by its number.
func (e *env) hipfinityCustomer(number string) hfCustomer {
	e.t.Helper()
	var list []hfCustomer
	if st := e.hipfinity("GET", "/apis/api/Customers/GetCustomers?CustomerNumber="+number, "", &list); st != 200 || len(list) != 1 {
		e.t.Fatalf("Hipfinity GetCustomers %s: %d, %d found", number, st, len(list))
	}
	return list[0]
}

// TestCrossDialect: one customer domain behind both wires.
func TestCrossDialect(t *testing.T) {
	e := newEnv(t)
	seq := e.newCustomer("Joe", "Customer", "<internal_id>rp-1</internal_id><address_1>1345 Ontario Street</address_1>"+
		"<city>Toronto</city><state>Ontario</state><postal_code>A1B 2C3</postal_code><country>CAN</country><email>joe@example.com</email>")

	// Made here, found there: the same names, address, and internal_id as CustomerNumber.
	c := e.hipfinityCustomer("rp-1")
	want := hfCustomer{ID: c.ID, CustomerNumber: "rp-1", BillingFirstName: "Joe", BillingLastName: "Customer",
		BillingAddress: "1345 Ontario Street", BillingCity: "Toronto", BillingState: "ON", BillingZipCode: "A1B 2C3",
		BillingCountry: "CA", BillingEmail: "joe@example.com"}
	if c != want {
		t.Fatalf("Hipfinity GetCustomers:\n got %+v\nwant %+v", c, want)
	}
	var info hfCustomer
	if st := e.hipfinity("GET", "/apis/api/Customers/GetCustomerInfo/"+c.ID, "", &info); st != 200 || info != want {
		t.Fatalf("GetCustomerInfo %d: %+v", st, info)
	}

	// Updated there (its own rules for what it sends; the Canadian postal
	// code it was not sent is not checked), read back here.
	if st := e.hipfinity("PUT", "/apis/api/Customers/"+c.ID, `{"BillingEmail":"joe@new.example.com","BillingPhone":"5550000"}`, nil); st != 200 {
		t.Fatalf("Hipfinity update of a ReceivePay customer: %d", st)
	}
	b := e.post("GetCustomer", "<customer_id>"+seq+"</customer_id>")
	if tag(b, "email") != "joe@new.example.com" || tag(b, "phone") != "5550000" || tag(b, "postal_code") != "A1B 2C3" {
		t.Fatalf("the Hipfinity update is not seen here:\n%s", b)
	}

	// A Recur's plan and card in RecurringTrans and PaymentDetails, masked.
	weekly := tag(e.post("Recur", recurXML(seq, visa, "7")), "recurring_id")
	every30 := tag(e.post("Recur", recurXML(seq, visa, "30")), "recurring_id")
	var plans []hfPlan
	if st := e.hipfinity("GET", "/apis/api/RecurringTrans/GetRecurringTrans?SortExpression=DateCreated&SortDirection=ASC", "", &plans); st != 200 || len(plans) != 2 {
		t.Fatalf("RecurringTrans: %d, %+v", st, plans)
	}
	byID := map[string]hfPlan{plans[0].RecurringID: plans[0], plans[1].RecurringID: plans[1]}
	if p := byID[weekly]; p.Frequency != "1" || p.IntervalDays != "" || p.CustomerID != c.ID || p.RecurringAmount != "14.95" || p.Unlimited != "1" {
		t.Errorf("weekly plan in RecurringTrans: %+v", p)
	}
	if p := byID[every30]; p.Frequency != "-1" || p.IntervalDays != "30" {
		t.Errorf("every-30-days plan in RecurringTrans: %+v", p)
	}
	if byID[weekly].PaymentInfoID != byID[every30].PaymentInfoID {
		t.Errorf("the same card was stored twice")
	}
	var raw []map[string]any
	if st := e.hipfinity("GET", "/apis/api/PaymentDetails/GetPayments?CustomerId="+c.ID+"&PaymentType=2", "", &raw); st != 200 || len(raw) != 1 {
		t.Fatalf("PaymentDetails: %d %v", st, raw)
	}
	if j, _ := json.Marshal(raw[0]); !strings.Contains(string(j), "411111xxxx1111") || strings.Contains(string(j), visa) {
		t.Errorf("card not shown masked: %s", j)
	}

	// Cancelled there, inactive here with its cancel date.
	if st := e.hipfinity("DELETE", "/apis/api/RecurringTrans/"+weekly, "", nil); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	r := e.post("GetRecurring", "<recurring_id>"+weekly+"</recurring_id>")
	if tag(r, "status") != "inactive" || tag(r, "cancel_date") != "2026-12-01T18:05:09+00:00" {
		t.Fatalf("a Hipfinity cancel is not seen here:\n%s", r)
	}

	// Deleted there: here it is deleted, readable, and no write finds it.
	if st := e.hipfinity("DELETE", "/apis/api/Customers/"+c.ID, "", nil); st != 200 {
		t.Fatalf("delete: %d", st)
	}
	b = e.post("GetCustomer", "<customer_id>"+seq+"</customer_id>")
	if tag(b, "status") != "deleted" || tag(b, "internal_id") != "rp-1" || strings.Count(b, "<status>active</status>") != 0 {
		t.Fatalf("after a Hipfinity delete:\n%s", b)
	}
	e.wantCode(e.post("UpdateCustomer", "<customer_id>"+seq+"</customer_id><city>X</city>"), "4000")
	e.wantCode(e.post("DeleteCustomer", "<customer_id>"+seq+"</customer_id>"), "4000")

	// Deleted here: Hipfinity finds it nowhere, and its number is free again.
	seq2 := e.newCustomer("Ann", "Other", "<internal_id>rp-1</internal_id>")
	c2 := e.hipfinityCustomer("rp-1")
	e.wantCode(e.post("DeleteCustomer", "<customer_id>"+seq2+"</customer_id>"), "202")
	if st := e.hipfinity("GET", "/apis/api/Customers/GetCustomerInfo/"+c2.ID, "", nil); st != 404 {
		t.Fatalf("Hipfinity reads a customer deleted here: %d", st)
	}
	var none []hfCustomer
	if e.hipfinity("GET", "/apis/api/Customers/GetCustomers?CustomerNumber=rp-1", "", &none); len(none) != 0 {
		t.Fatalf("Hipfinity lists a deleted customer: %+v", none)
	}
	if st := e.hipfinity("PUT", "/apis/api/Customers/"+c2.ID, `{"BillingCity":"X"}`, nil); st != 404 {
		t.Fatalf("Hipfinity updates a deleted customer: %d", st)
	}
}

// TestTenantIsolation: another client's credentials cannot read, change,
// count or cancel anything, and its ids answer as unknown ones do.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for range 3 {
		ids = append(ids, e.newCustomer("A", "Owner", ""))
	}
	plan := tag(e.post("Recur", recurXML(ids[2], visa, "30")), "recurring_id")
	b := func(typ, inner string) string { return e.postAs("keyB", "secretB", typ, inner) }
	unknownCustomer := b("GetCustomer", "<customer_id>99999</customer_id>")
	if got := b("GetCustomer", "<customer_id>"+ids[2]+"</customer_id>"); got != unknownCustomer {
		t.Errorf("B reads A's customer:\n%s", got)
	}
	for _, typ := range []string{"UpdateCustomer", "DeleteCustomer"} {
		if got, want := b(typ, "<customer_id>"+ids[2]+"</customer_id><city>X</city>"), b(typ, "<customer_id>99999</customer_id><city>X</city>"); got != want {
			t.Errorf("%s of A's customer by B: %s", typ, got)
		}
	}
	if got := b("GetCustomers", ""); tag(got, "total_results") != "0" {
		t.Errorf("B counts A's customers:\n%s", got)
	}
	if got := b("GetRecurrings", "<active>0</active>"); tag(got, "total_results") != "0" {
		t.Errorf("B counts A's plans:\n%s", got)
	}
	unknownPlan := "0123456789ABCDEF0123456789ABCDEF"
	for _, typ := range []string{"GetRecurring", "CancelRecurring", "UpdateRecurring"} {
		got := b(typ, "<recurring_id>"+plan+"</recurring_id><amount>1.00</amount>")
		want := b(typ, "<recurring_id>"+unknownPlan+"</recurring_id><amount>1.00</amount>")
		if got != want {
			t.Errorf("%s of A's plan by B: %s, an unknown one: %s", typ, got, want)
		}
	}
	if got := b("Recur", recurXML(ids[2], visa, "30")); code(got) != "4000" {
		t.Errorf("B charges A's customer:\n%s", got)
	}
	r := e.post("GetRecurring", "<recurring_id>"+plan+"</recurring_id>")
	if tag(r, "status") != "active" || tag(r, "amount") != "14.95" {
		t.Fatalf("A's plan changed:\n%s", r)
	}
	if got := e.post("GetCustomer", "<customer_id>"+ids[2]+"</customer_id>"); tag(got, "status") != "active" || tag(got, "city") != "" {
		t.Fatalf("A's customer changed:\n%s", got)
	}
}
