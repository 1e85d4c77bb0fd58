package customer

import (
	"errors"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/internal/schema"
	"github.com/tonebase/tonebase/customer/schedule"
)

// MaxPayments bounds a plan's count: daily for over 27 years.
const MaxPayments = 10_000

// Limits of a plan's text fields.
const (
	maxFeeLabel  = 20
	maxInvoice   = 50
	maxReference = 50
)

// Domain names of the plan fields problems name that input.go does not.
const (
	FieldPlanFeeLabel  = "plan.fee_label"
	FieldPlanInvoice   = "plan.invoice"
	FieldPlanReference = "plan.reference"
)

// overlay lays what in sends over t. Its own length checks come first and
// the wire's reading problems after them, as a request's fields are read.
func (t *Terms) overlay(in PlanInput, today time.Time, p *problems) {
	str := func(name string, v Opt[string], max int, fault func(string) string, dst *string) {
		if v.Set {
			if field.Len(v.V) > max {
				p.add(name, CodeTooLong, "longer than %d characters", max)
			} else if f := fault(v.V); f != "" {
				p.add(name, CodeNotAllowed, "%s", f)
			} else {
				*dst = v.V
			}
		}
	}
	str(FieldPlanFeeLabel, in.FeeLabel, maxFeeLabel, textFault, &t.FeeLabel)
	str(FieldPlanInvoice, in.Invoice, maxInvoice, idFault, &t.Invoice)
	str(FieldPlanReference, in.Reference, maxReference, idFault, &t.Reference)
	*p = append(*p, in.Unread...)
	if in.CustomerID.Set {
		t.CustomerID = NormID(in.CustomerID.V)
	}
	if in.MethodID.Set {
		t.MethodID = NormID(in.MethodID.V)
	}
	in.MethodKind.Into(&t.MethodKind)
	in.Kind.Into(&t.Kind)
	in.Frequency.Into(&t.Frequency)
	in.Count.Into(&t.Count)
	in.Unlimited.Into(&t.Unlimited)
	in.Recurring.Into(&t.Recurring)
	in.Total.Into(&t.Total)
	in.Fee.Into(&t.Fee)
	t.overlayExtras(in, today, p)
	if in.Start.Set {
		switch d := field.Day(in.Start.V); {
		case d.Before(today) && !d.Equal(t.Start):
			p.add(FieldPlanStart, CodePast, "is in the past; a plan starts today or later")
		case schedule.PastHorizon(d):
			p.add(FieldPlanStart, CodePastHorizon, "is after %s, the last day a plan may start", schedule.Horizon().Format(time.DateOnly))
		default:
			t.Start = d
		}
	}
}

// check applies the rules that span fields; in is what the request sent.
func (t *Terms) check(in PlanInput, p *problems) {
	// A start past the horizon has its own problem; "required" would only
	// confuse the sender, who sent one.
	if t.Start.IsZero() && !(in.Start.Set && schedule.PastHorizon(field.Day(in.Start.V))) {
		p.add(FieldPlanStart, CodeRequired, "is required")
	}
	t.checkEnd(p)
	switch t.Kind {
	case PlanRecurring:
		if t.Recurring <= 0 {
			p.add(FieldPlanRecurring, CodeRequired, "is required and must be more than 0")
		}
		if t.Unlimited {
			// A count sent with it would be dropped without a word: the
			// sender meant one of the two, and only they know which.
			if in.Count.Set && in.Count.V > 0 {
				p.add(FieldPlanCount, CodeCountWithUnlimited, "must be 0 or left out when the plan is unlimited")
			}
			t.Count = 0
		} else if t.Count < 1 {
			p.add(FieldPlanCount, CodeCountUnlessUnlimited, "must be at least 1 unless the plan is unlimited")
		}
		t.Total = 0
	case PlanInstallment:
		if t.Unlimited {
			p.add(FieldPlanUnlimited, CodeNotApplicable, "an installment plan has a fixed number of payments")
		}
		if t.Count < 1 {
			p.add(FieldPlanCount, CodeTooSmall, "must be at least 1")
		}
		if t.Total <= 0 {
			p.add(FieldPlanTotal, CodeRequired, "is required and must be more than 0")
		} else if t.Count >= 1 && t.Total < int64(t.Count) {
			p.add(FieldPlanTotal, CodeTooSmall, "must be at least 0.01 per payment")
		}
		t.Recurring = 0
	default:
		p.add(FieldPlanKind, CodeRequired, "is required: recurring or installment")
	}
}

