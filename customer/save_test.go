package customer

import (
	"errors"
	"strconv"
	"testing"
)

func cardSave(number string) *MethodSave {
	return &MethodSave{In: PaymentInput{Kind: Some(KindCard), CardNumber: Some(number), CardExpiry: Some("1230")}}
}

func named(number, first string) CustomerInput {
	return CustomerInput{Number: Some(number), Billing: AddressInput{FirstName: Some(first), LastName: Some("Smith")}}
}

// TestSaveActions: what each action does with a stored customer and with
// an absent one.
func TestSaveActions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		action    CustomerAction
		stored    bool
		outcome   CustomerOutcome
		firstName string // the stored first name afterwards
		err       error
	}{
		{"upsert adds", UpsertCustomer, false, CustomerCreated, "New", nil},
		{"upsert updates", UpsertCustomer, true, CustomerUpdated, "New", nil},
		{"add if absent adds", AddCustomerIfAbsent, false, CustomerCreated, "New", nil},
		{"add if absent keeps", AddCustomerIfAbsent, true, CustomerKept, "Old", nil},
		{"add new adds", AddNewCustomer, false, CustomerCreated, "New", nil},
		{"add new refuses a stored one", AddNewCustomer, true, 0, "Old", ErrConflict},
		{"keep finds", KeepCustomer, true, CustomerFound, "Old", nil},
		{"keep refuses an absent one", KeepCustomer, false, 0, "", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t)
			if tc.stored {
				if _, err := s.Save(1001, Save{Customer: named("C1", "Old"), Action: UpsertCustomer}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Save(1001, Save{Customer: named("C1", "New"), Action: tc.action})
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err == nil && got.CustomerOutcome != tc.outcome {
				t.Fatalf("outcome = %d, want %d", got.CustomerOutcome, tc.outcome)
			}
			c, err := s.CustomerByNumber(1001, "C1")
			if tc.firstName == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("a customer was stored: %+v, %v", c, err)
				}
				return
			}
			if err != nil || c.Billing.FirstName != tc.firstName {
				t.Fatalf("stored = %+v, %v; want first name %q", c, err, tc.firstName)
			}
		})
	}
}

// TestSaveIsOneTransaction: a refused method writes no customer, and a
// refused customer no method.
func TestSaveIsOneTransaction(t *testing.T) {
	s := newTestService(t)
	_, err := s.Save(1001, Save{Customer: named("C1", "A"), Action: UpsertCustomer, Method: cardSave("4111111111111112")})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("a bad card = %v", err)
	}
	if _, err := s.CustomerByNumber(1001, "C1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the customer of a refused card was stored: %v", err)
	}
	check := func(Customer, CustomerInput, bool) []Problem {
		return []Problem{{Field: "billing.zip", Code: CodeInvalid, Reason: "the wire says no"}}
	}
	_, err = s.Save(1001, Save{Customer: named("C1", "A"), Action: UpsertCustomer, Method: cardSave("4111111111111111"), Check: check})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Problems[0].Reason != "the wire says no" {
		t.Fatalf("the wire's check = %v", err)
	}
	if _, err := s.CustomerByNumber(1001, "C1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a customer the wire refused was stored: %v", err)
	}
}

