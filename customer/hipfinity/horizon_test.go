package hipfinity

import (
	"testing"
	"time"
)

// TestDueUpToTheHorizon: GetDue answers every day up to 12/31/9998 for an
// unlimited daily plan, never 500, and a later day is a 400 naming Date;
// a plan cannot start past the horizon.
func TestDueUpToTheHorizon(t *testing.T) {
	e := newEnv(t, envOpts{})
	cust := e.customer(tenantA, "horizon")
	card := e.card(tenantA, cust, "4003000123456781", false)
	daily := e.ok("POST", "/apis/api/RecurringTrans", tenantA, map[string]any{"CustomerId": cust, "PaymentInfo_Id": card,
		"PaymentType": "2", "PlanType": "1", "Frequency": "0", "Unlimited": "1", "RecurringAmount": "1.00", "EffectiveDate": "1/15/2026"})
	start := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	number := func(d time.Time) int { return int((d.Unix()-start.Unix())/86400) + 1 }
	for _, tc := range []struct {
		name, date string
		status     int
		number     int
	}{
		{"tomorrow", "1/16/2026", 200, 2},
		{"299 years on", "1/15/2325", 200, number(time.Date(2325, 1, 15, 0, 0, 0, 0, time.UTC))},
		{"302 years on (500 before)", "1/15/2328", 200, number(time.Date(2328, 1, 15, 0, 0, 0, 0, time.UTC))},
		{"the day before the horizon", "12/30/9998", 200, number(time.Date(9998, 12, 30, 0, 0, 0, 0, time.UTC))},
		{"on the horizon", "12/31/9998", 200, number(time.Date(9998, 12, 31, 0, 0, 0, 0, time.UTC))},
		{"the day after the horizon", "1/1/9999", 400, 0},
		{"the last day .NET has", "12/31/9999", 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.expect(tc.status, "GET", "/apis/api/RecurringTrans/GetDue?Date="+tc.date, tenantA, nil)
			if tc.status != 200 {
				env := r.envelope(t)
				if len(env.Errors) != 1 || env.Errors[0].Field != "Date" {
					t.Fatalf("problems = %+v, want one naming Date", env.Errors)
				}
				return
			}
			var ds []Due
			r.decode(t, &ds)
			if len(ds) != 1 || ds[0].RecurringID != daily || ds[0].PaymentNumber != tc.number {
				t.Fatalf("due = %+v, want payment %d of %s", ds, tc.number, daily)
			}
		})
	}
	for _, d := range []string{"1/1/9999", "12/31/9999"} {
		t.Run("start "+d, func(t *testing.T) {
			env := e.expect(400, "POST", "/apis/api/RecurringTrans", tenantA, map[string]any{"CustomerId": cust, "PaymentInfo_Id": card,
				"PaymentType": "2", "PlanType": "1", "Frequency": "4", "NumberOfPayments": "2", "RecurringAmount": "1.00",
				"EffectiveDate": d}).envelope(t)
			if len(env.Errors) != 1 || env.Errors[0].Field != "EffectiveDate" {
				t.Fatalf("problems = %+v, want one naming EffectiveDate", env.Errors)
			}
		})
	}
}
