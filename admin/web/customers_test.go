package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/schedule"
	"github.com/tonebase/tonebase/customer/vault"
)

var customersNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// withCustomers gives the pages a customer service over their store, with
// a vault, on a fixed clock.
func withCustomers(svc **customer.Service) func(*Config) {
	return func(c *Config) {
		store := c.Docs.(*columndb.Store)
		ring, err := vault.Open(store, bytes.Repeat([]byte{0x42}, 32))
		if err != nil {
			panic(err)
		}
		*svc = customer.New(customer.Config{Store: store, Ring: ring, Log: zerolog.Nop(), Now: func() time.Time { return customersNow }})
		c.Customers = *svc
	}
}

func TestCustomerPages(t *testing.T) {
	var cs *customer.Service
	s, _ := newTestServer(t, withCustomers(&cs), func(c *Config) { c.Now = func() time.Time { return customersNow } })
	b, _, _ := demoDB(t, s)
	cl := s.cfg.Clients.List()[0]
	some := customer.Some[string]
	var ids []string
	for i, name := range []string{"Ada Lovelace", "Charles Babbage", "Grace Hopper"} {
		first, last, _ := strings.Cut(name, " ")
		r, err := cs.CreateCustomer(cl.CID, customer.CustomerInput{Number: some(fmt.Sprintf("C%03d", i+1)),
			Billing: customer.AddressInput{FirstName: some(first), LastName: some(last), Email: some(strings.ToLower(first) + "@example.com")}}, customer.Idem{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	card, err := cs.CreatePayment(cl.CID, customer.PaymentInput{CustomerID: some(ids[0]), Kind: customer.Some(customer.KindCard),
		CardNumber: some("4111111111111111"), CardExpiry: some("1230"), HolderName: some("Ada Lovelace")}, customer.Idem{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreatePayment(cl.CID, customer.PaymentInput{CustomerID: some(ids[0]), Kind: customer.Some(customer.KindBank),
		Routing: some("021000021"), Account: some("987654321"), AccountKind: customer.Some(customer.BankChecking), HolderName: some("Ada Lovelace")}, customer.Idem{}); err != nil {
		t.Fatal(err)
	}
	plan, err := cs.CreatePlan(cl.CID, customer.Opt[string]{}, customer.PlanInput{CustomerID: some(ids[0]), MethodID: some(card.ID),
		MethodKind: customer.Some(customer.KindCard), Kind: customer.Some(customer.PlanRecurring), Frequency: customer.Some(schedule.Monthly),
		Start: customer.Some(customersNow.AddDate(0, 0, 3)), Count: customer.Some(12), Recurring: customer.Some(int64(123450)), Fee: customer.Some(int64(150))}, customer.Idem{})
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/admin/clients/%d", cl.CID)

	code, page, _ := b.get(base + "/customers")
	expect(t, "every customer", code, page, 200, "3 customers", "Ada Lovelace", "Grace Hopper")
	code, page, _ = b.get(base + "/customers?q=hopper")
	expect(t, "a search", code, page, 200, "1 customer matches", "Grace Hopper")
	code, page, _ = b.get(base + "/customers?q=nobody")
	expect(t, "a search finding none", code, page, 200, "No customer")
	code, page, _ = b.get(base + "/customers?q=" + strings.Repeat("x", 60))
	expect(t, "a search too long", code, page, 400, "That search could not run")

	code, page, _ = b.get(base + "/customers/" + ids[0])
	expect(t, "a customer", code, page, 200, "Ada Lovelace", "1111", "4321", "1,234.50 monthly", "a fee of 1.50",
		"Next due", "Thu 5 Mar 2026", "12 payments left", "Sun 5 Apr 2026", "1,236.00", "and 6 more payments.", plan.ID)
	for _, secret := range []string{"4111111111111111", "411111111111", "987654321"} {
		if strings.Contains(page, secret) {
			t.Fatalf("the customer page shows %s unmasked", secret)
		}
	}
	code, page, _ = b.get(base + "/customers/no-such-customer")
	expect(t, "no such customer", code, page, 404, "no such customer")

	code, page, _ = b.get(base + "/due?day=2026-03-05")
	expect(t, "the due list", code, page, 200, "1 payment due, 1,236.00 in all", "Ada Lovelace")
	code, page, _ = b.get(base + "/due?day=2026-03-06")
	expect(t, "a day nothing is due", code, page, 200, "No plan has a payment due on Fri 6 Mar 2026")
	code, page, _ = b.get(base + "/due")
	expect(t, "today", code, page, 200, "Due on Monday 2 March 2026")
	code, page, _ = b.get(base + "/due?day=5%2F3%2F2026")
	expect(t, "a day not a date", code, page, 400, "Give the day as year-month-day")
	code, page, _ = b.get(base + "/due?day=9999-01-01")
	expect(t, "a day past the schedules", code, page, 400, "That day cannot be listed")

	// Another client's customer is not found under this one.
	other, _, err := s.cfg.Clients.Create("Other", 0)
	if err != nil {
		t.Fatal(err)
	}
	code, page, _ = b.get(fmt.Sprintf("/admin/clients/%d/customers/%s", other.CID, ids[0]))
	expect(t, "a customer of another client", code, page, 404, "no such customer")
}

func TestCustomerPagesWithoutTheService(t *testing.T) {
	s, _ := newTestServer(t)
	b, _, _ := demoDB(t, s)
	code, page, _ := b.get(fmt.Sprintf("/admin/clients/%d/customers", s.cfg.Clients.List()[0].CID))
	expect(t, "no customer service", code, page, 404, "does not keep customers")
}