// stateOf is where a plan stands on a day.
func stateOf(pl Plan, today time.Time) PlanState {
	sch := pl.Schedule()
	st := PlanState{Status: StatusActive, Remaining: -1}
	switch {
	case !sch.End.IsZero():
		st.Remaining = len(sch.Remaining(today, MaxPayments))
	case sch.Count > 0:
		st.Remaining = sch.Count - sch.Made(today)
	}
	if nx := sch.Remaining(today, 1); len(nx) > 0 {
		st.Next = nx[0].Date
	}
	ps := sch.Pauses
	switch {
	case pl.Cancelled:
		st.Status = StatusCancelled
	case len(ps) > 0 && ps[len(ps)-1].Open():
		st.Status = StatusSuspended
	case st.Remaining == 0:
		st.Status = StatusCompleted
	}
	return st
}

func (s *Service) today() time.Time { return field.Day(s.now()) }

// checkRefs makes sure the customer exists and the payment method is the
// customer's and of the plan's kind.
func (s *Service) checkRefs(ts *tenantState, t Terms, p *problems) error {
	if t.CustomerID == "" {
		p.add(FieldCustomerID, CodeRequired, "is required")
	} else if _, err := s.getCustomer(ts, t.CustomerID); errors.Is(err, ErrNotFound) {
		p.add(FieldCustomerID, CodeNotFound, "no such customer")
	} else if err != nil {
		return err
	}
	if !t.MethodKind.Valid() {
		p.add(FieldPlanMethodKind, CodeRequired, "is required: card or bank account")
	}
	if t.MethodID == "" {
		p.add(FieldPlanMethod, CodeRequired, "is required")
		return nil
	}
	m, err := s.getPayment(ts, t.MethodID)
	switch {
	case errors.Is(err, ErrNotFound):
		p.add(FieldPlanMethod, CodeNotFound, "no such payment method")
	case err != nil:
		return err
	case m.CustomerID != t.CustomerID:
		p.add(FieldPlanMethod, CodeMismatch, "belongs to another customer")
	case t.MethodKind.Valid() && m.Kind != t.MethodKind:
		code := map[PaymentKind]string{KindCard: CodeKindIsCard, KindBank: CodeKindIsBank}[m.Kind]
		p.add(FieldPlanMethod, code, "is a %s, not a %s as the plan's payment kind says", m.Kind, t.MethodKind)
	}
	return nil
}

// CreatePlan adds a recurring or installment plan; the result is its id.
func (s *Service) CreatePlan(cid int64, id Opt[string], in PlanInput, idem Idem) (Result, error) {
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		var p problems
		if id.Set && id.V != "" {
			p.add(FieldID, CodeAssigned, "is assigned by the server")
		}
		var t Terms
		t.overlay(in, s.today(), &p)
		t.check(in, &p)
		if err := s.checkRefs(ts, t, &p); err != nil {
			return prepared{}, err
		}
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		pl := Plan{ID: NewID(), Terms: t, Created: s.now()}
		return prepared{id: pl.ID, changes: []columndb.Change{{Table: ts.plans, Put: []columndb.Row{ts.plan.encode(pl)}}}}, nil
	})
}

func (s *Service) getPlan(ts *tenantState, id string) (Plan, error) {
	if !ValidID(id) {
		return Plan{}, notFound("plan", id)
	}
	r, err := s.store.Get(ts.plans, id)
	if errors.Is(err, columndb.ErrNotFound) {
		return Plan{}, notFound("plan", id)
	}
	if err != nil {
		return Plan{}, err
	}
	return ts.plan.decode(r), nil
}

