package customer

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// PlanView is a plan as the API answers it: numbers as strings, as the API
// shows them. Beyond the published fields it carries the customer id, both
// amounts, the status and the next payment date.
type PlanView struct {
	RecurringID               string `json:"RecurringID"`
	CustomerID                string `json:"CustomerId"`
	CustomerNumber            string `json:"CustomerNumber"`
	FullName                  string `json:"FullName"`
	BillingCompanyName        string `json:"BillingCompanyName"`
	Identification            string `json:"Identification"`
	PaymentInfoID             string `json:"PaymentInfo_Id"`
	InvoiceNumber             string `json:"InvoiceNumber"`
	PlanType                  string `json:"PlanType"`
	EffectiveDate             string `json:"EffectiveDate"`
	Frequency                 string `json:"Frequency"`
	NumberOfPayments          string `json:"NumberOfPayments"`
	RemainingNumberOfPayments string `json:"RemainingNumberOfPayments"`
	PaymentType               string `json:"PaymentType"`
	SwipeFeeAmount            string `json:"SwipeFeeAmount"`
	SwipeFeeLabel             string `json:"SwipeFeeLabel"`
	Amount                    string `json:"Amount"`
	RecurringAmount           string `json:"RecurringAmount"`
	TotalAmount               string `json:"TotalAmount"`
	Unlimited                 string `json:"Unlimited"`
	DateCreated               string `json:"DateCreated"`
	Status                    string `json:"Status"`
	Active                    string `json:"Active"`
	NextPaymentDate           string `json:"NextPaymentDate"`

	x       rec
	state   planState
	last4   string
	created int64
}

// joiner reads the customers and payment methods plans refer to, once each.
type joiner struct {
	s         *Service
	ts        *tenantState
	customers map[string]rec
	payments  map[string]rec
}

func (j *joiner) customer(id string) rec {
	if x, ok := j.customers[id]; ok {
		return x
	}
	x, err := j.s.getCustomer(j.ts, id)
	if err != nil {
		x = newRec(j.ts.customers) // deleted: its plans are cancelled and show no number
	}
	j.customers[id] = x
	return x
}

func (j *joiner) payment(id string) rec {
	if x, ok := j.payments[id]; ok {
		return x
	}
	x, err := j.s.getPayment(j.ts, id)
	if err != nil {
		x = newRec(j.ts.payments)
	}
	j.payments[id] = x
	return x
}

func (j *joiner) view(x rec, today time.Time) (PlanView, error) {
	st, err := stateOf(x, today)
	if err != nil {
		return PlanView{}, err
	}
	t := termsOf(x)
	c, m := j.customer(t.customerID), j.payment(t.paymentID)
	v := PlanView{RecurringID: x.get("RecurringID"), CustomerID: t.customerID, CustomerNumber: c.get("CustomerNumber"),
		FullName: m.get("FullName"), BillingCompanyName: c.get("BillingCompanyName"), Identification: t.ident,
		PaymentInfoID: t.paymentID, InvoiceNumber: t.invoice, PlanType: strconv.Itoa(t.planType),
		EffectiveDate: field.FormatDate(t.start), Frequency: strconv.Itoa(int(t.frequency)),
		NumberOfPayments: strconv.Itoa(t.count), RemainingNumberOfPayments: strconv.Itoa(st.remaining),
		PaymentType: t.paymentType, SwipeFeeAmount: field.FormatMoney(t.fee), SwipeFeeLabel: t.feeLabel,
		Amount: field.FormatMoney(x.int("Amount")), RecurringAmount: field.FormatMoney(t.recurring),
		TotalAmount: field.FormatMoney(t.total), Unlimited: map[bool]string{true: "1", false: "0"}[t.unlimited],
		DateCreated: field.FormatDateTime(time.Unix(0, x.int("DateCreated"))), Status: strconv.Itoa(st.status),
		Active: map[bool]string{true: "1", false: "0"}[st.status == StatusActive],
		x:      x, state: st, created: x.int("DateCreated")}
	if masked := m.get("Masked"); len(masked) >= 4 {
		v.last4 = masked[len(masked)-4:]
	}
	if !st.next.IsZero() && (st.status == StatusActive) {
		v.NextPaymentDate = field.FormatDate(st.next)
	}
	return v, nil
}

