package customer

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// problemsOf returns err's problems, failing unless it is an InputError.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an InputError", err)
	}
	return ie.Problems
}

// TestRefusedCharacters: customer numbers (and the other references people
// match on) hold no control or invisible characters; free text holds no
// control characters; neither holds invalid UTF-8.
func TestRefusedCharacters(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "base-1")
	card := s.card(t, 1001, cust, "4003000123456781")
	create := func(number string, billing, shipping AddressInput) func() error {
		return func() error {
			_, err := s.CreateCustomer(1001, CustomerInput{Number: Some(number), Billing: billing, Shipping: shipping}, Idem{})
			return err
		}
	}
	for _, tc := range []struct {
		name  string
		write func() error
		field string // "" when accepted
	}{
		{"zero-width space in a customer number", func() error { return s.number("base-1\u200b") }, FieldNumber},
		{"zero-width joiner", func() error { return s.number("base\u200d-1") }, FieldNumber},
		{"left-to-right mark", func() error { return s.number("\u200ebase-1") }, FieldNumber},
		{"right-to-left mark (U+200F)", func() error { return s.number("base-1\u200f") }, FieldNumber},
		{"word joiner", func() error { return s.number("base\u2060-1") }, FieldNumber},
		{"invisible plus (U+2064)", func() error { return s.number("base\u2064-1") }, FieldNumber},
		{"byte order mark", func() error { return s.number("\ufeffbase-1") }, FieldNumber},
		{"soft hyphen", func() error { return s.number("base\u00ad1") }, FieldNumber},
		{"C0 control", func() error { return s.number("base\x071") }, FieldNumber},
		{"DEL", func() error { return s.number("base\x7f1") }, FieldNumber},
		{"C1 control (NEL)", func() error { return s.number("base\u00851") }, FieldNumber},
		{"invalid UTF-8", func() error { return s.number("base\xff1") }, FieldNumber},
		{"a visible lookalike is another number", func() error { return s.number("base-1\u00e9") }, ""},
		{"tab in a first name", create("n-tab", AddressInput{FirstName: Some("A\tB")}, AddressInput{}),
			AddressField(SideBilling, PartFirstName)},
		{"newline in a shipping address", create("n-nl", AddressInput{}, AddressInput{Line1: Some("1 Main\nSt")}),
			AddressField(SideShipping, PartLine1)},
		{"control character in an email", create("n-mail", AddressInput{Email: Some("a\x00@b.example")}, AddressInput{}),
			AddressField(SideBilling, PartEmail)},
		{"a zero-width joiner in a name is text", create("n-zwj", AddressInput{LastName: Some("क्\u200dष")}, AddressInput{}), ""},
		{"control character in a card holder's name", func() error {
			_, err := s.UpdatePayment(1001, card, PaymentInput{HolderName: Some("Thami\x1bSmires")}, Idem{})
			return err
		}, FieldHolderName},
		{"invisible character in an invoice number", func() error {
			_, err := s.UpdatePlanTerms(PlanInput{Invoice: Some("INV\u200b1")})
			return err
		}, FieldPlanInvoice},
		{"invisible character in an identification", func() error {
			_, err := s.UpdatePlanTerms(PlanInput{Reference: Some("\ufeffREF")})
			return err
		}, FieldPlanReference},
		{"control character in a fee label", func() error {
			_, err := s.UpdatePlanTerms(PlanInput{FeeLabel: Some("Fee\r")})
			return err
		}, FieldPlanFeeLabel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ps := problemsOf(t, err)
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].Code != CodeNotAllowed {
				t.Fatalf("problems = %+v, want one %s on %s", ps, CodeNotAllowed, tc.field)
			}
		})
	}
}

// number creates a customer with the number.
func (ts *testService) number(n string) error {
	_, err := ts.CreateCustomer(1001, CustomerInput{Number: Some(n)}, Idem{})
	return err
}

