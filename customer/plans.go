package customer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// Plan types as the API numbers them.
const (
	PlanRecurring   = 1
	PlanInstallment = 2
)

// Plan statuses, for the Status filter and field.
const (
	StatusActive    = 1
	StatusSuspended = 2
	StatusCompleted = 3
	StatusCancelled = 4
)

// maxPayments bounds NumberOfPayments: daily for over 27 years.
const maxPayments = 10_000

// terms are a plan's stored settings, typed.
type terms struct {
	customerID, paymentID, paymentType string
	planType                           int
	frequency                          schedule.Frequency
	start                              time.Time
	count                              int
	unlimited                          bool
	recurring, total, fee              int64
	feeLabel, invoice, ident           string
}

func termsOf(x rec) terms {
	start, _ := field.ParseDayKey(x.get("EffectiveDate"))
	return terms{customerID: x.get("CustomerId"), paymentID: x.get("PaymentInfo_Id"), paymentType: x.get("PaymentType"),
		planType: int(x.int("PlanType")), frequency: schedule.Frequency(x.int("Frequency")), start: start,
		count: int(x.int("NumberOfPayments")), unlimited: x.int("Unlimited") == 1, recurring: x.int("RecurringAmount"),
		total: x.int("TotalAmount"), fee: x.int("SwipeFeeAmount"), feeLabel: x.get("SwipeFeeLabel"),
		invoice: x.get("InvoiceNumber"), ident: x.get("Identification")}
}

// overlay lays the fields in sends over t, recording what it cannot read.
func (t *terms) overlay(in Input, today time.Time, p *problems) {
	str := func(name string, dst *string, max int) {
		if v, ok := in.text(name); ok {
			if field.Len(v) > max {
				p.add(name, "longer than %d characters", max)
			} else {
				*dst = v
			}
		}
	}
	str("SwipeFeeLabel", &t.feeLabel, 20)
	str("InvoiceNumber", &t.invoice, 50)
	str("Identification", &t.ident, 50)
	if v, ok := in.text("CustomerId"); ok {
		t.customerID = normID(v)
	}
	if v, ok := in.text("PaymentInfo_Id"); ok {
		t.paymentID = normID(v)
	}
	if v, ok := in.text("PaymentType"); ok {
		t.paymentType = parseType(v, true, p)
	}
	integer := func(name string, lo, hi int, dst *int, what string) {
		if v, ok := in.text(name); ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				p.add(name, "%s", what)
			} else {
				*dst = n
			}
		}
	}
	integer("PlanType", 1, 2, &t.planType, "must be 1 (recurring) or 2 (installment)")
	freq := int(t.frequency)
	integer("Frequency", 0, 6, &freq, "must be 0 daily, 1 weekly, 2 bi-weekly, 3 monthly, 4 yearly, 5 quarterly or 6 semi-annually")
	t.frequency = schedule.Frequency(freq)
	integer("NumberOfPayments", 0, maxPayments, &t.count, fmt.Sprintf("must be a whole number from 1 to %d", maxPayments))
	if v, ok := in.text("Unlimited"); ok {
		if b, ok := (field.Value{Text: v}).Bool(); ok {
			t.unlimited = b
		} else {
			p.add("Unlimited", "must be 0 or 1")
		}
	}
	money := func(name string, dst *int64) {
		if v, ok := in.text(name); ok && v != "" {
			m, err := field.ParseMoney(v)
			if err != nil {
				p.addErr(name, err)
			} else {
				*dst = m
			}
		}
	}
	money("RecurringAmount", &t.recurring)
	money("TotalAmount", &t.total)
	money("SwipeFeeAmount", &t.fee)
	if v, ok := in.text("EffectiveDate"); ok {
		d, err := field.ParseDate(v)
		switch {
		case err != nil:
			p.addErr("EffectiveDate", err)
		case d.Before(today) && !d.Equal(t.start):
			p.add("EffectiveDate", "is in the past; a plan starts today or later")
		default:
			t.start = d
		}
	}
}

// check applies the rules that span fields.
func (t *terms) check(p *problems) {
	if t.start.IsZero() {
		p.add("EffectiveDate", "is required")
	}
	switch t.planType {
	case PlanRecurring:
		if t.recurring <= 0 {
			p.add("RecurringAmount", "is required and must be more than 0")
		}
		if t.unlimited {
			t.count = 0
		} else if t.count < 1 {
			p.add("NumberOfPayments", "must be at least 1 unless Unlimited is 1")
		}
		t.total = 0
	case PlanInstallment:
		if t.unlimited {
			p.add("Unlimited", "an installment plan has a fixed number of payments")
		}
		if t.count < 1 {
			p.add("NumberOfPayments", "must be at least 1")
		}
		if t.total <= 0 {
			p.add("TotalAmount", "is required and must be more than 0")
		} else if t.count >= 1 && t.total < int64(t.count) {
			p.add("TotalAmount", "must be at least 0.01 per payment")
		}
		t.recurring = 0
	default:
		p.add("PlanType", "is required: 1 (recurring) or 2 (installment)")
	}
}

