package ivr

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
)

// newPaymentService is the guide's database of client 1234 with debtors
// of every payable state, and its payments.
func newPaymentService(t *testing.T) (*Service, *Payments, int64) {
	t.Helper()
	store, cat, dbid := newTestCatalog(t, guideColumns())
	s := NewService(store, cat, fakeClients{}, Config{LockoutLimit: 3, LockoutWindow: time.Hour})
	t.Cleanup(s.Close)
	uploadRows(t, s, dbid, `[{"colA":"123456","colB":"01021990","colC":"£12.50","colD":"£5.00","colE":"£12.50"},
		{"colA":"222222","colB":"01021990","colC":"0"},
		{"colA":"333333","colB":"01021990","colC":"£10.00","colD":"£9.00","colE":"£8.00"},
		{"colA":"444444","colB":"01021990","colC":"£100.00"},
		{"colA":"555555","colB":"01021990","colC":"£10.00","colD":"£20.00"}]`)
	p := NewPayments(s, store)
	p.now = func() time.Time { return time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC) }
	return s, p, dbid
}

func uploadRows(t testing.TB, s *Service, dbid int64, body string) {
	t.Helper()
	res, err := s.Upload(Signed{CID: 1234, DBID: dbid, Hash: hash.Sign(1234, dbid, "secret", []byte(body))}, []byte(body))
	if err != nil || len(res.Invalid) > 0 {
		t.Fatalf("upload: %+v %v", res, err)
	}
}

func pay(ref1, amount, reference string) PaymentInput {
	return PaymentInput{Refs: map[string]string{"ref1": ref1, "ref2": "01021990"}, Amount: amount, Reference: reference}
}

