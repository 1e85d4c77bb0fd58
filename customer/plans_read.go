package customer

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// joiner reads the customers and payment methods plans refer to, once each.
type joiner struct {
	s         *Service
	ts        *tenantState
	customers map[string]Customer
	payments  map[string]PaymentMethod
}

func newJoiner(s *Service, ts *tenantState) *joiner {
	return &joiner{s: s, ts: ts, customers: map[string]Customer{}, payments: map[string]PaymentMethod{}}
}

func (j *joiner) customer(id string) Customer {
	if c, ok := j.customers[id]; ok {
		return c
	}
	c, err := j.s.getCustomer(j.ts, id)
	if err != nil {
		c = Customer{} // deleted: its plans are cancelled and show no number
	}
	j.customers[id] = c
	return c
}

func (j *joiner) payment(id string) PaymentMethod {
	if m, ok := j.payments[id]; ok {
		return m
	}
	m, err := j.s.getPayment(j.ts, id)
	if err != nil {
		m = storedMethod{}
	}
	j.payments[id] = m.PaymentMethod
	return m.PaymentMethod
}

func (j *joiner) view(pl Plan, today time.Time) PlanView {
	c, m := j.customer(pl.CustomerID), j.payment(pl.MethodID)
	return PlanView{Plan: pl, State: stateOf(pl, today), Customer: c, Method: m}
}

// GetPlan returns one plan.
func (s *Service) GetPlan(cid int64, id string) (PlanView, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return PlanView{}, err
	}
	pl, err := s.getPlan(ts, NormID(id))
	if err != nil {
		return PlanView{}, err
	}
	return newJoiner(s, ts).view(pl, s.today()), nil
}

// PlanQuery selects plans: every condition set must hold. Texts match as
// case-insensitive substrings.
type PlanQuery struct {
	Start, CreatedOn Opt[time.Time]
	Frequency        Opt[int]
	Active           Opt[bool]
	Status           Status // 0: any
	Amount           Opt[int64]
	Last4            string
	// Number is the customer's number; Company its billing company.
	Number, Company    string
	Reference, Invoice string
	// Sort is a key PlanSortKey accepts ("created" when empty).
	Sort string
	Desc bool
	Page Page
}

// planSortKey is how a plan list sorts by key: numbers and dates as
// numbers, the rest as text ignoring case (ids as they are).
func planSortKey(key string) (func(v *PlanView) (int64, string), bool) {
	switch key {
	case "id":
		return func(v *PlanView) (int64, string) { return 0, v.ID }, true
	case "customer_id":
		return func(v *PlanView) (int64, string) { return 0, v.CustomerID }, true
	case "customer_number":
		return func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.Customer.Number) }, true
	case "holder_name":
		return func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.Method.HolderName) }, true
	case "company":
		return func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.Customer.Billing.Company) }, true
	case "reference":
		return func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.Reference) }, true
	case "payment_method":
		return func(v *PlanView) (int64, string) { return 0, v.MethodID }, true
	case "invoice":
		return func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.Invoice) }, true
	case "fee_label":
		return func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.FeeLabel) }, true
	case "kind":
		return func(v *PlanView) (int64, string) { return int64(v.Kind), "" }, true
	case "start":
		return func(v *PlanView) (int64, string) { return v.Start.Unix(), "" }, true
	case "frequency":
		return func(v *PlanView) (int64, string) { return int64(v.Frequency), "" }, true
	case "count":
		return func(v *PlanView) (int64, string) { return int64(v.Count), "" }, true
	case "remaining":
		return func(v *PlanView) (int64, string) { return int64(v.State.Remaining), "" }, true
	case "payment_kind":
		return func(v *PlanView) (int64, string) { return int64(v.MethodKind), "" }, true
	case "fee":
		return func(v *PlanView) (int64, string) { return v.Fee, "" }, true
	case "amount":
		return func(v *PlanView) (int64, string) { return v.Amount, "" }, true
	case "recurring_amount":
		return func(v *PlanView) (int64, string) { return v.Recurring, "" }, true
	case "total_amount":
		return func(v *PlanView) (int64, string) { return v.Total, "" }, true
	case "unlimited":
		return func(v *PlanView) (int64, string) { return boolInt(v.Unlimited), "" }, true
	case "created":
		return func(v *PlanView) (int64, string) { return v.Created.UnixNano(), "" }, true
	case "status":
		return func(v *PlanView) (int64, string) { return int64(v.State.Status), "" }, true
	case "active":
		return func(v *PlanView) (int64, string) { return boolInt(v.State.Status == StatusActive), "" }, true
	case "next":
		return func(v *PlanView) (int64, string) { return v.State.Next.Unix(), "" }, true
	}
	return nil, false
}

// PlanSortKey reports whether key is one a plan list sorts by.
func PlanSortKey(key string) bool { _, ok := planSortKey(key); return ok }