// amounts are what each payment charges before the fee: every payment but
// the last, and the last.
func (t terms) amounts() (regular, last int64) {
	if t.planType == PlanInstallment {
		return schedule.Split(t.total, t.count)
	}
	return t.recurring, t.recurring
}

func (t terms) write(x rec) {
	x.set("CustomerId", t.customerID)
	x.set("PaymentInfo_Id", t.paymentID)
	x.set("PaymentType", t.paymentType)
	x.setInt("PlanType", int64(t.planType))
	x.setInt("Frequency", int64(t.frequency))
	x.set("EffectiveDate", field.DayKey(t.start))
	x.setInt("NumberOfPayments", int64(t.count))
	x.setInt("Unlimited", map[bool]int64{true: 1}[t.unlimited])
	x.setInt("RecurringAmount", t.recurring)
	x.setInt("TotalAmount", t.total)
	x.setInt("SwipeFeeAmount", t.fee)
	x.set("SwipeFeeLabel", t.feeLabel)
	x.set("InvoiceNumber", t.invoice)
	x.set("Identification", t.ident)
	regular, _ := t.amounts()
	x.setInt("Amount", regular+t.fee)
}

// pauses reads the stored suspensions: "20240301-20240315;20240401-".
func pauses(s string) []schedule.Pause {
	var out []schedule.Pause
	for _, part := range strings.Split(s, ";") {
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			continue
		}
		f, err := field.ParseDayKey(from)
		if err != nil {
			continue
		}
		ps := schedule.Pause{From: f}
		if to != "" {
			if ps.To, err = field.ParseDayKey(to); err != nil {
				continue
			}
		}
		out = append(out, ps)
	}
	return out
}

func formatPauses(ps []schedule.Pause) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = field.DayKey(p.From) + "-"
		if !p.Open() {
			parts[i] += field.DayKey(p.To)
		}
	}
	return strings.Join(parts, ";")
}

func planSchedule(x rec) schedule.Plan {
	t := termsOf(x)
	return schedule.Plan{Start: t.start, Frequency: t.frequency, Count: t.count, Pauses: pauses(x.get("Pauses"))}
}

// planState is where a plan stands on a day.
type planState struct {
	status    int
	remaining int // -1 for an unlimited plan
	next      time.Time
}

func stateOf(x rec, today time.Time) (planState, error) {
	sch := planSchedule(x)
	st := planState{status: StatusActive, remaining: -1}
	made, err := sch.Made(today)
	if err != nil {
		return st, err
	}
	if sch.Count > 0 {
		st.remaining = sch.Count - made
	}
	if nx, err := sch.Remaining(today, 1); err != nil {
		return st, err
	} else if len(nx) > 0 {
		st.next = nx[0].Date
	}
	ps := sch.Pauses
	switch {
	case x.int("Cancelled") == 1:
		st.status = StatusCancelled
	case len(ps) > 0 && ps[len(ps)-1].Open():
		st.status = StatusSuspended
	case st.remaining == 0:
		st.status = StatusCompleted
	}
	return st, nil
}

func (s *Service) today() time.Time { return field.Day(s.now()) }

// checkRefs makes sure the customer exists and the payment method is the
// customer's and of the plan's type.
func (s *Service) checkRefs(ts *tenantState, t terms, p *problems) error {
	if t.customerID == "" {
		p.add("CustomerId", "is required")
	} else if _, err := s.getCustomer(ts, t.customerID); errors.Is(err, ErrNotFound) {
		p.add("CustomerId", "no such customer")
	} else if err != nil {
		return err
	}
	if t.paymentType == "" {
		p.add("PaymentType", "is required: 2 (card) or 3 (bank account)")
	}
	if t.paymentID == "" {
		p.add("PaymentInfo_Id", "is required")
		return nil
	}
	m, err := s.getPayment(ts, t.paymentID)
	switch {
	case errors.Is(err, ErrNotFound):
		p.add("PaymentInfo_Id", "no such payment method")
	case err != nil:
		return err
	case m.get("CustomerId") != t.customerID:
		p.add("PaymentInfo_Id", "belongs to another customer")
	case t.paymentType != "" && m.get("PaymentType") != t.paymentType:
		p.add("PaymentInfo_Id", "is a %s, not a %s as PaymentType says", typeName(m.get("PaymentType")), typeName(t.paymentType))
	}
	return nil
}

// CreatePlan adds a recurring or installment plan and answers its id.
func (s *Service) CreatePlan(cid int64, in Input, idem Idem) (Reply, error) {
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		var p problems
		in.checkScalar(&p)
		if v, ok := in.text("RecurringId"); ok && v != "" {
			p.add("RecurringId", "is assigned by the server; use PUT RecurringTrans/{id} to update")
		}
		var t terms
		t.planType = 0
		t.overlay(in, s.today(), &p)
		t.check(&p)
		if err := s.checkRefs(ts, t, &p); err != nil {
			return prepared{}, err
		}
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		x := newRec(ts.plans)
		id := NewID()
		x.set("RecurringID", id)
		x.setInt("DateCreated", s.now().UnixNano())
		x.setInt("Cancelled", 0)
		t.write(x)
		return prepared{text: id, changes: []columndb.Change{{Table: ts.plans, Put: []columndb.Row{x.r}}}}, nil
	})
}

