package receivepay

import (
	"strconv"
	"time"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// intervalDays is a plan's interval in days. Plans made through another
// wire may be monthly, quarterly, semi-annual or yearly, whose steps vary;
// they show the usual count of days.
func intervalDays(f schedule.Frequency) string {
	if n, ok := f.IntervalDays(); ok {
		return strconv.Itoa(n)
	}
	return map[schedule.Frequency]string{schedule.Monthly: "30", schedule.Quarterly: "91",
		schedule.SemiAnnually: "182", schedule.Yearly: "365"}[f]
}

func planStatus(v customer.PlanView) string {
	if v.State.Status == customer.StatusActive {
		return "active"
	}
	return "inactive"
}

// planView is a plan as a customer's <plans> lists it.
func planView(v customer.PlanView) node {
	return branch("plan", leaf("id", v.ID), leaf("name", v.Reference), leaf("amount", money(v.Recurring)),
		leaf("interval", intervalDays(v.Frequency)), leaf("notification_url", v.NotificationURL),
		leaf("status", planStatus(v)))
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// lastCharge is the day of the last payment before today, if the plan has
// made one and was never suspended (a suspension's skipped dates are not
// payments, and which were skipped is the schedule's to say).
func lastCharge(v customer.PlanView, today time.Time) time.Time {
	sch := v.Schedule()
	made := sch.Made(today)
	if made == 0 || len(sch.Pauses) > 0 {
		return time.Time{}
	}
	return v.Frequency.Occurrence(v.Start, made-1)
}

// recurringView is a plan as GetRecurring answers it.
func recurringView(v customer.PlanView, cust customer.Customer, now time.Time) node {
	next := ""
	if v.State.Status == customer.StatusActive {
		next = date(v.State.Next)
	}
	occurrences := ""
	if v.Count > 0 {
		occurrences = strconv.Itoa(v.Count)
	}
	last4 := v.Last4()
	kids := []node{leaf("id", v.ID), leaf("date_created", dateTime(v.Created)), leaf("amount", money(v.Recurring)),
		leaf("interval", intervalDays(v.Frequency)), leaf("start_date", date(v.Start)), leaf("end_date", date(v.End)),
		leaf("last_charge_date", date(lastCharge(v, field.Day(now)))), leaf("next_charge_date", next),
		leaf("cancel_date", dateTime(v.CancelledAt)), leaf("number_occurrences", occurrences),
		leaf("notification_url", v.NotificationURL), leaf("status", planStatus(v)), leaf("card_last_four", last4)}
	if cust.ID != "" {
		kids = append(kids, customerView(cust))
	}
	return branch("recurring", kids...)
}