// GetPlan returns one plan.
func (s *Service) GetPlan(cid int64, id string) (PlanView, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return PlanView{}, err
	}
	x, err := s.getPlan(ts, normID(id))
	if err != nil {
		return PlanView{}, err
	}
	j := &joiner{s: s, ts: ts, customers: map[string]rec{}, payments: map[string]rec{}}
	return j.view(x, s.today())
}

// PlanFilter is GetRecurringTrans' query; empty or -1 means any.
type PlanFilter struct {
	EffectiveDate, DateCreated, Frequency, CustomerNumber, CompanyName, IdentificationNum string
	Amount, CardNumber, InvoiceNumber, Active, Status                                     string
	SortExpression, SortDirection, PageSize, PageNumber                                   string
}

// planSortKeys are the fields a plan list sorts by: numbers and dates as
// numbers, the rest as text ignoring case.
var planSortKeys = map[string]func(v *PlanView) (int64, string){
	"recurringid":               func(v *PlanView) (int64, string) { return 0, v.RecurringID },
	"customerid":                func(v *PlanView) (int64, string) { return 0, v.CustomerID },
	"customernumber":            func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.CustomerNumber) },
	"fullname":                  func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.FullName) },
	"billingcompanyname":        func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.BillingCompanyName) },
	"identification":            func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.Identification) },
	"paymentinfo_id":            func(v *PlanView) (int64, string) { return 0, v.PaymentInfoID },
	"invoicenumber":             func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.InvoiceNumber) },
	"swipefeelabel":             func(v *PlanView) (int64, string) { return 0, strings.ToLower(v.SwipeFeeLabel) },
	"plantype":                  func(v *PlanView) (int64, string) { return v.x.int("PlanType"), "" },
	"effectivedate":             func(v *PlanView) (int64, string) { return v.x.int("EffectiveDate"), "" },
	"frequency":                 func(v *PlanView) (int64, string) { return v.x.int("Frequency"), "" },
	"numberofpayments":          func(v *PlanView) (int64, string) { return v.x.int("NumberOfPayments"), "" },
	"remainingnumberofpayments": func(v *PlanView) (int64, string) { return int64(v.state.remaining), "" },
	"paymenttype":               func(v *PlanView) (int64, string) { return v.x.int("PaymentType"), "" },
	"swipefeeamount":            func(v *PlanView) (int64, string) { return v.x.int("SwipeFeeAmount"), "" },
	"amount":                    func(v *PlanView) (int64, string) { return v.x.int("Amount"), "" },
	"recurringamount":           func(v *PlanView) (int64, string) { return v.x.int("RecurringAmount"), "" },
	"totalamount":               func(v *PlanView) (int64, string) { return v.x.int("TotalAmount"), "" },
	"unlimited":                 func(v *PlanView) (int64, string) { return v.x.int("Unlimited"), "" },
	"datecreated":               func(v *PlanView) (int64, string) { return v.created, "" },
	"status":                    func(v *PlanView) (int64, string) { return int64(v.state.status), "" },
	"active":                    func(v *PlanView) (int64, string) { return int64(len(v.Active)), v.Active },
	"nextpaymentdate":           func(v *PlanView) (int64, string) { return v.state.next.Unix(), "" },
}

// anyInt reads a filter where empty and -1 mean any.
func anyInt(name, v string, lo, hi int, p *problems) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" || v == "-1" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.add(name, "must be -1 (any) or a whole number from %d to %d", lo, hi)
		return 0, false
	}
	return n, true
}

