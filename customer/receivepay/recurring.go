package receivepay

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// day reads a YYYY-MM-DD date; absent is the zero time.
func day(e *element, name string) (time.Time, bool, error) {
	v, ok := e.value(name)
	if !ok || v == "" {
		return time.Time{}, false, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, true, fail(errDate, name)
	}
	return d, true, nil
}

// amount reads a non-negative amount of at most two places into minor units.
func amount(v string) (int64, error) {
	n, err := field.ParseMoney(v)
	if err != nil {
		return 0, fail(errAmount)
	}
	return n, nil
}

// interval reads recur/interval, a whole number of days.
func interval(v string) (schedule.Frequency, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > schedule.MaxIntervalDays {
		return 0, fail(errInterval, "interval is a whole number of days from 1 to "+strconv.Itoa(schedule.MaxIntervalDays))
	}
	return schedule.EveryDays(n), nil
}

// cardInput reads <credit_card>. Its refusals never quote the number.
func (h *Handlers) cardInput(cc *element) (customer.PaymentInput, error) {
	num, _ := cc.value("card_num")
	digits := strings.NewReplacer(" ", "", "-", "").Replace(num)
	if _, err := field.ParseCard(digits); err != nil {
		return customer.PaymentInput{}, fail(errCard)
	}
	if brand(digits) == "" {
		return customer.PaymentInput{}, fail(errCard, "the number belongs to no card brand this service knows")
	}
	month, _ := cc.value("exp_month")
	year, _ := cc.value("exp_year")
	m, merr := strconv.Atoi(month)
	y, yerr := strconv.Atoi(year)
	if merr != nil || yerr != nil || m < 1 || m > 12 || y < 0 || (y > 99 && (y < 2000 || y > 2099)) {
		return customer.PaymentInput{}, fail(errCard, "exp_month and exp_year must be a month (1-12) and a year (2030 or 30)")
	}
	if _, err := field.ParseExpiry(expiry(m, y), h.now()); err != nil {
		return customer.PaymentInput{}, fail(errCard, "the card has expired")
	}
	if cvv, ok := cc.value("cvv"); ok && cvv != "" && (len(cvv) < 3 || len(cvv) > 4 || !field.AllDigits(cvv)) {
		return customer.PaymentInput{}, fail(errCard, "cvv must be 3 or 4 digits")
	}
	in := customer.PaymentInput{Kind: customer.Some(customer.KindCard), CardNumber: customer.Some(digits),
		CardExpiry: customer.Some(expiry(m, y))}
	if name, ok := cc.value("name"); ok && name != "" {
		in.HolderName = customer.Some(name)
	}
	return in, nil
}

// expiry is MMYY.
func expiry(m, y int) string {
	return strconv.Itoa(100 + m)[1:] + strconv.Itoa(100 + y%100)[1:]
}

// brand names the card brand a number's prefix belongs to, "" for none.
func brand(d string) string {
	p := func(n int) int { v, _ := strconv.Atoi(d[:min(n, len(d))]); return v }
	switch {
	case d[0] == '4':
		return "visa"
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return "mastercard"
	case p(2) == 34 || p(2) == 37:
		return "amex"
	case p(4) == 6011, p(2) == 65, p(3) >= 644 && p(3) <= 649, p(6) >= 622126 && p(6) <= 622925:
		return "discover"
	case p(4) >= 3528 && p(4) <= 3589:
		return "jcb"
	case p(3) >= 300 && p(3) <= 305, p(2) == 36, p(2) == 38, p(2) == 39:
		return "diners"
	case p(2) == 62:
		return "unionpay"
	}
	return ""
}

// holderNames splits a cardholder's name into a first and last name: the
// last word is the last name.
func holderNames(name string) (first, last string) {
	words := strings.Fields(name)
	if len(words) == 0 {
		return "", ""
	}
	return strings.Join(words[:len(words)-1], " "), words[len(words)-1]
}

