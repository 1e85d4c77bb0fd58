package customer

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
	"github.com/tonebase/tonebase/customer/schedule"
)

func TestSeqNumbersCustomers(t *testing.T) {
	s := newTestService(t)
	a, b := s.customer(t, 1001, "A"), s.customer(t, 1001, "B")
	other := s.customer(t, 1002, "A")
	for _, tc := range []struct {
		name string
		cid  int64
		id   string
		seq  int64
	}{
		{"first customer", 1001, a, FirstSeq},
		{"second customer", 1001, b, FirstSeq + 1},
		{"another client counts on its own", 1002, other, FirstSeq},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.CustomerBySeq(tc.cid, tc.seq)
			if err != nil || c.ID != tc.id {
				t.Fatalf("CustomerBySeq(%d, %d) = %s, %v; want %s", tc.cid, tc.seq, c.ID, err, tc.id)
			}
		})
	}
	// A refused create takes no number.
	if _, err := s.CreateCustomer(1001, CustomerInput{Number: Some("A")}, Idem{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate number = %v", err)
	}
	if c, err := s.GetCustomer(1001, s.customer(t, 1001, "C")); err != nil || c.Seq != FirstSeq+2 {
		t.Fatalf("third customer = %+v, %v", c, err)
	}
	if _, err := s.CustomerBySeq(1001, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("CustomerBySeq(999) = %v", err)
	}
}

// TestSeqBackfill: customers stored before Seq existed are numbered, oldest
// first, when their tenant is next opened, and new ones follow them.
func TestSeqBackfill(t *testing.T) {
	s := newTestService(t)
	ts, err := s.tenant(1001)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2020, 6, 18, 16, 43, 18, 0, time.UTC)
	ids := []string{NewID(), NewID(), NewID()}
	var rows []columndb.Row
	for _, i := range []int{2, 0, 1} { // stored out of key order; created in ids order
		id, created := ids[i], i
		rows = append(rows, ts.cust.encode(Customer{ID: id, Number: "N" + id[:6], Created: base.Add(time.Duration(created) * time.Hour), AccountType: 1}))
	}
	if err := s.store.Commit(columndb.Change{Table: ts.customers, Put: rows}); err != nil {
		t.Fatal(err)
	}
	_ = s.store.Close()
	s.open(t)
	for i, id := range ids {
		c, err := s.GetCustomer(1001, id)
		if err != nil || c.Seq != FirstSeq+int64(i) {
			t.Errorf("customer %d: seq %d, %v; want %d", i, c.Seq, err, FirstSeq+i)
		}
	}
	if c, err := s.GetCustomer(1001, s.customer(t, 1001, "NEW")); err != nil || c.Seq != FirstSeq+3 {
		t.Fatalf("new customer = %+v, %v", c, err)
	}
}