// UpdatePlanTerms creates a plan for a new customer and updates it with in.
func (ts *testService) UpdatePlanTerms(in PlanInput) (Result, error) {
	c, err := ts.CreateCustomer(1001, CustomerInput{Number: Some("plan-" + NewID()[:8])}, Idem{})
	if err != nil {
		return Result{}, err
	}
	m, err := ts.CreatePayment(1001, PaymentInput{CustomerID: Some(c.ID), Kind: Some(KindCard),
		CardNumber: Some("4111111111111111"), CardExpiry: Some("1230")}, Idem{})
	if err != nil {
		return Result{}, err
	}
	pl, err := ts.CreatePlan(1001, Opt[string]{}, ts.monthly(c.ID, m.ID), Idem{})
	if err != nil {
		return Result{}, err
	}
	return ts.UpdatePlan(1001, pl.ID, Opt[string]{}, in, Idem{})
}

func (ts *testService) monthly(customerID, methodID string) PlanInput {
	return PlanInput{CustomerID: Some(customerID), MethodID: Some(methodID), MethodKind: Some(KindCard),
		Kind: Some(PlanRecurring), Frequency: Some(schedule.Monthly), Start: Some(ts.now), Count: Some(3), Recurring: Some(int64(250))}
}

func TestRefusedCardNumbers(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "cards")
	for _, tc := range []struct {
		name, number string
		err          error
	}{
		{"all zeros (passes Luhn)", "0000000000000000", field.ErrCardRepeated},
		{"all zeros with spaces", "0000 0000 0000 0000", field.ErrCardRepeated},
		{"one digit repeated", "4444444444444", field.ErrCardRepeated},
		{"a leading 0 names no brand (passes Luhn)", "0004000123456788", field.ErrCardNoBrand},
		{"a Visa test number is a card", "4012888888881881", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreatePayment(1001, PaymentInput{CustomerID: Some(cust), Kind: Some(KindCard),
				CardNumber: Some(tc.number), CardExpiry: Some("1230")}, Idem{})
			if tc.err == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ps := problemsOf(t, err)
			want := []Problem{{FieldCardNumber, CodeInvalid, tc.err.Error()[len("field: "):]}}
			if !reflect.DeepEqual(ps, want) {
				t.Fatalf("problems = %+v, want %+v", ps, want)
			}
		})
	}
}