func (s *Service) getPlan(ts *tenantState, id string) (rec, error) {
	if !ValidID(id) {
		return rec{}, notFound("plan", id)
	}
	r, err := s.store.Get(ts.plans, id)
	if errors.Is(err, columndb.ErrNotFound) {
		return rec{}, notFound("plan", id)
	}
	if err != nil {
		return rec{}, err
	}
	return rec{ts.plans, r}, nil
}

// UpdatePlan changes a plan's terms; fields not sent keep their values. The
// schedule is recomputed from the new terms; suspensions are kept.
func (s *Service) UpdatePlan(cid int64, id string, in Input, idem Idem) (Reply, error) {
	id = normID(id)
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		old, err := s.getPlan(ts, id)
		if err != nil {
			return prepared{}, err
		}
		if old.int("Cancelled") == 1 {
			return prepared{}, conflict("plan %s is cancelled", id)
		}
		var p problems
		in.checkScalar(&p)
		if v, ok := in.text("RecurringId"); ok && v != "" && normID(v) != id {
			p.add("RecurringId", "differs from the id in the path")
		}
		t := termsOf(old)
		t.overlay(in, s.today(), &p)
		t.check(&p)
		if t.customerID != old.get("CustomerId") {
			p.add("CustomerId", "a plan cannot move to another customer")
		}
		if err := s.checkRefs(ts, t, &p); err != nil {
			return prepared{}, err
		}
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		x := old.clone()
		t.write(x)
		return prepared{text: id, changes: []columndb.Change{{Table: ts.plans, Put: []columndb.Row{x.r}}}}, nil
	})
}

// DeletePlan cancels a plan: it is kept for the record and never due again.
func (s *Service) DeletePlan(cid int64, id string) (Reply, error) {
	return s.changePlan(cid, normID(id), func(x rec, st planState) error {
		x.setInt("Cancelled", 1)
		return nil
	})
}

// SuspendPlan stops a plan from being due from today until it is resumed.
func (s *Service) SuspendPlan(cid int64, id string, idem Idem) (Reply, error) {
	return s.changePlanIdem(cid, normID(id), idem, func(x rec, st planState) error {
		switch st.status {
		case StatusSuspended:
			return conflict("plan %s is already suspended", x.get("RecurringID"))
		case StatusCompleted, StatusCancelled:
			return conflict("plan %s is %s", x.get("RecurringID"), statusName(st.status))
		}
		ps := append(pauses(x.get("Pauses")), schedule.Pause{From: s.today()})
		x.set("Pauses", formatPauses(ps))
		return nil
	})
}

// ResumePlan makes a suspended plan due again from today. The dates it
// missed are skipped, not charged late.
func (s *Service) ResumePlan(cid int64, id string, idem Idem) (Reply, error) {
	return s.changePlanIdem(cid, normID(id), idem, func(x rec, st planState) error {
		if st.status != StatusSuspended {
			return conflict("plan %s is not suspended", x.get("RecurringID"))
		}
		ps := pauses(x.get("Pauses"))
		last := &ps[len(ps)-1]
		last.To = s.today()
		if !last.To.After(last.From) {
			ps = ps[:len(ps)-1] // suspended and resumed the same day: nothing skipped
		}
		x.set("Pauses", formatPauses(ps))
		return nil
	})
}

func (s *Service) changePlan(cid int64, id string, fn func(rec, planState) error) (Reply, error) {
	return s.changePlanIdem(cid, id, Idem{}, fn)
}

func (s *Service) changePlanIdem(cid int64, id string, idem Idem, fn func(rec, planState) error) (Reply, error) {
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		old, err := s.getPlan(ts, id)
		if err != nil {
			return prepared{}, err
		}
		st, err := stateOf(old, s.today())
		if err != nil {
			return prepared{}, err
		}
		x := old.clone()
		if err := fn(x, st); err != nil {
			return prepared{}, err
		}
		return prepared{text: "OK", changes: []columndb.Change{{Table: ts.plans, Put: []columndb.Row{x.r}}}}, nil
	})
}

func statusName(st int) string {
	return map[int]string{StatusActive: "active", StatusSuspended: "suspended", StatusCompleted: "completed", StatusCancelled: "cancelled"}[st]
}

// livePlanUsing returns the id of an active or suspended plan charging the
// payment method, or "".
func (s *Service) livePlanUsing(ts *tenantState, paymentID string) (string, error) {
	rows, err := s.store.Lookup(ts.plans, idxPayment, []string{paymentID}, maxPerCustomer)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		x := rec{ts.plans, r}
		st, err := stateOf(x, s.today())
		if err != nil {
			return "", err
		}
		if st.status == StatusActive || st.status == StatusSuspended {
			return x.get("RecurringID"), nil
		}
	}
	return "", nil
}
