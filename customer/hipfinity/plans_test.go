package hipfinity

import (
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/customer"
)

func planBody(cust, pay, typ string, extra map[string]any) map[string]any {
	b := map[string]any{"CustomerId": cust, "Identification": "DEFLT.27680.0004", "EffectiveDate": "1/31/26",
		"Frequency": "3", "NumberOfPayments": "6", "PaymentType": typ, "PaymentInfo_Id": pay, "InvoiceNumber": "8547963",
		"SwipeFeeAmount": "0.17", "SwipeFeeLabel": "Service Fee"}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func dueIDs(e *env, date string) []Due {
	e.t.Helper()
	var d []Due
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetDue?Date="+date, tenantA, nil).decode(e.t, &d)
	return d
}

func TestPlansE2E(t *testing.T) {
	e := newEnv(t, envOpts{})
	cust := e.ok("POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": "12365488", "BillingCompanyName": "Hipfinity"})
	card := e.card(tenantA, cust, "4003000123456781", false)
	bank := e.ok("POST", "/apis/api/PaymentDetails", tenantA, map[string]any{"RoutingNumber": "021000021", "AccountNumber": "123456",
		"AccountType": "0", "CustomerId": cust, "PaymentType": "3", "FullName": "CustomerFullName"})

	// Installment: 100.00 in six, as the API's sample: 16.67 + 0.17 fee.
	inst := e.ok("POST", "/apis/api/RecurringTrans", tenantA, planBody(cust, bank, "3", map[string]any{"PlanType": "2", "TotalAmount": "100.00"}))
	var v PlanView
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetRecurringInfo/"+inst, tenantA, nil).decode(t, &v)
	if v.Amount != "16.84" || v.RemainingNumberOfPayments != "6" || v.EffectiveDate != "1/31/2026 12:00:00 AM" ||
		v.CustomerNumber != "12365488" || v.BillingCompanyName != "Hipfinity" || v.FullName != "CustomerFullName" ||
		v.PlanType != "2" || v.Frequency != "3" || v.DateCreated != "1/15/2026 10:30:00 AM" || v.Status != "1" {
		t.Fatalf("installment = %+v", v)
	}
	var sch Schedule
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetSchedule/"+inst, tenantA, nil).decode(t, &sch)
	var got []string
	for _, p := range sch.Payments {
		got = append(got, p.Date[:strings.Index(p.Date, " ")]+"="+p.PaymentAmount)
	}
	want := "1/31/2026=16.67 2/28/2026=16.67 3/31/2026=16.67 4/30/2026=16.67 5/31/2026=16.67 6/30/2026=16.65"
	if strings.Join(got, " ") != want {
		t.Fatalf("schedule = %s\nwant       %s", strings.Join(got, " "), want)
	}

	// Recurring, unlimited, weekly on the card.
	rec := e.ok("POST", "/apis/api/RecurringTrans", tenantA, planBody(cust, card, "2", map[string]any{"PlanType": 1,
		"RecurringAmount": "0.10", "SwipeFeeAmount": "0.01", "Unlimited": "1", "Frequency": 1, "EffectiveDate": "1/17/2026",
		"NumberOfPayments": ""}))
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetSchedule/"+rec, tenantA, nil).decode(t, &sch)
	if len(sch.Payments) != customer.MaxUnlimitedSchedule || sch.Payments[1].Date != "1/24/2026 12:00:00 AM" || sch.Payments[0].Amount != "0.11" {
		t.Fatalf("unlimited schedule: %d payments, first %+v", len(sch.Payments), sch.Payments[:2])
	}

	// Every wrong field at once.
	r := e.expect(400, "POST", "/apis/api/RecurringTrans", tenantA, map[string]any{"CustomerId": cust, "PaymentInfo_Id": bank,
		"PaymentType": "2", "PlanType": "2", "Frequency": "9", "EffectiveDate": "1/1/2020", "TotalAmount": "1.005",
		"SwipeFeeLabel": strings.Repeat("x", 21)})
	fields := map[string]bool{}
	for _, p := range r.envelope(t).Errors {
		fields[p.Field] = true
	}
	for _, f := range []string{"Frequency", "EffectiveDate", "TotalAmount", "SwipeFeeLabel", "PaymentInfo_Id"} {
		if !fields[f] {
			t.Errorf("400 does not name %s: %s", f, r.body)
		}
	}
	custB := e.customer(tenantA, "OTHER")
	e.expect(400, "POST", "/apis/api/RecurringTrans", tenantA, planBody(custB, card, "2", map[string]any{"PlanType": "1", "RecurringAmount": "5"}))

	// Due lists, in RecurringID order.
	d := dueIDs(e, "1/31/2026")
	if len(d) != 2 { // the installment's first and the weekly's 31 Jan
		t.Fatalf("due 1/31/2026 = %+v", d)
	}
	if d[0].RecurringID > d[1].RecurringID {
		t.Error("due list not in RecurringID order")
	}
	for _, x := range d {
		if x.RecurringID == inst && (x.Amount != "16.84" || x.PaymentNumber != 1 || x.PaymentInfoID != bank || x.CustomerNumber != "12365488") {
			t.Errorf("installment due = %+v", x)
		}
	}
	e.expect(400, "GET", "/apis/api/RecurringTrans/GetDue?Date=31/1/2026", tenantA, nil)
	e.expect(400, "GET", "/apis/api/RecurringTrans/GetDue", tenantA, nil)

	// Suspend on 10 Feb, resume on 5 Mar: 28 Feb is skipped, not back-charged.
	e.clock.Add(26 * 24 * time.Hour) // 10 Feb
	e.ok("PUT", "/apis/api/RecurringTrans/Suspend?Id="+inst, tenantA, nil)
	e.expect(409, "PUT", "/apis/api/RecurringTrans/Suspend?Id="+inst, tenantA, nil)
	for _, x := range dueIDs(e, "2/28/2026") {
		if x.RecurringID == inst {
			t.Fatal("a suspended plan is due")
		}
	}
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetRecurringInfo/"+inst, tenantA, nil).decode(t, &v)
	if v.Status != "2" || v.Active != "0" || v.RemainingNumberOfPayments != "5" {
		t.Fatalf("suspended = %+v", v)
	}
	e.clock.Add(23 * 24 * time.Hour) // 5 Mar
	e.ok("PUT", "/apis/api/RecurringTrans/Resume?id="+inst, tenantA, nil)
	e.expect(409, "PUT", "/apis/api/RecurringTrans/Resume?Id="+inst, tenantA, nil)
	if ds := dueIDs(e, "2/28/2026"); len(ds) != 0 && ds[0].RecurringID == inst {
		t.Fatal("the missed date became due after resuming")
	}
	d = dueIDs(e, "3/31/2026")
	found := false
	for _, x := range d {
		if x.RecurringID == inst {
			found = x.PaymentNumber == 2
		}
	}
	if !found {
		t.Fatalf("after resuming, 31 Mar is not payment 2: %+v", d)
	}
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetSchedule/"+inst, tenantA, nil).decode(t, &sch)
	if len(sch.Payments) != 5 || sch.Payments[4].Date != "7/31/2026 12:00:00 AM" || sch.Payments[4].PaymentAmount != "16.65" {
		t.Fatalf("schedule after resuming = %+v", sch.Payments)
	}

	// Lists and filters.
	list := func(q string) []PlanView {
		var out []PlanView
		e.expect(200, "GET", "/apis/api/RecurringTrans/GetRecurringTrans?"+q, tenantA, nil).decode(t, &out)
		return out
	}
	if l := list("Frequency=-1&CustomerNumber=12365488&Active=-1&Status=-1&SortDirection=DESC"); len(l) != 2 {
		t.Fatalf("all plans: %d", len(l))
	}
	if l := list("CardNumber=6781"); len(l) != 1 || l[0].RecurringID != rec {
		t.Errorf("CardNumber filter: %+v", l)
	}
	if l := list("Amount=16.84&Frequency=3&CompanyName=hipfin&InvoiceNumber=854&IdentificationNum=27680"); len(l) != 1 || l[0].RecurringID != inst {
		t.Errorf("combined filters: %+v", l)
	}
	if l := list("EffectiveDate=1/17/26&DateCreated=1/15/2026"); len(l) != 1 || l[0].RecurringID != rec {
		t.Errorf("date filters: %+v", l)
	}
	if l := list("SortExpression=Amount&SortDirection=ASC"); len(l) != 2 || l[0].RecurringID != rec {
		t.Errorf("sort by amount: %+v", l)
	}
	e.expect(400, "GET", "/apis/api/RecurringTrans/GetRecurringTrans?Frequency=8&Active=2&CardNumber=12&SortExpression=x", tenantA, nil)

	// A plan's payment method cannot be deleted; updating keeps the id.
	e.expect(409, "DELETE", "/apis/api/PaymentDetails/"+card, tenantA, nil)
	if id := e.ok("PUT", "/apis/api/RecurringTrans/"+rec, tenantA, map[string]any{"RecurringAmount": "0.20", "RecurringId": rec}); id != rec {
		t.Errorf("update answered %q", id)
	}
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetRecurringInfo/"+rec, tenantA, nil).decode(t, &v)
	if v.Amount != "0.21" {
		t.Errorf("updated amount = %s", v.Amount)
	}
	e.expect(404, "GET", "/apis/api/RecurringTrans/GetRecurringInfo/"+rec, tenantB, nil)
	e.expect(404, "PUT", "/apis/api/RecurringTrans/Suspend?Id="+rec, tenantB, nil)

	// Cancel one; deleting the customer cancels the other and removes its methods.
	e.ok("DELETE", "/apis/api/RecurringTrans/"+rec, tenantA, nil)
	e.expect(409, "PUT", "/apis/api/RecurringTrans/"+rec, tenantA, map[string]any{"RecurringAmount": "1"})
	e.ok("DELETE", "/apis/api/PaymentDetails/"+card, tenantA, nil)
	e.ok("DELETE", "/apis/api/Customers/"+cust, tenantA, nil)
	e.expect(200, "GET", "/apis/api/RecurringTrans/GetRecurringInfo/"+inst, tenantA, nil).decode(t, &v)
	if v.Status != "4" {
		t.Errorf("plan of a deleted customer: status %s", v.Status)
	}
	e.expect(404, "GET", "/apis/api/PaymentDetails/GetPaymentInfo/"+bank, tenantA, nil)
	if d := dueIDs(e, "4/30/2026"); len(d) != 0 {
		t.Errorf("cancelled plans due: %+v", d)
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t, envOpts{})
	body := map[string]any{"CustomerNumber": "IDEM1"}
	first := e.call("POST", "/apis/api/Customers", tenantA, body, "Idempotency-Key", "k-1")
	again := e.call("POST", "/apis/api/Customers", tenantA, body, "Idempotency-Key", "k-1")
	if first.status != 200 || again.status != 200 || first.envelope(t).StatusText != again.envelope(t).StatusText ||
		again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %s / %s", first.body, again.body)
	}
	if r := e.call("POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": "IDEM2"}, "Idempotency-Key", "k-1"); r.status != 409 {
		t.Fatalf("same key, other body: %d %s", r.status, r.body)
	}
	// The same key from another client is another key.
	if r := e.call("POST", "/apis/api/Customers", tenantB, body, "Idempotency-Key", "k-1"); r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other client: %d %s", r.status, r.body)
	}
	// A failed request stores nothing: fixed and retried under the key, it runs.
	if r := e.call("POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": ""}, "Idempotency-Key", "k-2"); r.status != 400 {
		t.Fatal(r.status)
	}
	e.ok("POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": "IDEM3"}, "Idempotency-Key", "k-2")
	// PUT and Suspend replay too.
	id := first.envelope(t).StatusText
	e.ok("PUT", "/apis/api/Customers/"+id, tenantA, map[string]any{"BillingCity": "Leeds"}, "Idempotency-Key", "k-3")
	if r := e.call("PUT", "/apis/api/Customers/"+id, tenantA, map[string]any{"BillingCity": "Leeds"}, "Idempotency-Key", "k-3"); r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("PUT not replayed")
	}
	// After 24 hours the key is forgotten.
	e.clock.Add(customer.IdempotencyTTL + time.Minute)
	if r := e.call("POST", "/apis/api/Customers", tenantA, body, "Idempotency-Key", "k-1"); r.status != 409 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("after expiry, the request ran again (and met its own customer number): %d %s", r.status, r.body)
	}
	n, err := e.svc.ExpireIdempotency()
	if err != nil || n < 3 {
		t.Fatalf("ExpireIdempotency = %d, %v", n, err)
	}
}