func (h *Handlers) recur(c call) ([]node, error) {
	r := c.req
	in := customer.SubscriptionInput{}
	cc := r.child("credit_card")
	switch node := r.child("customer"); {
	case r.child("customer_id") != nil:
		cust, err := h.liveCustomerOf(c, r, errCustomerID)
		if err != nil {
			return nil, err
		}
		in.CustomerID = customer.Some(cust.ID)
	case node != nil:
		ci, _ := customerInput(node)
		if err := requireNames(ci, true); err != nil {
			return nil, err
		}
		in.Customer = ci
	default:
		name, _ := cc.value("name")
		first, last := holderNames(name)
		if last == "" {
			return nil, fail(errNoCustomer)
		}
		in.Customer = customer.CustomerInput{NumberOptional: true, Style: customer.StyleInternational,
			Billing: customer.AddressInput{FirstName: customer.Some(first), LastName: customer.Some(last)}}
	}
	card, err := h.cardInput(cc)
	if err != nil {
		return nil, err
	}
	in.Card = card
	first, ok := r.value("amount")
	if !ok {
		return nil, fail(errAmount)
	}
	firstAmount, err := amount(first)
	if err != nil {
		return nil, err
	}
	rec := r.child("recur")
	if rec == nil {
		return nil, fail(errNoRecur)
	}
	if _, ok := rec.value("plan_id"); ok {
		return nil, fail(errPlanID, "this service has no plan templates: give recur/interval and the amounts")
	}
	iv, _ := rec.value("interval")
	freq, err := interval(iv)
	if err != nil {
		return nil, err
	}
	recurAmount := firstAmount
	if v, ok := rec.value("amount"); ok && v != "" {
		if recurAmount, err = amount(v); err != nil {
			return nil, err
		}
	}
	if recurAmount == 0 {
		return nil, fail(errAmount, "the recurring amount must be more than 0")
	}
	plan, start, trial, err := h.recurTerms(rec)
	if err != nil {
		return nil, err
	}
	plan.Frequency, plan.Recurring = customer.Some(freq), customer.Some(recurAmount)
	in.Plan = plan
	sub, err := h.svc.Subscribe(c.cid, in)
	if err != nil {
		return nil, h.customerError(c, err)
	}
	return success(okSubscribed, leaf("recurring_id", sub.Plan.ID), leaf("customer_id", seqText(sub.Customer)),
		leaf("amount", money(firstAmount)), leaf("recur_amount", money(recurAmount)),
		leaf("free_trial", strconv.Itoa(trial)), leaf("start_date", start.Format(time.DateOnly)), leaf("charge_id", "")), nil
}

// recurTerms reads a <recur>'s dates and counts. A start in the past
// becomes today, as OpenGateway does; a free trial moves the start on.
func (h *Handlers) recurTerms(rec *element) (customer.PlanInput, time.Time, int, error) {
	var in customer.PlanInput
	today := field.Day(h.now())
	start, _, err := day(rec, "start_date")
	if err != nil {
		return in, start, 0, err
	}
	if start.Before(today) {
		start = today
	}
	trial := 0
	if v, ok := rec.value("free_trial"); ok && v != "" {
		if trial, err = strconv.Atoi(v); err != nil || trial < 0 || trial > schedule.MaxIntervalDays {
			return in, start, 0, fail(errUnspecified, "free_trial is a whole number of days")
		}
		start = start.AddDate(0, 0, trial)
	}
	end, hasEnd, err := day(rec, "end_date")
	if err != nil {
		return in, start, 0, err
	}
	if hasEnd {
		if end.Before(today) {
			return in, start, 0, fail(errEndPast)
		}
		if !end.After(start) {
			return in, start, 0, fail(errEndBeforeStart)
		}
		in.End = customer.Some(end)
	}
	in.Unlimited = customer.Some(true)
	if v, ok := rec.value("occurrences"); ok && v != "" && v != "0" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > customer.MaxPayments {
			return in, start, 0, fail(errUnspecified, "occurrences is a whole number from 1 to "+strconv.Itoa(customer.MaxPayments))
		}
		in.Count, in.Unlimited = customer.Some(n), customer.Some(false)
	}
	if v, ok := rec.value("notification_url"); ok {
		in.NotificationURL = customer.Some(v)
	}
	in.Start = customer.Some(start)
	return in, start, trial, nil
}

// money writes minor units with two places, as OpenGateway writes amounts.
func money(minor int64) string {
	return strconv.FormatInt(minor/100, 10) + "." + strconv.FormatInt(100+minor%100, 10)[1:]
}

// planOf finds the plan a recurring_id names; absent is errNeedRecurringID,
// unknown (or another client's) is unknown.
func (h *Handlers) planOf(c call, unknown int) (customer.PlanView, error) {
	id, _ := c.req.value("recurring_id")
	if id == "" {
		return customer.PlanView{}, fail(errNeedRecurringID)
	}
	v, err := h.svc.GetPlan(c.cid, id)
	if errors.Is(err, customer.ErrNotFound) {
		return customer.PlanView{}, fail(unknown)
	}
	return v, err
}

