package customer

import (
	"net/url"
	"time"

	"github.com/tonebase/tonebase/customer/field"
)

// Domain names of the plan fields only some wires send.
const (
	FieldPlanNotifyURL  = "plan.notification_url"
	FieldPlanEnd        = "plan.end"
	FieldPlanNextCharge = "plan.next_charge"
	FieldPlanFrequency  = "plan.frequency"
)

// maxNotifyURL is the longest notification URL kept.
const maxNotifyURL = 500

// overlayExtras lays the fields of in that only some wires send over t.
func (t *Terms) overlayExtras(in PlanInput, today time.Time, p *problems) {
	if in.NotificationURL.Set {
		switch v := in.NotificationURL.V; {
		case v == "":
			t.NotificationURL = ""
		case field.Len(v) > maxNotifyURL:
			p.add(FieldPlanNotifyURL, CodeTooLong, "longer than %d characters", maxNotifyURL)
		case !webURL(v):
			p.add(FieldPlanNotifyURL, CodeInvalid, "must be an http or https URL")
		default:
			t.NotificationURL = v
		}
	}
	if in.Frequency.Set && !in.Frequency.V.Known() {
		p.add(FieldPlanFrequency, CodeInvalid, "is not a frequency the schedule knows")
	}
	if in.NextCharge.Set {
		if d := field.Day(in.NextCharge.V); d.Before(today) {
			p.add(FieldPlanNextCharge, CodePast, "is in the past")
		} else {
			t.Start = d
		}
	}
	if in.End.Set {
		switch d := field.Day(in.End.V); {
		case in.End.V.IsZero():
			t.End = time.Time{}
		case d.Before(today):
			p.add(FieldPlanEnd, CodePast, "is in the past")
		default:
			t.End = d
		}
	}
}

// checkEnd refuses an end that is not after the start.
func (t *Terms) checkEnd(p *problems) {
	if !t.End.IsZero() && !t.Start.IsZero() && !t.End.After(t.Start) {
		p.add(FieldPlanEnd, CodeMismatch, "must be later than the start")
	}
}

// rebase makes the plan restart on its next charge with what it has left:
// the payments already made come off the count and the suspensions,
// which lie before the new start, are dropped.
func rebase(pl *Plan, t *Terms, today time.Time) {
	if t.Count > 0 {
		t.Count = max(t.Count-pl.Schedule().Made(today), 1)
	}
	pl.Pauses = nil
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && textFault(s) == ""
}