// GetPlans lists the tenant's plans that every given filter matches.
func (s *Service) GetPlans(cid int64, f PlanFilter) (List[PlanView], error) {
	var p problems
	var preds []func(v *PlanView) bool
	if d := strings.TrimSpace(f.EffectiveDate); d != "" {
		if day, err := field.ParseDate(d); err != nil {
			p.addErr("EffectiveDate", err)
		} else {
			key := field.DayKey(day)
			preds = append(preds, func(v *PlanView) bool { return v.x.get("EffectiveDate") == key })
		}
	}
	if d := strings.TrimSpace(f.DateCreated); d != "" {
		if day, err := field.ParseDate(d); err != nil {
			p.addErr("DateCreated", err)
		} else {
			preds = append(preds, func(v *PlanView) bool { return field.Day(time.Unix(0, v.created)).Equal(day) })
		}
	}
	if n, ok := anyInt("Frequency", f.Frequency, 0, 6, &p); ok {
		preds = append(preds, func(v *PlanView) bool { return v.x.int("Frequency") == int64(n) })
	}
	if n, ok := anyInt("Active", f.Active, 0, 1, &p); ok {
		preds = append(preds, func(v *PlanView) bool { return (v.state.status == StatusActive) == (n == 1) })
	}
	if n, ok := anyInt("Status", f.Status, 1, 4, &p); ok {
		preds = append(preds, func(v *PlanView) bool { return v.state.status == n })
	}
	if a := strings.TrimSpace(f.Amount); a != "" {
		if m, err := field.ParseMoney(a); err != nil {
			p.addErr("Amount", err)
		} else {
			preds = append(preds, func(v *PlanView) bool { return v.x.int("Amount") == m })
		}
	}
	if c := strings.TrimSpace(f.CardNumber); c != "" {
		if len(c) != 4 || !field.AllDigits(c) {
			p.add("CardNumber", "give the last four digits")
		} else {
			preds = append(preds, func(v *PlanView) bool { return v.last4 == c })
		}
	}
	contains := func(text string, get func(v *PlanView) string) {
		if text = strings.ToLower(strings.TrimSpace(text)); text != "" {
			preds = append(preds, func(v *PlanView) bool { return strings.Contains(strings.ToLower(get(v)), text) })
		}
	}
	contains(f.CustomerNumber, func(v *PlanView) string { return v.CustomerNumber })
	contains(f.CompanyName, func(v *PlanView) string { return v.BillingCompanyName })
	contains(f.IdentificationNum, func(v *PlanView) string { return v.Identification })
	contains(f.InvoiceNumber, func(v *PlanView) string { return v.InvoiceNumber })
	sortKey := planSortKeys["datecreated"]
	if e := strings.ToLower(strings.TrimSpace(f.SortExpression)); e != "" {
		if k, ok := planSortKeys[e]; ok {
			sortKey = k
		} else {
			p.add("SortExpression", "%q is not a plan field", f.SortExpression)
		}
	}
	desc := parseDirection(f.SortDirection, &p)
	pg := ParsePage(f.PageSize, f.PageNumber, &p)
	if err := p.err(); err != nil {
		return List[PlanView]{}, err
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return List[PlanView]{}, err
	}
	j := &joiner{s: s, ts: ts, customers: map[string]rec{}, payments: map[string]rec{}}
	today := s.today()
	var all []PlanView
	err = s.store.Each(ts.plans, func(r columndb.Row) (bool, error) {
		v, err := j.view(rec{ts.plans, r}, today)
		if err != nil {
			return false, err
		}
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
		if desc {
			return -c
		}
		return c
	})
	lo := min(pg.offset(), len(all))
	return List[PlanView]{Items: all[lo:min(lo+pg.Size, len(all))], Total: len(all)}, nil
}

// ScheduledPayment is one payment of a plan's schedule.
type ScheduledPayment struct {
	PaymentNumber  int    `json:"PaymentNumber"`
	Date           string `json:"Date"`
	Amount         string `json:"Amount"`
	PaymentAmount  string `json:"PaymentAmount"`
	SwipeFeeAmount string `json:"SwipeFeeAmount"`
}

