package customer

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
)

var testMaster = bytes.Repeat([]byte{0x42}, 32)

// testService is a Service on a store in a temporary folder, with a fixed clock.
type testService struct {
	*Service
	store *columndb.Store
	dir   string
	now   time.Time
}

func newTestService(t *testing.T) *testService {
	t.Helper()
	ts := &testService{dir: t.TempDir(), now: time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)}
	ts.open(t)
	return ts
}

// open (re)opens the service on ts.dir, as a restart does.
func (ts *testService) open(t *testing.T) {
	t.Helper()
	store, err := columndb.Open(columndb.Options{Dir: ts.dir})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := vault.Open(store, testMaster)
	if err != nil {
		t.Fatal(err)
	}
	ts.store = store
	ts.Service = New(Config{Store: store, Ring: ring, Log: zerolog.Nop(), Now: func() time.Time { return ts.now }})
	t.Cleanup(func() { _ = store.Close() })
}

func (ts *testService) customer(t *testing.T, cid int64, number string) string {
	t.Helper()
	r, err := ts.CreateCustomer(cid, CustomerInput{Number: Some(number), Billing: AddressInput{FirstName: Some("First " + number)}}, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (ts *testService) card(t *testing.T, cid int64, customerID, number string) string {
	t.Helper()
	r, err := ts.CreatePayment(cid, PaymentInput{CustomerID: Some(customerID), Kind: Some(KindCard),
		CardNumber: Some(number), CardExpiry: Some("1230"), HolderName: Some("Thami Smires")}, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// TestRotationReencrypts: after a rotation every stored number is sealed
// under the new key and still opens to what was stored.
func TestRotationReencrypts(t *testing.T) {
	s := newTestService(t)
	cards := map[string]string{}
	for i, n := range []string{"4003000123456781", "5499990123456781", "4111111111111111"} {
		cust := s.customer(t, 1001, "R"+string(rune('0'+i)))
		cards[s.card(t, 1001, cust, n)] = n
	}
	custB := s.customer(t, 1002, "RB")
	cards[s.card(t, 1002, custB, "4222222222222")] = "4222222222222"
	st, err := s.RotateKeys()
	if err != nil || st.Active != "k2" || len(st.Keys) != 2 {
		t.Fatalf("rotate = %+v, %v", st, err)
	}
	if _, err := s.Reencrypt(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, err = s.Keys(); err != nil || st.Pending != 0 {
		t.Fatalf("%d numbers still under the old key (%v)", st.Pending, err)
	}
	for _, cid := range []int64{1001, 1002} {
		ts, _ := s.tenant(cid)
		err := s.store.Each(ts.payments, func(r columndb.Row) (bool, error) {
			m := ts.pay.decode(r)
			p, err := s.ring.Open(m.secret, paymentAAD(cid, m.ID))
			if err != nil || string(p) != cards[m.ID] || vault.KeyID(m.secret) != "k2" {
				t.Errorf("%s: %v under %s", m.ID, err, vault.KeyID(m.secret))
			}
			// A number moved to another tenant's record does not open.
			if _, err := s.ring.Open(m.secret, paymentAAD(cid+1, m.ID)); err == nil {
				t.Error("a sealed number opens for another tenant")
			}
			return true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Duplicates are still found after the rotation.
	_, err = s.CreatePayment(1002, PaymentInput{CustomerID: Some(custB), Kind: Some(KindCard),
		CardNumber: Some("4222222222222"), CardExpiry: Some("1230")}, Idem{})
	var dup *DuplicateError
	if !errors.As(err, &dup) || !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate after rotation = %v", err)
	}
}