// GetPlans lists the tenant's plans that every condition of q matches.
func (s *Service) GetPlans(cid int64, q PlanQuery) (List[PlanView], error) {
	var preds []func(v *PlanView) bool
	if q.Start.Set {
		day := field.Day(q.Start.V)
		preds = append(preds, func(v *PlanView) bool { return v.Start.Equal(day) })
	}
	if q.CreatedOn.Set {
		day := field.Day(q.CreatedOn.V)
		preds = append(preds, func(v *PlanView) bool { return field.Day(v.Created).Equal(day) })
	}
	if q.Frequency.Set {
		preds = append(preds, func(v *PlanView) bool { return int(v.Frequency) == q.Frequency.V })
	}
	if q.Active.Set {
		preds = append(preds, func(v *PlanView) bool { return (v.State.Status == StatusActive) == q.Active.V })
	}
	if q.Status != 0 {
		preds = append(preds, func(v *PlanView) bool { return v.State.Status == q.Status })
	}
	if q.Amount.Set {
		preds = append(preds, func(v *PlanView) bool { return v.Amount == q.Amount.V })
	}
	if q.Last4 != "" {
		preds = append(preds, func(v *PlanView) bool { return v.Last4() == q.Last4 })
	}
	contains := func(text string, get func(v *PlanView) string) {
		if text = strings.ToLower(strings.TrimSpace(text)); text != "" {
			preds = append(preds, func(v *PlanView) bool { return strings.Contains(strings.ToLower(get(v)), text) })
		}
	}
	contains(q.Number, func(v *PlanView) string { return v.Customer.Number })
	contains(q.Company, func(v *PlanView) string { return v.Customer.Billing.Company })
	contains(q.Reference, func(v *PlanView) string { return v.Reference })
	contains(q.Invoice, func(v *PlanView) string { return v.Invoice })
	sortKey, _ := planSortKey("created")
	if q.Sort != "" {
		k, ok := planSortKey(q.Sort)
		if !ok {
			return List[PlanView]{}, &InputError{Problems: []Problem{{Field: "sort", Code: CodeInvalid,
				Reason: fmt.Sprintf("%q is not a plan field", q.Sort)}}}
		}
		sortKey = k
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return List[PlanView]{}, err
	}
	j := newJoiner(s, ts)
	today := s.today()
	var all []PlanView
	err = s.store.Each(ts.plans, func(r columndb.Row) (bool, error) {
		v := j.view(ts.plan.decode(r), today)
		for _, pred := range preds {
			if !pred(&v) {
				return true, nil
			}
		}
		all = append(all, v)
		return true, nil
	})
	if err != nil {
		return List[PlanView]{}, err
	}
	slices.SortStableFunc(all, func(a, b PlanView) int {
		an, as := sortKey(&a)
		bn, bs := sortKey(&b)
		c := cmp.Or(cmp.Compare(an, bn), strings.Compare(as, bs))
		if q.Desc {
			return -c
		}
		return c
	})
	lo := min(q.Page.offset(), len(all))
	return List[PlanView]{Items: all[lo:min(lo+q.Page.size(), len(all))], Total: len(all)}, nil
}

// MaxUnlimitedSchedule is how many dates a schedule lists for an unlimited plan.
const MaxUnlimitedSchedule = 100

func scheduled(t Terms, number int, date time.Time) ScheduledPayment {
	regular, last := t.Amounts()
	amt := regular
	if t.Count > 0 && number == t.Count {
		amt = last
	}
	return ScheduledPayment{Number: number, Date: date, Payment: amt, Fee: t.Fee}
}

// GetSchedule lists every payment a plan still has to make, from today (the
// next MaxUnlimitedSchedule of an unlimited plan). A suspended, completed or
// cancelled plan has none until resumed.
func (s *Service) GetSchedule(cid int64, id string) (PlanSchedule, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return PlanSchedule{}, err
	}
	pl, err := s.getPlan(ts, NormID(id))
	if err != nil {
		return PlanSchedule{}, err
	}
	today := s.today()
	st := stateOf(pl, today)
	out := PlanSchedule{Plan: pl, State: st, Payments: []ScheduledPayment{}}
	if st.Status == StatusCancelled {
		return out, nil
	}
	limit := MaxPayments
	if pl.Unlimited {
		limit = MaxUnlimitedSchedule
	}
	for _, pm := range pl.Schedule().Remaining(today, limit) {
		out.Payments = append(out.Payments, scheduled(pl.Terms, pm.Number, pm.Date))
	}
	return out, nil
}

// GetDue lists every plan due on a day with what to charge, in plan id order
// so repeated calls agree. Cancelled plans and plans suspended that day are
// never due. A day past schedule.Horizon is refused: no plan is asked about
// a day the schedule does not cover.
func (s *Service) GetDue(cid int64, day time.Time) ([]Due, error) {
	day = field.Day(day)
	if schedule.PastHorizon(day) {
		return nil, &InputError{Problems: []Problem{{Field: FieldDate, Code: CodePastHorizon,
			Reason: fmt.Sprintf("is after %s, the last day schedules cover", schedule.Horizon().Format(time.DateOnly))}}}
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return nil, err
	}
	j := newJoiner(s, ts)
	out := []Due{}
	err = s.store.Each(ts.plans, func(r columndb.Row) (bool, error) {
		pl := ts.plan.decode(r)
		if pl.Cancelled {
			return true, nil
		}
		pm, ok := pl.Schedule().DueOn(day)
		if !ok {
			return true, nil
		}
		out = append(out, Due{Plan: pl, Customer: j.customer(pl.CustomerID),
			Payment: scheduled(pl.Terms, pm.Number, pm.Date)})
		return true, nil
	})
	return out, err
}