// TestUnlimitedWithCount: an unlimited plan sent a count is refused, not
// given the count silently dropped; Unlimited alone still makes a limited
// plan unlimited.
func TestUnlimitedWithCount(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "U")
	card := s.card(t, 1001, cust, "4003000123456781")
	base := s.monthly(cust, card)
	unlimited, err := s.CreatePlan(1001, Opt[string]{}, with(base, func(p *PlanInput) { p.Count, p.Unlimited = Opt[int]{}, Some(true) }), Idem{})
	if err != nil {
		t.Fatal(err)
	}
	limited, err := s.CreatePlan(1001, Opt[string]{}, base, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	refused := []Problem{{FieldPlanCount, CodeCountWithUnlimited, "must be 0 or left out when the plan is unlimited"}}
	for _, tc := range []struct {
		name  string
		write func() (Result, error)
		want  []Problem
		count int // after an accepted write, -1 for unlimited
	}{
		{"create with both", func() (Result, error) {
			return s.CreatePlan(1001, Opt[string]{}, with(base, func(p *PlanInput) { p.Unlimited = Some(true) }), Idem{})
		}, refused, 0},
		{"create unlimited with a count of 0", func() (Result, error) {
			return s.CreatePlan(1001, Opt[string]{}, with(base, func(p *PlanInput) { p.Count, p.Unlimited = Some(0), Some(true) }), Idem{})
		}, nil, -1},
		{"update an unlimited plan with a count only", func() (Result, error) {
			return s.UpdatePlan(1001, unlimited.ID, Opt[string]{}, PlanInput{Count: Some(5)}, Idem{})
		}, refused, 0},
		{"update an unlimited plan to limited", func() (Result, error) {
			return s.UpdatePlan(1001, unlimited.ID, Opt[string]{}, PlanInput{Count: Some(5), Unlimited: Some(false)}, Idem{})
		}, nil, 5},
		{"update a limited plan to unlimited", func() (Result, error) {
			return s.UpdatePlan(1001, limited.ID, Opt[string]{}, PlanInput{Unlimited: Some(true)}, Idem{})
		}, nil, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.write()
			if tc.want != nil {
				if ps := problemsOf(t, err); !reflect.DeepEqual(ps, tc.want) {
					t.Fatalf("problems = %+v, want %+v", ps, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v, err := s.GetPlan(1001, r.ID)
			if err != nil || v.State.Remaining != tc.count {
				t.Fatalf("remaining = %d, %v; want %d", v.State.Remaining, err, tc.count)
			}
		})
	}
}

func with(in PlanInput, fn func(*PlanInput)) PlanInput { fn(&in); return in }

// TestHorizon: plans start no later than schedule.Horizon, and GetDue
// answers every day up to it (never an error but a problem past it).
func TestHorizon(t *testing.T) {
	s := newTestService(t)
	cust := s.customer(t, 1001, "H")
	card := s.card(t, 1001, cust, "4003000123456781")
	h := schedule.Horizon()
	daily := with(s.monthly(cust, card), func(p *PlanInput) {
		p.Frequency, p.Count, p.Unlimited = Some(schedule.Daily), Opt[int]{}, Some(true)
	})
	plan, err := s.CreatePlan(1001, Opt[string]{}, daily, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	startOn := func(d time.Time) func() error {
		return func() error {
			_, err := s.CreatePlan(1001, Opt[string]{}, with(s.monthly(cust, card), func(p *PlanInput) { p.Start = Some(d) }), Idem{})
			return err
		}
	}
	pastStart := []Problem{{FieldPlanStart, CodePastHorizon, "is after 9998-12-31, the last day a plan may start"}}
	for _, tc := range []struct {
		name  string
		write func() error
		want  []Problem
	}{
		{"a plan starting on the horizon", startOn(h), nil},
		{"a plan starting the day after", startOn(h.AddDate(0, 0, 1)), pastStart},
		{"a plan starting 12/31/9999", startOn(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), pastStart},
		{"an update moving the start past it", func() error {
			_, err := s.UpdatePlan(1001, plan.ID, Opt[string]{}, PlanInput{Start: Some(h.AddDate(1, 0, 0))}, Idem{})
			return err
		}, pastStart},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if ps := problemsOf(t, err); !reflect.DeepEqual(ps, tc.want) {
				t.Fatalf("problems = %+v, want %+v", ps, tc.want)
			}
		})
	}
	today := field.Day(s.now)
	// The number of a daily plan's payment on d; not by Sub, whose
	// Duration ends at 292 years.
	days := func(d time.Time) int { return int((d.Unix()-today.Unix())/86400) + 1 }
	for _, tc := range []struct {
		name   string
		on     time.Time
		number int // of the daily plan's payment; 0 when refused
	}{
		{"tomorrow", today.AddDate(0, 0, 1), 2},
		{"299 years on", today.AddDate(299, 0, 0), days(today.AddDate(299, 0, 0))},
		{"302 years on, past where the walk stopped (a 500 before)", today.AddDate(302, 0, 0), days(today.AddDate(302, 0, 0))},
		{"the day before the horizon", h.AddDate(0, 0, -1), 0},
		{"on the horizon", h, 0},
		{"the day after the horizon", h.AddDate(0, 0, 1), 0},
	} {
		t.Run("due "+tc.name, func(t *testing.T) {
			ds, err := s.GetDue(1001, tc.on)
			if schedule.PastHorizon(tc.on) {
				want := []Problem{{FieldDate, CodePastHorizon, "is after 9998-12-31, the last day schedules cover"}}
				if ps := problemsOf(t, err); !reflect.DeepEqual(ps, want) {
					t.Fatalf("problems = %+v, want %+v", ps, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got *Due
			for i := range ds {
				if ds[i].Plan.ID == plan.ID {
					got = &ds[i]
				}
			}
			if got == nil {
				t.Fatalf("the daily plan is not due; due: %+v", ds)
			}
			if want := tc.number; want != 0 && got.Payment.Number != want {
				t.Fatalf("payment %d, want %d", got.Payment.Number, want)
			}
			if !got.Payment.Date.Equal(tc.on) {
				t.Fatalf("dated %s", got.Payment.Date)
			}
		})
	}
}