func (h *Handlers) getRecurring(c call) ([]node, error) {
	if id, _ := c.req.value("recurring_id"); id == "" {
		return nil, fail(errRequired, "recurring_id")
	}
	v, err := h.planOf(c, errNeedRecurringID)
	if err != nil {
		return nil, err
	}
	cust, err := h.svc.CustomerRecord(c.cid, v.CustomerID)
	if err != nil && !errors.Is(err, customer.ErrNotFound) {
		return nil, err
	}
	return []node{recurringView(v, cust, h.now())}, nil
}

func (h *Handlers) getRecurrings(c call) ([]node, error) {
	r := c.req
	f := customer.PlanFilter{Active: customer.Some(true)}
	if v, _ := r.value("customer_id"); v != "" {
		cust, err := h.customerOf(c, r, errCustomerID)
		if err != nil {
			f.CustomerID = strings.Repeat("0", 32) // names no plan's customer
		} else {
			f.CustomerID = cust.ID
		}
	}
	f.CustomerNumber, _ = r.value("customer_internal_id")
	f.CustomerLastName, _ = r.value("customer_last_name")
	if v, _ := r.value("amount"); v != "" {
		n, err := amount(v)
		if err != nil {
			return nil, err
		}
		f.Amount = customer.Some(n)
	}
	if v, ok := r.value("active"); ok && v != "" {
		f.Active = customer.Some(v == "1")
	}
	for name, dst := range map[string]*customer.Opt[time.Time]{"created_after": &f.CreatedAfter, "created_before": &f.CreatedBefore} {
		d, ok, err := day(r, name)
		if err != nil {
			return nil, err
		}
		if ok {
			*dst = customer.Some(d)
		}
	}
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return nil, err
	}
	switch v, _ := r.value("sort"); v {
	case "customer_first_name", "customer_last_name", "amount":
		f.Sort = v
	}
	f.Desc = sortDesc(r)
	res, err := h.svc.FindPlans(c.cid, f)
	if err != nil {
		return nil, err
	}
	now := h.now()
	return page("recurrings", res, func(v customer.PlanView) (node, error) { return recurringView(v, v.Customer, now), nil })
}

func (h *Handlers) updateRecurring(c call) ([]node, error) {
	v, err := h.planOf(c, errNeedRecurringID)
	if err != nil {
		return nil, err
	}
	r := c.req
	var in customer.PlanInput
	sent := false
	if s, ok := r.value("amount"); ok {
		n, err := amount(s)
		if err != nil || n == 0 {
			return nil, fail(errAmount)
		}
		in.Recurring, sent = customer.Some(n), true
	}
	today := field.Day(h.now())
	if d, ok, err := day(r, "next_charge_date"); err != nil {
		return nil, err
	} else if ok {
		if d.Before(today) {
			return nil, fail(errDate, "next_charge_date is in the past")
		}
		in.NextCharge, sent = customer.Some(d), true
	}
	if d, ok, err := day(r, "end_date"); err != nil {
		return nil, err
	} else if ok {
		start := v.Start
		if in.NextCharge.Set {
			start = in.NextCharge.V
		}
		switch {
		case d.Before(today):
			return nil, fail(errEndPast)
		case !d.After(start):
			return nil, fail(errEndBeforeStart)
		}
		in.End, sent = customer.Some(d), true
	}
	if s, ok := r.value("notification_url"); ok {
		in.NotificationURL, sent = customer.Some(s), true
	}
	if s, ok := r.child("recur").value("interval"); ok {
		f, err := interval(s)
		if err != nil {
			return nil, err
		}
		in.Frequency, sent = customer.Some(f), true
	}
	if !sent {
		return nil, fail(errNothing)
	}
	if _, err := h.svc.UpdatePlan(c.cid, v.ID, customer.Opt[string]{}, in, customer.Idem{}); err != nil {
		return nil, err
	}
	return success(okUpdated), nil
}

func (h *Handlers) cancelRecurring(c call) ([]node, error) {
	v, err := h.planOf(c, errRecurringID)
	if err != nil {
		return nil, err
	}
	if _, err := h.svc.DeletePlan(c.cid, v.ID); err != nil {
		return nil, err
	}
	return success(okCancelled), nil
}