func TestPost(t *testing.T) {
	tests := []struct {
		name string
		in   PaymentInput
		want PaymentResult // PaymentID, Language and Currency not compared
		err  *PaymentError // Code, Input and Reason, Min, Max compared
	}{
		{name: "part payment", in: pay("123456", "7.50", "r1"),
			want: PaymentResult{Status: StatusFound, Amount: 750, Balance: 500, MinPay: 500, MaxPay: 500}},
		{name: "pays off the balance", in: pay("123456", "12.50", "r1"),
			want: PaymentResult{Status: StatusNotPayable, Reason: ReasonNoBalance, Amount: 1250}},
		{name: "amount in minor units", in: PaymentInput{Refs: map[string]string{"COLA": "123456", "colb": "01021990#"}, AmountMinor: 600, Reference: "r1"},
			want: PaymentResult{Status: StatusFound, Amount: 600, Balance: 650, MinPay: 500, MaxPay: 650}},
		{name: "bare number is pence, as uploads take it", in: pay("444444", "1250", "r1"),
			want: PaymentResult{Status: StatusFound, Amount: 1250, Balance: 8750, MinPay: 1, MaxPay: 8750}},
		{name: "minimum above the balance, as the lookup says", in: pay("555555", "£10.00", "r1"),
			err: &PaymentError{Code: PayNotPayable, Reason: ReasonMinOverMax, Min: 1000, Max: 1000}},
		{name: "below minimum", in: pay("123456", "4.99", "r1"), err: &PaymentError{Code: PayBelowMin, Min: 500, Max: 1250}},
		{name: "above maximum", in: pay("123456", "12.51", "r1"), err: &PaymentError{Code: PayAboveMax, Min: 500, Max: 1250}},
		{name: "nothing owed", in: pay("222222", "1.00", "r1"), err: &PaymentError{Code: PayNotPayable, Reason: ReasonNoBalance}},
		{name: "minimum over maximum", in: pay("333333", "8.50", "r1"), err: &PaymentError{Code: PayNotPayable, Reason: ReasonMinOverMax, Min: 900, Max: 800}},
		{name: "not found", in: pay("654321", "1.00", "r1"), err: &PaymentError{Code: PayNotFound}},
		{name: "ref too short", in: pay("12345", "1.00", "r1"), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "ref1", Reason: ReasonTooShort, Min: 6, Max: 6}}},
		{name: "ref missing", in: PaymentInput{Refs: map[string]string{"ref1": "123456"}, Amount: "1.00", Reference: "r1"},
			err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "ref2", Reason: ReasonMissing, Min: 8, Max: 8}}},
		{name: "no amount", in: pay("123456", "", "r1"), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "amount", Reason: ReasonMissing}}},
		{name: "both amounts", in: PaymentInput{Refs: pay("123456", "", "").Refs, Amount: "1.00", AmountMinor: 100, Reference: "r1"},
			err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "amount", Reason: ReasonBothAmounts}}},
		{name: "three decimals", in: pay("123456", "5.001", "r1"), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "amount", Reason: ReasonNotAmount}}},
		{name: "negative", in: pay("123456", "-5.00", "r1"), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "amount", Reason: ReasonNotPositive}}},
		{name: "no reference", in: pay("123456", "5.00", ""), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "reference", Reason: ReasonMissing}}},
		{name: "reference too long", in: pay("123456", "5.00", strings.Repeat("r", MaxReference+1)), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "reference", Reason: ReasonTooLong}}},
		{name: "reference with a newline", in: pay("123456", "5.00", "r\n1"), err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "reference", Reason: ReasonBadText}}},
		{name: "a whole card number as last four", in: PaymentInput{Refs: pay("123456", "", "").Refs, Amount: "5.00", Reference: "r1", CardLast4: "4111111111111111"},
			err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "card_last4", Reason: ReasonNotLast4}}},
		{name: "card digits on a bank payment", in: PaymentInput{Refs: pay("123456", "", "").Refs, Amount: "5.00", Reference: "r1", Method: MethodBank, CardLast4: "1111"},
			err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "card_last4", Reason: ReasonWrongMethod}}},
		{name: "unknown method", in: PaymentInput{Refs: pay("123456", "", "").Refs, Amount: "5.00", Reference: "r1", Method: "bitcoin"},
			err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "method", Reason: ReasonBadMethod}}},
		{name: "caller not digits", in: PaymentInput{Refs: pay("123456", "", "").Refs, Amount: "5.00", Reference: "r1", Caller: "0770 0900"},
			err: &PaymentError{Code: PayInvalidInput, Input: &InputError{Field: "caller", Reason: ReasonNotDigits}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, dbid := newPaymentService(t)
			got, err := p.Post(1234, dbid, tt.in)
			if tt.err != nil {
				var pe *PaymentError
				if !errors.As(err, &pe) {
					t.Fatalf("Post = %+v, %v; want %+v", got, err, tt.err)
				}
				if pe.Code != tt.err.Code || pe.Reason != tt.err.Reason || pe.Min != tt.err.Min || pe.Max != tt.err.Max ||
					(pe.Input == nil) != (tt.err.Input == nil) || (pe.Input != nil && *pe.Input != *tt.err.Input) {
					t.Fatalf("Post refused %+v (input %+v), want %+v (input %+v)", pe, pe.Input, tt.err, tt.err.Input)
				}
				if led, err := p.Ledger(1234, dbid, "", 10); err != nil || len(led.Entries) != 0 {
					t.Fatalf("a refused payment is in the ledger: %+v %v", led, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.PaymentID != "1" {
				t.Fatalf("payment id %q, want 1", got.PaymentID)
			}
			got.PaymentID, got.Language, got.Currency = "", "", ""
			if got != tt.want {
				t.Fatalf("Post = %+v, want %+v", got, tt.want)
			}
			// What the payment answered is what the next lookup hears.
			res, err := p.svc.Lookup(1234, dbid, Query{Param: tt.in.param})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := res.Record.Amounts()
			if res.Status != tt.want.Status || a.Balance != tt.want.Balance || a.MinPayment != tt.want.MinPay || a.MaxPayment != tt.want.MaxPay {
				t.Fatalf("lookup after: %s %+v, want %+v", res.Status, a, tt.want)
			}
		})
	}
}

func TestPostIdempotent(t *testing.T) {
	s, p, dbid := newPaymentService(t)
	in := pay("444444", "10.00", "PSP-8842")
	in.Method, in.CardLast4, in.Caller = MethodCard, "1111", "07700900123"
	first, err := p.Post(1234, dbid, in)
	if err != nil || first.Replayed {
		t.Fatalf("first post: %+v %v", first, err)
	}
	again, err := p.Post(1234, dbid, in)
	if err != nil || !again.Replayed {
		t.Fatalf("second post: %+v %v", again, err)
	}
	again.Replayed = false
	if again != first {
		t.Fatalf("replay %+v, want %+v", again, first)
	}
	// The answer is the first one even once the row has changed since.
	uploadRows(t, s, dbid, `[{"colA":"444444","colB":"01021990","colC":"£50.00"}]`)
	if again, err := p.Post(1234, dbid, in); err != nil || again.Balance != 9000 || !again.Replayed {
		t.Fatalf("replay after an upload: %+v %v", again, err)
	}
	other := in
	other.Amount = "10.01"
	if _, err := p.Post(1234, dbid, other); !isPayCode(err, PayReferenceReuse) {
		t.Fatalf("another body under the reference: %v, want %s", err, PayReferenceReuse)
	}
	res, _ := s.Lookup(1234, dbid, Query{Param: in.param})
	if a, _ := res.Record.Amounts(); a.Balance != 5000 {
		t.Fatalf("balance %d after replays, want the upload's 5000", a.Balance)
	}
	led, err := p.Ledger(1234, dbid, "", 10)
	if err != nil || len(led.Entries) != 1 {
		t.Fatalf("ledger %+v %v, want one entry", led, err)
	}
	e := led.Entries[0]
	if e.Reference != "PSP-8842" || e.CardLast4 != "1111" || e.Caller != "07700900123" || e.Platform != PlatformAPI ||
		e.Amount != 1000 || e.BalanceBefore != 10000 || e.BalanceAfter != 9000 || !e.ReplacedByUpload ||
		e.Refs["ref1"] != "444444" || e.Refs["ref2"] != "01021990" || e.Method != MethodCard {
		t.Fatalf("entry %+v", e)
	}
}

func isPayCode(err error, code string) bool {
	var pe *PaymentError
	return errors.As(err, &pe) && pe.Code == code
}

// TestPostLockout: a payment's refs count towards the lockout as a
// lookup's, and a locked ref1 pays nothing.
func TestPostLockout(t *testing.T) {
	_, p, dbid := newPaymentService(t)
	for i := range 3 {
		in := pay("123456", "5.00", fmt.Sprint("miss", i))
		in.Refs["ref2"] = "02021990"
		if _, err := p.Post(1234, dbid, in); !isPayCode(err, PayNotFound) {
			t.Fatalf("miss %d: %v", i, err)
		}
	}
	_, err := p.Post(1234, dbid, pay("123456", "5.00", "right"))
	var pe *PaymentError
	if !errors.As(err, &pe) || pe.Code != PayLocked || pe.RetryAfter <= 0 {
		t.Fatalf("after 3 misses: %v, want locked", err)
	}
}

// TestPostConcurrent: many goroutines paying one row, some with the same
// reference, never take it below zero nor debit a reference twice, and
// every payment answered is in the ledger.
func TestPostConcurrent(t *testing.T) {
	s, p, dbid := newPaymentService(t)
	const workers, each = 16, 25 // 400 tries of £0.30 at £100: 333 can be paid
	var mu sync.Mutex
	paid := map[string]string{} // reference → payment id
	debits := map[string]int{}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ref := fmt.Sprint("ref-", (g*each+i)/2) // pairs of tries share a reference
				res, err := p.Post(1234, dbid, pay("444444", "0.30", ref))
				switch {
				case err == nil:
					mu.Lock()
					if id, seen := paid[ref]; seen && id != res.PaymentID {
						t.Errorf("reference %s paid as %s and %s", ref, id, res.PaymentID)
					}
					if !res.Replayed {
						if debits[ref]++; debits[ref] > 1 {
							t.Errorf("reference %s debited twice", ref)
						}
					}
					paid[ref] = res.PaymentID
					mu.Unlock()
				case isPayCode(err, PayAboveMax), isPayCode(err, PayNotPayable):
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	res, _ := s.Lookup(1234, dbid, Query{Param: pay("444444", "", "").param})
	a, _ := res.Record.Amounts()
	if a.Balance < 0 || a.Balance != 10000-30*int64(len(paid)) {
		t.Fatalf("balance %d after %d payments of 30 from 10000", a.Balance, len(paid))
	}
	led, err := p.Ledger(1234, dbid, "", MaxLedgerLimit)
	if err != nil || len(led.Entries) != len(paid) {
		t.Fatalf("ledger holds %d (%v), %d references were paid", len(led.Entries), err, len(paid))
	}
	for _, e := range led.Entries {
		if paid[e.Reference] != e.ID {
			t.Fatalf("ledger entry %s for %s, answered as %s", e.ID, e.Reference, paid[e.Reference])
		}
	}
}

// TestPaymentBetweenUploadBatches: an upload whose batches set the same
// row, with payments landing between them, loses no payment from the
// ledger; the upload wins the balance, and the payments are marked.
func TestPaymentBetweenUploadBatches(t *testing.T) {
	s, p, dbid := newPaymentService(t)
	// Two requests of one merchant's upload, as `tonebase upload --batch` sends them.
	uploadRows(t, s, dbid, `[{"colA":"444444","colB":"01021990","colC":"£100.00"}]`)
	if _, err := p.Post(1234, dbid, pay("444444", "10.00", "between")); err != nil {
		t.Fatal(err)
	}
	uploadRows(t, s, dbid, `[{"colA":"444444","colB":"01021990","colC":"10000"}]`)
	if _, err := p.Post(1234, dbid, pay("444444", "1.00", "after")); err != nil {
		t.Fatal(err)
	}

	// One upload of three batches (uploadBatch rows each), the row in
	// every batch, while payments run beside it.
	var b strings.Builder
	b.WriteString("[")
	for i := range 3 * uploadBatch {
		if i > 0 {
			b.WriteString(",")
		}
		if i%uploadBatch == uploadBatch/2 {
			b.WriteString(`{"colA":"444444","colB":"01021990","colC":"£100.00"}`)
			continue
		}
		fmt.Fprintf(&b, `{"colA":"%06d","colB":"01021990","colC":"1000"}`, 600000+i)
	}
	b.WriteString("]")
	done := make(chan struct{})
	var posted []string
	go func() {
		defer close(done)
		for i := 0; i < 40; i++ {
			res, err := p.Post(1234, dbid, pay("444444", "0.50", fmt.Sprint("during-", i)))
			if err != nil {
				t.Error(err)
				return
			}
			posted = append(posted, res.PaymentID)
		}
	}()
	uploadRows(t, s, dbid, b.String())
	<-done
	led, err := p.Ledger(1234, dbid, "", MaxLedgerLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(led.Entries) != 2+len(posted) {
		t.Fatalf("ledger holds %d entries, %d were posted", len(led.Entries), 2+len(posted))
	}
	if e := led.Entries[0]; e.Reference != "between" || !e.ReplacedByUpload {
		t.Fatalf("the payment between two uploads: %+v, want it kept and marked", e)
	}
	for i, e := range led.Entries[2:] {
		if e.ID != posted[i] {
			t.Fatalf("entry %d is %s, posted %s", i+2, e.ID, posted[i])
		}
	}
}

func TestLedgerPages(t *testing.T) {
	_, p, dbid := newPaymentService(t)
	for i := range 5 {
		if _, err := p.Post(1234, dbid, pay("444444", "1.00", fmt.Sprint("p", i))); err != nil {
			t.Fatal(err)
		}
	}
	var refs []string
	after := ""
	for range 10 {
		page, err := p.Ledger(1234, dbid, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			refs = append(refs, e.Reference)
		}
		if after = page.Next; after == "" {
			break
		}
	}
	if strings.Join(refs, ",") != "p0,p1,p2,p3,p4" {
		t.Fatalf("pages gave %v", refs)
	}
	if _, err := p.Ledger(1234, dbid, "x", 2); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad cursor: %v", err)
	}
	if _, err := p.Ledger(1234, dbid+99, "", 2); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("no database: %v", err)
	}
	if _, err := p.Post(4321, dbid, pay("444444", "1.00", "x")); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("another client's database: %v", err)
	}
}