func TestCustomerLookupsAndPartialUpdate(t *testing.T) {
	s := newTestService(t)
	in := CustomerInput{Number: Some("K1"), Billing: AddressInput{FirstName: Some("Kanishk"), Line1: Some("1 Main St"),
		Line2: Some("Flat 2"), State: Some("tx"), Zip: Some("12345-6789")}, Shipping: AddressInput{Email: Some("k@example.com")}}
	r, err := s.CreateCustomer(1001, in, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCustomer(1001, r.ID, CustomerInput{Billing: AddressInput{City: Some("Austin")}}, Idem{}); err != nil {
		t.Fatal(err)
	}
	want := Address{FirstName: "Kanishk", Line1: "1 Main St", Line2: "Flat 2", City: "Austin", State: "TX", Zip: "123456789"}
	for _, tc := range []struct {
		name string
		get  func() (Customer, error)
	}{
		{"by id", func() (Customer, error) { return s.GetCustomer(1001, r.ID) }},
		{"by id in lower case", func() (Customer, error) { return s.GetCustomer(1001, " "+strings.ToLower(r.ID)) }},
		{"by number", func() (Customer, error) { return s.CustomerByNumber(1001, "K1") }},
		{"by seq", func() (Customer, error) { return s.CustomerBySeq(1001, FirstSeq) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.get()
			if err != nil || c.ID != r.ID || c.Billing != want || c.Shipping.Email != "k@example.com" || c.AccountType != 1 {
				t.Fatalf("= %+v, %v", c, err)
			}
		})
	}
	if _, err := s.GetCustomer(1002, r.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another client sees the customer: %v", err)
	}
}

func TestProblemsNameDomainFields(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "P")
	long := string(make([]byte, 51))
	for _, tc := range []struct {
		name  string
		write func() error
		want  []Problem
	}{
		{"customer", func() error {
			_, err := s.CreateCustomer(1001, CustomerInput{Billing: AddressInput{State: Some("Texas"), City: Some(long)},
				AccountType: Some(int64(100))}, Idem{})
			return err
		}, []Problem{
			{FieldNumber, CodeRequired, "is required"},
			{AddressField(SideBilling, PartCity), CodeTooLong, "longer than 50 characters"},
			{AddressField(SideBilling, PartState), CodeInvalid, "must be a 2-letter state code"},
			{FieldAccountType, CodeInvalid, "must be a whole number from 0 to 99"},
		}},
		{"wire problems come first", func() error {
			_, err := s.CreateCustomer(1001, CustomerInput{Number: Some("Q"), Billing: AddressInput{Zip: Some("1")},
				Unread: []Problem{{"Wire", CodeInvalid, "unreadable"}}}, Idem{})
			return err
		}, []Problem{
			{"Wire", CodeInvalid, "unreadable"},
			{AddressField(SideBilling, PartZip), CodeInvalid, "must be 5 or 9 digits (12345 or 12345-6789)"},
		}},
		{"bank account", func() error {
			_, err := s.CreatePayment(1001, PaymentInput{CustomerID: Some(cust), Kind: Some(KindBank),
				Routing: Some("021000021"), Account: Some("12"), CardNumber: Some("4111111111111111")}, Idem{})
			return err
		}, []Problem{
			{FieldCardNumber, CodeNotApplicable, "applies only to a card"},
			{FieldBankAccount, CodeInvalid, "account number must be 4 to 17 digits"},
			{FieldBankKind, CodeRequired, "is required: savings, checking or business"},
		}},
		{"plan", func() error {
			_, err := s.CreatePlan(1001, Opt[string]{}, PlanInput{CustomerID: Some(cust), Kind: Some(PlanRecurring),
				Start: Some(s.now.AddDate(0, 0, -1)), Frequency: Some(schedule.Monthly)}, Idem{})
			return err
		}, []Problem{
			{FieldPlanStart, CodePast, "is in the past; a plan starts today or later"},
			{FieldPlanStart, CodeRequired, "is required"},
			{FieldPlanRecurring, CodeRequired, "is required and must be more than 0"},
			{FieldPlanCount, CodeCountUnlessUnlimited, "must be at least 1 unless the plan is unlimited"},
			{FieldPlanMethodKind, CodeRequired, "is required: card or bank account"},
			{FieldPlanMethod, CodeRequired, "is required"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ie *InputError
			if err := tc.write(); !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if !reflect.DeepEqual(ie.Problems, tc.want) {
				t.Fatalf("problems =\n%+v\nwant\n%+v", ie.Problems, tc.want)
			}
		})
	}
}

func TestCodecsRoundTrip(t *testing.T) {
	s := newTestService(t)
	ts, err := s.tenant(1001)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2024, 2, 25, 2, 56, 40, 0, time.UTC)
	day := time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)
	addr := Address{FirstName: "F", LastName: "L", Company: "C", Line1: "1", Line2: "2", City: "Ci", State: "TX",
		Zip: "12345", Country: "US", Phone: "p", Fax: "f", Email: "e@x"}
	for _, tc := range []struct {
		name string
		v    any
		back func(v any) any
	}{
		{"customer", Customer{ID: NewID(), Number: "N", Seq: 1003, Billing: addr, Shipping: Address{City: "S"}, Created: created, AccountType: 2,
			Notes: "VIP", EmailReceipt: true},
			func(v any) any { return ts.cust.decode(ts.cust.encode(v.(Customer))) }},
		{"card", storedMethod{secret: "k1:sealed", PaymentMethod: PaymentMethod{ID: NewID(), Token: "tok", CustomerID: "C", Kind: KindCard,
			Primary: true, HolderName: "H", Description: "D", Masked: "400300xxxx6781", Fingerprint: "fp", Created: created,
			Card: CardDetails{Expiry: "1230", Address: "A", Zip: "12547"}}},
			func(v any) any { return ts.pay.decode(ts.pay.encode(v.(storedMethod))) }},
		{"bank account", storedMethod{secret: "k1:s", PaymentMethod: PaymentMethod{ID: NewID(), CustomerID: "C", Kind: KindBank,
			Masked: "xxxx3456", Created: created, Bank: BankDetails{Routing: "021000021", AccountKind: BankBusiness, BankNumber: "9",
				BankName: "First Bank", EntryClass: "PPD"}}},
			func(v any) any { return ts.pay.decode(ts.pay.encode(v.(storedMethod))) }},
		{"plan", Plan{ID: NewID(), Amount: 1684, Cancelled: true, Created: created,
			Pauses: []schedule.Pause{{From: day, To: day.AddDate(0, 1, 0)}, {From: day.AddDate(0, 2, 0)}},
			Terms: Terms{CustomerID: "C", MethodID: "M", MethodKind: KindBank, Kind: PlanInstallment, Frequency: schedule.Monthly,
				Start: day, Count: 6, Total: 10000, Fee: 17, FeeLabel: "Service Fee", Invoice: "8547963", Reference: "R"}},
			func(v any) any { return ts.plan.decode(ts.plan.encode(v.(Plan))) }},
		{"idempotency record", idemRecord{key: "k", hash: "h", result: "R", created: created},
			func(v any) any { return ts.idemC.decode(ts.idemC.encode(v.(idemRecord))) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.back(tc.v); !reflect.DeepEqual(got, tc.v) {
				t.Fatalf("round trip =\n%+v\nwant\n%+v", got, tc.v)
			}
		})
	}
}

