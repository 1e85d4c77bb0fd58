package customer

import (
	"errors"
	"testing"

	"github.com/tonebase/tonebase/customer/schedule"
)

// TestSoftDelete: a deleted customer is kept, marked, readable only as a
// record; its number is free again and no list or write finds it.
func TestSoftDelete(t *testing.T) {
	ts := newTestService(t)
	id := ts.customer(t, 1, "N-1")
	if _, err := ts.DeleteCustomer(1, id); err != nil {
		t.Fatal(err)
	}
	rec, err := ts.CustomerRecord(1, id)
	if err != nil || rec.Deleted.IsZero() || rec.Number != "N-1" || rec.Seq != FirstSeq {
		t.Fatalf("record: %+v %v", rec, err)
	}
	if _, err := ts.GetCustomer(1, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCustomer of a deleted customer: %v", err)
	}
	if _, err := ts.UpdateCustomer(1, id, CustomerInput{Billing: AddressInput{City: Some("X")}}, Idem{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a deleted customer: %v", err)
	}
	if _, err := ts.DeleteCustomer(1, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if l, err := ts.GetCustomers(1, CustomerQuery{}); err != nil || l.Total != 0 {
		t.Fatalf("GetCustomers lists a deleted customer: %+v %v", l, err)
	}
	again := ts.customer(t, 1, "N-1")
	if c, err := ts.CustomerByNumber(1, "N-1"); err != nil || c.ID != again {
		t.Fatalf("the number is not free again: %+v %v", c, err)
	}
	if l, err := ts.FindCustomers(1, CustomerFilter{Deleted: true}); err != nil || l.Total != 1 || l.Items[0].ID != id {
		t.Fatalf("FindCustomers deleted: %+v %v", l, err)
	}
}

// TestInternationalStyle: each style checks what it is sent by its rules.
func TestInternationalStyle(t *testing.T) {
	ts := newTestService(t)
	intl := func(a AddressInput) CustomerInput {
		return CustomerInput{NumberOptional: true, Style: StyleInternational, Billing: a}
	}
	for _, tc := range []struct {
		name           string
		in             AddressInput
		field, country string
		state          string
	}{
		{"Canadian by names", AddressInput{Country: Some("canada"), State: Some("british columbia"), Zip: Some("V6B 1A1")}, "", "CA", "BC"},
		{"US by alpha-3", AddressInput{Country: Some("USA"), State: Some("dc")}, "", "US", "DC"},
		{"elsewhere free text", AddressInput{Country: Some("Germany"), State: Some("Bavaria")}, "", "DE", "Bavaria"},
		{"no country", AddressInput{State: Some("Anywhere")}, "", "", "Anywhere"},
		{"unknown country", AddressInput{Country: Some("Elbonia")}, "billing.country", "", ""},
		{"other country's state", AddressInput{Country: Some("CA"), State: Some("TX")}, "billing.state", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ts.CreateCustomer(1, intl(tc.in), Idem{})
			var ie *InputError
			if tc.field != "" {
				if !errors.As(err, &ie) || ie.Problems[0].Field != tc.field {
					t.Fatalf("want a problem with %s, got %v", tc.field, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, _ := ts.GetCustomer(1, r.ID)
			if c.Billing.Country != tc.country || c.Billing.State != tc.state || c.Number != "" {
				t.Fatalf("stored %+v", c.Billing)
			}
		})
	}
	// The US style (Hipfinity's) still refuses a Canadian postal code it is
	// sent, and does not check one it is not sent.
	r, err := ts.CreateCustomer(1, intl(AddressInput{Country: Some("CA"), State: Some("ON"), Zip: Some("K1A 0B1")}), Idem{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.UpdateCustomer(1, r.ID, CustomerInput{Billing: AddressInput{Email: Some("a@b.example")}}, Idem{}); err != nil {
		t.Fatalf("a US-style update of another field: %v", err)
	}
	if _, err := ts.UpdateCustomer(1, r.ID, CustomerInput{Billing: AddressInput{Zip: Some("K1A 0B1")}}, Idem{}); err == nil {
		t.Fatal("the US style took a Canadian postal code")
	}
	if _, err := ts.CreateCustomer(1, CustomerInput{Billing: AddressInput{FirstName: Some("x")}}, Idem{}); err == nil {
		t.Fatal("a customer number became optional for every wire")
	}
}

// TestSubscribeIsAllOrNothing: a refused subscription writes nothing; an
// accepted one makes its customer, card and plan, reusing a stored card.
func TestSubscribeIsAllOrNothing(t *testing.T) {
	ts := newTestService(t)
	in := SubscriptionInput{
		Customer: CustomerInput{NumberOptional: true, Style: StyleInternational, Billing: AddressInput{LastName: Some("Smith")}},
		Card:     PaymentInput{Kind: Some(KindCard), CardNumber: Some("4111111111111111"), CardExpiry: Some("1230")},
		Plan: PlanInput{Frequency: Some(schedule.EveryDays(30)), Start: Some(ts.now), Unlimited: Some(true),
			Recurring: Some(int64(1495))},
	}
	bad := in
	bad.Plan.Recurring = Some(int64(0))
	if _, err := ts.Subscribe(1, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a zero amount: %v", err)
	}
	if l, _ := ts.FindCustomers(1, CustomerFilter{}); l.Total != 0 {
		t.Fatalf("a refused subscription left a customer")
	}
	sub, err := ts.Subscribe(1, in)
	if err != nil || !sub.NewCustomer || !sub.NewMethod || sub.Customer.Seq != FirstSeq {
		t.Fatalf("%+v %v", sub, err)
	}
	again := in
	again.CustomerID = Some(sub.Customer.ID)
	sub2, err := ts.Subscribe(1, again)
	if err != nil || sub2.NewCustomer || sub2.NewMethod || sub2.MethodID != sub.MethodID {
		t.Fatalf("the stored card is not reused: %+v %v", sub2, err)
	}
	plans, err := ts.CustomerPlans(1, sub.Customer.ID)
	if err != nil || len(plans) != 2 || plans[0].Frequency != schedule.EveryDays(30) || plans[0].Last4() != "1111" {
		t.Fatalf("plans: %+v %v", plans, err)
	}
}
