package customer

import (
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
)

// TestNewToken: every token is sixteen digits, ends in the number's last
// four, fails the Luhn check, and its other twelve digits are not the same
// twice in many draws.
func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for i := range 20000 {
		last4 := []string{"1111", "6781", "0000", "4444"}[i%4]
		tok, err := newToken(last4)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case !ValidToken(tok):
			t.Fatalf("token %q is not 16 digits", tok)
		case tok[12:] != last4:
			t.Fatalf("token %q does not end in %s", tok, last4)
		case field.Luhn(tok):
			t.Fatalf("token %q passes the Luhn check", tok)
		case seen[tok[:12]]:
			t.Fatalf("token digits %q drawn twice in %d draws", tok[:12], i)
		}
		seen[tok[:12]] = true
	}
}

func TestValidToken(t *testing.T) {
	for _, tc := range []struct {
		name, token string
		want        bool
	}{
		{"sixteen digits", "1234567890121111", true},
		{"fifteen digits", "123456789012111", false},
		{"seventeen digits", "12345678901211110", false},
		{"a letter", "12345678901211x1", false},
		{"empty", "", false},
		{"a 32-hex id", NewID(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidToken(tc.token); got != tc.want {
				t.Fatalf("ValidToken(%q) = %v", tc.token, got)
			}
		})
	}
}

// TestTokensOfMethods: each new method gets a token of its own, which stays
// the same through updates that keep the number and changes with a new one.
func TestTokensOfMethods(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "T")
	a := s.card(t, 1001, cust, "4111111111111111")
	b := s.card(t, 1001, cust, "4003000123456781")
	ma, _ := s.GetPayment(1001, a, 0)
	mb, _ := s.GetPayment(1001, b, 0)
	if ma.Token == mb.Token || ma.Token[12:] != "1111" || mb.Token[12:] != "6781" {
		t.Fatalf("tokens %q and %q", ma.Token, mb.Token)
	}
	if got, err := s.PaymentByToken(1001, ma.Token); err != nil || got.ID != a {
		t.Fatalf("PaymentByToken = %s, %v", got.ID, err)
	}
	for _, tc := range []struct {
		name     string
		in       PaymentInput
		newToken bool
	}{
		{"a new expiry keeps the token", PaymentInput{CardExpiry: Some("1131")}, false},
		{"the same number keeps the token", PaymentInput{CardNumber: Some("4111 1111 1111 1111")}, false},
		{"a new number gets a new token", PaymentInput{CardNumber: Some("5555555555554444")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := s.GetPayment(1001, a, 0)
			if _, err := s.UpdatePayment(1001, a, tc.in, Idem{}); err != nil {
				t.Fatal(err)
			}
			after, _ := s.GetPayment(1001, a, 0)
			if changed := after.Token != before.Token; changed != tc.newToken {
				t.Fatalf("token %s → %s", before.Token, after.Token)
			}
			if after.Token[12:] != lastFour(after.Masked) {
				t.Fatalf("token %s does not end in the number's last four (%s)", after.Token, after.Masked)
			}
			if _, err := s.PaymentByToken(1001, before.Token); tc.newToken && err == nil {
				t.Fatal("the old token still names the method")
			}
		})
	}
	if _, err := s.PaymentByToken(1002, mb.Token); err == nil {
		t.Fatal("another client finds the method by its token")
	}
}

// TestTokensBackfill: methods stored before tokens existed get one when
// their tenant is next opened, and keep it from then on.
func TestTokensBackfill(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "T")
	id := s.card(t, 1001, cust, "4003000123456781")
	ts, _ := s.tenant(1001)
	m, err := s.getPayment(ts, id)
	if err != nil {
		t.Fatal(err)
	}
	m.Token = ""
	if err := s.store.Commit(columndb.Change{Table: ts.payments, Put: []columndb.Row{ts.pay.encode(m)}}); err != nil {
		t.Fatal(err)
	}
	_ = s.store.Close()
	s.open(t)
	got, err := s.GetPayment(1001, id, 0)
	if err != nil || !ValidToken(got.Token) || got.Token[12:] != "6781" {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	_ = s.store.Close()
	s.open(t)
	if again, _ := s.GetPayment(1001, id, 0); again.Token != got.Token {
		t.Fatalf("token changed on a second open: %s → %s", got.Token, again.Token)
	}
}