// TestPostWhileRedefined: an admin redefining the database while payments
// run makes none of them fail or go missing: each is checked again under
// the new definition.
func TestPostWhileRedefined(t *testing.T) {
	s, p, dbid := newPaymentService(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 30 {
			if _, err := s.Catalog().Update(1234, dbid, DatabaseSpec{Description: fmt.Sprint("Debtors ", i), Columns: guideColumns()}); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond) // an admin's changes come apart, if only just
		}
	}()
	n := 0
	for i := 0; ; i++ {
		select {
		case <-done:
		default:
			if _, err := p.Post(1234, dbid, pay("444444", "0.01", fmt.Sprint("r", i))); err != nil {
				t.Fatalf("payment %d during a redefinition: %v", i, err)
			}
			n++
			continue
		}
		break
	}
	// A fast machine posts more than one page of the ledger.
	held := 0
	for after := ""; ; {
		led, err := p.Ledger(1234, dbid, after, MaxLedgerLimit)
		if err != nil {
			t.Fatal(err)
		}
		held += len(led.Entries)
		if after = led.Next; after == "" {
			break
		}
	}
	if held != n {
		t.Fatalf("ledger holds %d, %d posted", held, n)
	}
}

// TestPostIndexedDatabase: a database whose refs are not its primary key
// finds the payer through its lookup index, and refs two rows share pay
// neither.
func TestPostIndexedDatabase(t *testing.T) {
	store, cat, dbid := newTestCatalog(t, []Column{
		{ID: "colA", Name: "Account", Type: columndb.TypeText, Visible: true, Required: true, PrimaryKey: true},
		{ID: "colB", Name: "PIN", Type: columndb.TypeNumeric, Required: true, IVRField: RoleRef1, MinDTMF: 4, MaxDTMF: 4},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, IVRField: RoleBalance},
	})
	s := NewService(store, cat, fakeClients{}, Config{LockoutLimit: 3, LockoutWindow: time.Hour})
	t.Cleanup(s.Close)
	uploadRows(t, s, dbid, `[{"colA":"acc-1","colB":"1234","colC":"£6.00"},{"colA":"acc-2","colB":"5555","colC":"£1.00"},{"colA":"acc-3","colB":"5555","colC":"£2.00"}]`)
	p := NewPayments(s, store)
	in := func(pin, ref string) PaymentInput {
		return PaymentInput{Refs: map[string]string{"ref1": pin}, Amount: "1.00", Reference: ref}
	}
	res, err := p.Post(1234, dbid, in("1234", "r1"))
	if err != nil || res.Balance != 500 {
		t.Fatalf("indexed payment: %+v %v", res, err)
	}
	if _, err := p.Post(1234, dbid, in("5555", "r2")); !isPayCode(err, PayAmbiguous) {
		t.Fatalf("two rows with one PIN: %v, want ambiguous", err)
	}
	led, err := p.Ledger(1234, dbid, "", 10)
	if err != nil || len(led.Entries) != 1 || led.Entries[0].Refs["ref1"] != "1234" {
		t.Fatalf("ledger %+v %v", led, err)
	}
}