// UpdatePlan changes a plan's terms; fields not sent keep their values. The
// schedule is recomputed from the new terms; suspensions are kept. bodyID is
// the id the request's body names, if it names one.
func (s *Service) UpdatePlan(cid int64, id string, bodyID Opt[string], in PlanInput, idem Idem) (Result, error) {
	id = NormID(id)
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		pl, err := s.getPlan(ts, id)
		if err != nil {
			return prepared{}, err
		}
		if pl.Cancelled {
			return prepared{}, conflict("plan %s is cancelled", id)
		}
		var p problems
		if bodyID.Set && bodyID.V != "" && NormID(bodyID.V) != id {
			p.add(FieldID, CodeMismatch, "differs from the id in the path")
		}
		t := pl.Terms
		if in.NextCharge.Set {
			rebase(&pl, &t, s.today())
		}
		t.overlay(in, s.today(), &p)
		t.check(in, &p)
		if t.CustomerID != pl.CustomerID {
			p.add(FieldCustomerID, CodeImmutable, "a plan cannot move to another customer")
		}
		if err := s.checkRefs(ts, t, &p); err != nil {
			return prepared{}, err
		}
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		pl.Terms = t
		return prepared{id: id, changes: []columndb.Change{{Table: ts.plans, Put: []columndb.Row{ts.plan.encode(pl)}}}}, nil
	})
}

// DeletePlan cancels a plan: it is kept for the record and never due again.
func (s *Service) DeletePlan(cid int64, id string) (Result, error) {
	return s.changePlan(cid, NormID(id), Idem{}, func(pl *Plan, st PlanState) error {
		if !pl.Cancelled {
			pl.Cancelled, pl.CancelledAt = true, s.now()
		}
		return nil
	})
}

// SuspendPlan stops a plan from being due from today until it is resumed.
func (s *Service) SuspendPlan(cid int64, id string, idem Idem) (Result, error) {
	return s.changePlan(cid, NormID(id), idem, func(pl *Plan, st PlanState) error {
		switch st.Status {
		case StatusSuspended:
			return conflict("plan %s is already suspended", pl.ID)
		case StatusCompleted, StatusCancelled:
			return conflict("plan %s is %s", pl.ID, st.Status)
		}
		pl.Pauses = append(pl.Pauses, schedule.Pause{From: s.today()})
		return nil
	})
}

// ResumePlan makes a suspended plan due again from today. The dates it
// missed are skipped, not charged late.
func (s *Service) ResumePlan(cid int64, id string, idem Idem) (Result, error) {
	return s.changePlan(cid, NormID(id), idem, func(pl *Plan, st PlanState) error {
		if st.Status != StatusSuspended {
			return conflict("plan %s is not suspended", pl.ID)
		}
		last := &pl.Pauses[len(pl.Pauses)-1]
		last.To = s.today()
		if !last.To.After(last.From) {
			pl.Pauses = pl.Pauses[:len(pl.Pauses)-1] // suspended and resumed the same day: nothing skipped
		}
		return nil
	})
}

func (s *Service) changePlan(cid int64, id string, idem Idem, fn func(*Plan, PlanState) error) (Result, error) {
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		pl, err := s.getPlan(ts, id)
		if err != nil {
			return prepared{}, err
		}
		if err := fn(&pl, stateOf(pl, s.today())); err != nil {
			return prepared{}, err
		}
		return prepared{id: id, changes: []columndb.Change{{Table: ts.plans, Put: []columndb.Row{ts.plan.encode(pl)}}}}, nil
	})
}

// livePlanUsing returns the id of an active or suspended plan charging the
// payment method, or "".
func (s *Service) livePlanUsing(ts *tenantState, paymentID string) (string, error) {
	rows, err := s.store.Lookup(ts.plans, schema.IdxPayment, []string{paymentID}, maxPerCustomer)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		pl := ts.plan.decode(r)
		if st := stateOf(pl, s.today()); st.Status == StatusActive || st.Status == StatusSuspended {
			return pl.ID, nil
		}
	}
	return "", nil
}