// TestSaveMethods: a card added with its customer, the same card again,
// a card by token made primary, and tokens of others refused alike.
func TestSaveMethods(t *testing.T) {
	s := newTestService(t)
	first, err := s.Save(1001, Save{Customer: named("C1", "A"), Action: UpsertCustomer, Method: cardSave("4111111111111111")})
	if err != nil || first.MethodOutcome != MethodAdded || !first.Method.Primary || !ValidToken(first.Method.Token) {
		t.Fatalf("first card = %+v, %v", first, err)
	}
	second, err := s.Save(1001, Save{Customer: CustomerInput{Number: Some("C1")}, Method: cardSave("5555555555554444")})
	if err != nil || second.MethodOutcome != MethodAdded || second.Method.Primary || second.CustomerOutcome != CustomerFound {
		t.Fatalf("second card = %+v, %v", second, err)
	}
	again, err := s.Save(1001, Save{Customer: CustomerInput{Number: Some("C1")}, Method: cardSave("4111-1111-1111-1111")})
	if err != nil || again.MethodOutcome != MethodAlreadyStored || again.Method.Token != first.Method.Token {
		t.Fatalf("the same card again = %+v, %v", again, err)
	}
	byToken, err := s.Save(1001, Save{Customer: CustomerInput{Number: Some("C1")},
		Method: &MethodSave{Token: second.Method.Token, In: PaymentInput{Kind: Some(KindCard), Primary: true, CardExpiry: Some("0131")}}})
	if err != nil || byToken.MethodOutcome != MethodChanged || !byToken.Method.Primary || byToken.Method.Card.Expiry != "0131" ||
		byToken.Method.Token != second.Method.Token {
		t.Fatalf("by token = %+v, %v", byToken, err)
	}
	if p, _ := s.GetPrimary(1001, first.Customer.ID, KindCard); p != second.Method.ID {
		t.Fatalf("primary = %s, want %s", p, second.Method.ID)
	}
	if _, err := s.Save(1001, Save{Customer: named("C2", "B"), Action: UpsertCustomer}); err != nil {
		t.Fatal(err)
	}
	other, err := s.Save(1002, Save{Customer: named("C1", "X"), Action: UpsertCustomer, Method: cardSave("4111111111111111")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, number, token string }{
		{"another customer's token", "C2", first.Method.Token},
		{"another client's token", "C1", other.Method.Token},
		{"a token of no method", "C1", "0000000000001111"},
		{"a token's shape wrong", "C1", "4111111111111111x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Save(1001, Save{Customer: CustomerInput{Number: Some(tc.number)},
				Method: &MethodSave{Token: tc.token, In: PaymentInput{Kind: Some(KindCard), Primary: true}}})
			var ie *InputError
			if !errors.As(err, &ie) || ie.Problems[0].Field != FieldToken || ie.Problems[0].Code != CodeNotFound {
				t.Fatalf("save = %v", err)
			}
			_, _, err = s.DeleteByToken(1001, tc.number, tc.token)
			if !errors.As(err, &ie) || ie.Problems[0].Field != FieldToken || ie.Problems[0].Code != CodeNotFound {
				t.Fatalf("delete = %v", err)
			}
		})
	}
	if _, _, err := s.DeleteByToken(1001, "C1", ""); err == nil {
		t.Fatal("a delete without a token was accepted")
	}
	c, m, err := s.DeleteByToken(1001, "C1", second.Method.Token)
	if err != nil || c.Number != "C1" || m.ID != second.Method.ID {
		t.Fatalf("delete = %+v %+v %v", c, m, err)
	}
	if p, _ := s.GetPrimary(1001, first.Customer.ID, KindCard); p != first.Method.ID {
		t.Fatalf("after deleting the primary, primary = %s, want %s", p, first.Method.ID)
	}
}

// TestAutoNumbers: automatic numbers count from FirstAutoNumber per client,
// skip numbers the merchant uses, and do not come back after a restart.
func TestAutoNumbers(t *testing.T) {
	s := newTestService(t)
	auto := func(cid int64) string {
		t.Helper()
		got, err := s.Save(cid, Save{Customer: CustomerInput{Billing: AddressInput{FirstName: Some("A")}}, AutoNumber: true, Action: UpsertCustomer})
		if err != nil {
			t.Fatal(err)
		}
		return got.Customer.Number
	}
	if _, err := s.Save(1001, Save{Customer: named(strconv.Itoa(FirstAutoNumber+1), "Own"), Action: UpsertCustomer}); err != nil {
		t.Fatal(err)
	}
	want := []string{"100000", "100002", "100003"}
	for _, w := range want {
		if got := auto(1001); got != w {
			t.Fatalf("auto number %s, want %s", got, w)
		}
	}
	if got := auto(1002); got != "100000" {
		t.Fatalf("another client's first auto number = %s", got)
	}
	// A refused save takes no number.
	if _, err := s.Save(1001, Save{AutoNumber: true, Action: UpsertCustomer, Method: cardSave("4111111111111112")}); err == nil {
		t.Fatal("a bad card was accepted")
	}
	if got := auto(1001); got != "100004" {
		t.Fatalf("after a refusal: %s", got)
	}
	if _, err := s.DeleteCustomer(1001, mustNumber(t, s, "100004")); err != nil {
		t.Fatal(err)
	}
	_ = s.store.Close()
	s.open(t)
	if got := auto(1001); got != "100005" {
		t.Fatalf("after a restart: %s, want 100005", got)
	}
}