// Schedule is GetSchedule's answer.
type Schedule struct {
	RecurringID string             `json:"RecurringID"`
	Status      string             `json:"Status"`
	Unlimited   string             `json:"Unlimited"`
	Payments    []ScheduledPayment `json:"Payments"`
}

// MaxUnlimitedSchedule is how many dates GetSchedule lists for an unlimited plan.
const MaxUnlimitedSchedule = 100

func payment(t terms, pm schedule.Payment) ScheduledPayment {
	regular, last := t.amounts()
	amt := regular
	if t.count > 0 && pm.Number == t.count {
		amt = last
	}
	return ScheduledPayment{PaymentNumber: pm.Number, Date: field.FormatDate(pm.Date),
		Amount: field.FormatMoney(amt + t.fee), PaymentAmount: field.FormatMoney(amt), SwipeFeeAmount: field.FormatMoney(t.fee)}
}

// GetSchedule lists every payment a plan still has to make, from today (the
// next MaxUnlimitedSchedule of an unlimited plan). A suspended, completed or
// cancelled plan has none until resumed.
func (s *Service) GetSchedule(cid int64, id string) (Schedule, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Schedule{}, err
	}
	x, err := s.getPlan(ts, normID(id))
	if err != nil {
		return Schedule{}, err
	}
	today := s.today()
	st, err := stateOf(x, today)
	if err != nil {
		return Schedule{}, err
	}
	t := termsOf(x)
	out := Schedule{RecurringID: x.get("RecurringID"), Status: strconv.Itoa(st.status),
		Unlimited: map[bool]string{true: "1", false: "0"}[t.unlimited], Payments: []ScheduledPayment{}}
	if st.status == StatusCancelled {
		return out, nil
	}
	limit := maxPayments
	if t.unlimited {
		limit = MaxUnlimitedSchedule
	}
	pms, err := planSchedule(x).Remaining(today, limit)
	if err != nil {
		return Schedule{}, err
	}
	for _, pm := range pms {
		out.Payments = append(out.Payments, payment(t, pm))
	}
	return out, nil
}

// Due is one charge GetDue asks the merchant's processor to make.
type Due struct {
	RecurringID    string `json:"RecurringID"`
	CustomerID     string `json:"CustomerId"`
	CustomerNumber string `json:"CustomerNumber"`
	PaymentInfoID  string `json:"PaymentInfo_Id"`
	PaymentType    string `json:"PaymentType"`
	InvoiceNumber  string `json:"InvoiceNumber"`
	Identification string `json:"Identification"`
	SwipeFeeLabel  string `json:"SwipeFeeLabel"`
	ScheduledPayment
}

// GetDue lists every plan due on a day with what to charge, in RecurringID
// order so repeated calls agree. Cancelled plans and plans suspended that
// day are never due.
func (s *Service) GetDue(cid int64, date string) ([]Due, error) {
	var p problems
	day, err := field.ParseDate(date)
	if strings.TrimSpace(date) == "" {
		p.add("Date", "is required (M/d/yyyy)")
	} else if err != nil {
		p.addErr("Date", err)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return nil, err
	}
	j := &joiner{s: s, ts: ts, customers: map[string]rec{}, payments: map[string]rec{}}
	out := []Due{}
	err = s.store.Each(ts.plans, func(r columndb.Row) (bool, error) {
		x := rec{ts.plans, r}
		if x.int("Cancelled") == 1 {
			return true, nil
		}
		pm, ok, err := planSchedule(x).DueOn(day)
		if err != nil || !ok {
			return err == nil, err
		}
		t := termsOf(x)
		out = append(out, Due{RecurringID: x.get("RecurringID"), CustomerID: t.customerID,
			CustomerNumber: j.customer(t.customerID).get("CustomerNumber"), PaymentInfoID: t.paymentID,
			PaymentType: t.paymentType, InvoiceNumber: t.invoice, Identification: t.ident, SwipeFeeLabel: t.feeLabel,
			ScheduledPayment: payment(t, pm)})
		return true, nil
	})
	return out, err
}