func TestPaymentByToken(t *testing.T) {
	s := newTestService(t)
	id := s.card(t, 1001, s.customer(t, 1001, "T"), "4003000123456781")
	ts, _ := s.tenant(1001)
	m, err := s.getPayment(ts, id)
	if err != nil {
		t.Fatal(err)
	}
	m.Token = "tok_1"
	if err := s.store.Commit(columndb.Change{Table: ts.payments, Put: []columndb.Row{ts.pay.encode(m)}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token string
		found       bool
	}{{"stored token", "tok_1", true}, {"unknown token", "tok_2", false}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PaymentByToken(1001, tc.token)
			if tc.found != (err == nil) || (tc.found && got.ID != id) || (!tc.found && !errors.Is(err, ErrNotFound)) {
				t.Fatalf("PaymentByToken(%q) = %s, %v", tc.token, got.ID, err)
			}
		})
	}
}

// TestUpgradeFromFirstSchema: tables stored before Seq, the second address
// lines and tokens existed are brought up to date when the tenant is
// opened, and their rows keep working.
func TestUpgradeFromFirstSchema(t *testing.T) {
	s := newTestService(t)
	without := func(def columndb.Table, cols []string, idx string) columndb.Table {
		var keep []columndb.Column
		for _, c := range def.Columns {
			if !slices.Contains(cols, c.ID) {
				keep = append(keep, c)
			}
		}
		def.Columns = keep
		def.Indexes = slices.DeleteFunc(slices.Clone(def.Indexes), func(i columndb.Index) bool { return i.Name == idx })
		return def
	}
	oldCust, err := s.store.CreateTable(without(schema.CustomerTable(1001),
		[]string{schema.CustSeq, schema.Billing().Line2, schema.Shipping().Line2}, schema.IdxSeq))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CreateTable(without(schema.PaymentTable(1001), []string{schema.PayToken}, schema.IdxToken)); err != nil {
		t.Fatal(err)
	}
	id := NewID()
	row := customerCodec{oldCust}.encode(Customer{ID: id, Number: "OLD", Billing: Address{FirstName: "Ada"}, Created: s.now, AccountType: 1})
	if err := s.store.Commit(columndb.Change{Table: oldCust, Put: []columndb.Row{row}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.GetCustomer(1001, id)
	if err != nil || c.Seq != FirstSeq || c.Billing.FirstName != "Ada" {
		t.Fatalf("stored customer after the upgrade = %+v, %v", c, err)
	}
	card := s.card(t, 1001, id, "4003000123456781")
	if m, err := s.GetPayment(1001, card, KindCard); err != nil || m.Masked != "400300xxxx6781" {
		t.Fatalf("card after the upgrade = %+v, %v", m, err)
	}
	if c, err := s.CustomerBySeq(1001, FirstSeq); err != nil || c.ID != id {
		t.Fatalf("CustomerBySeq after the upgrade = %+v, %v", c, err)
	}
}