func mustNumber(t *testing.T, s *testService, number string) string {
	t.Helper()
	c, err := s.CustomerByNumber(1001, number)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestLooseAddress: a loose address takes any country's state, zip and
// phone, within their lengths; the strict one keeps its formats.
func TestLooseAddress(t *testing.T) {
	for _, tc := range []struct {
		name, part, value string
		loose             bool
		stored            string // "" when refused
	}{
		{"strict state is two letters", PartState, "Karnataka", false, ""},
		{"loose state", PartState, "Karnataka", true, "Karnataka"},
		{"loose state too long", PartState, string(make([]byte, 51)), true, ""},
		{"strict zip refuses six digits", PartZip, "560001", false, ""},
		{"loose zip", PartZip, "560001", true, "560001"},
		{"loose zip of the US form", PartZip, "12345-6789", true, "123456789"},
		{"loose zip too long", PartZip, "SW1A 1AA-XX", true, ""},
		{"loose phone", PartPhone, "+91 80 1234 5678", true, "+91 80 1234 5678"},
		{"loose phone too long", PartPhone, "+91 80 1234 5678 9012", true, ""},
		{"loose phone with a tab", PartPhone, "80\t1234", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a Address
			var p problems
			in := AddressInput{}
			map[string]*Opt[string]{PartState: &in.State, PartZip: &in.Zip, PartPhone: &in.Phone}[tc.part].V = tc.value
			map[string]*Opt[string]{PartState: &in.State, PartZip: &in.Zip, PartPhone: &in.Phone}[tc.part].Set = true
			style := StyleUS
			if tc.loose {
				style = StyleLoose
			}
			applyAddress(&a, &in, SideBilling, style, &p)
			got := map[string]string{PartState: a.State, PartZip: a.Zip, PartPhone: a.Phone}[tc.part]
			if (len(p) == 0) != (tc.stored != "") || got != tc.stored {
				t.Fatalf("stored %q, problems %v; want %q", got, p, tc.stored)
			}
		})
	}
}

// TestConcurrentSaves: saves at once, each with AUTO and a card, get
// numbers and tokens no two share, and every customer has its card.
func TestConcurrentSaves(t *testing.T) {
	s := newTestService(t)
	const n = 16
	cards := []string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"}
	out := make(chan Saved, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			got, err := s.Save(1001, Save{Customer: CustomerInput{Billing: AddressInput{FirstName: Some("A")}}, AutoNumber: true,
				Action: UpsertCustomer, Method: cardSave(cards[i%len(cards)])})
			out <- got
			errs <- err
		}()
	}
	numbers, tokens := map[string]bool{}, map[string]bool{}
	for range n {
		got, err := <-out, <-errs
		if err != nil {
			t.Fatal(err)
		}
		if numbers[got.Customer.Number] || tokens[got.Method.Token] {
			t.Fatalf("number %s or token %s given twice", got.Customer.Number, got.Method.Token)
		}
		numbers[got.Customer.Number], tokens[got.Method.Token] = true, true
		if p, err := s.GetPrimary(1001, got.Customer.ID, KindCard); err != nil || p != got.Method.ID {
			t.Fatalf("customer %s: primary %s, %v; want %s", got.Customer.Number, p, err, got.Method.ID)
		}
	}
	for i := range n {
		if !numbers[strconv.Itoa(FirstAutoNumber+i)] {
			t.Fatalf("numbers %v do not run from %d without a gap", numbers, FirstAutoNumber)
		}
	}
}
