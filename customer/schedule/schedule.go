// Package schedule computes when a recurring or installment plan charges and
// how much: occurrence dates by frequency (a plan that starts on the 31st
// pays on the last day of shorter months and returns to the 31st), the
// installment split to the penny, and the pauses a suspension leaves, which
// skip dates without charging them later. It is pure calendar arithmetic on
// UTC midnights.
package schedule

import (
	"errors"
	"time"
)

// Frequency is how often a plan charges, numbered as the API numbers it.
type Frequency int

// The frequencies the API defines.
const (
	Daily Frequency = iota
	Weekly
	BiWeekly
	Monthly
	Yearly
	Quarterly
	SemiAnnually
)

// Valid reports whether f is one of the API's frequencies.
func (f Frequency) Valid() bool { return f >= Daily && f <= SemiAnnually }

// months is the step of the calendar-month frequencies, 0 for the others.
func (f Frequency) months() int {
	switch f {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case SemiAnnually:
		return 6
	case Yearly:
		return 12
	}
	return 0
}

// Occurrence returns the k-th date (k from 0) of a plan anchored on start.
// Month steps are taken from the anchor each time, never from the previous
// date, so a plan anchored on the 31st falls back to the 30th or the 28th
// and comes back to the 31st in the next long month.
func (f Frequency) Occurrence(start time.Time, k int) time.Time {
	switch f {
	case Daily:
		return start.AddDate(0, 0, k)
	case Weekly:
		return start.AddDate(0, 0, 7*k)
	case BiWeekly:
		return start.AddDate(0, 0, 14*k)
	}
	y, m, d := start.Date()
	total := int(m) - 1 + k*f.months()
	ty, tm := y+total/12, time.Month(total%12+1)
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(ty, tm, min(d, last), 0, 0, 0, 0, time.UTC)
}

// Pause is a suspension: occurrences from From up to, not including, To are
// skipped. A zero To means the plan is still suspended.
type Pause struct{ From, To time.Time }

// Open reports whether the pause has not ended.
func (p Pause) Open() bool { return p.To.IsZero() }

func (p Pause) covers(d time.Time) bool {
	return !d.Before(p.From) && (p.Open() || d.Before(p.To))
}

// Plan is what the schedule needs of a plan.
type Plan struct {
	Start     time.Time
	Frequency Frequency
	// Count is the number of payments; 0 means unlimited.
	Count  int
	Pauses []Pause
}

// Payment is one charge: its number from 1 and its date.
type Payment struct {
	Number int
	Date   time.Time
}

// maxSteps bounds the walk over occurrences: daily for 300 years is well
// past any plan, and a bug can never spin forever.
const maxSteps = 110_000

// ErrTooLong reports a schedule past what the walk covers.
var ErrTooLong = errors.New("schedule: plan runs past the supported horizon")

// Walk calls fn with every payment the plan makes, in date order, until fn
// returns false, the plan completes, or an open pause begins (a suspended
// plan pays nothing more until resumed). Occurrences inside a pause are
// skipped, not deferred: they are neither charged nor counted.
func (p Plan) Walk(fn func(Payment) bool) error {
	n := 0
	for k := 0; k < maxSteps; k++ {
		d := p.Frequency.Occurrence(p.Start, k)
		skipped := false
		for _, ps := range p.Pauses {
			if ps.covers(d) {
				if ps.Open() {
					return nil
				}
				skipped = true
			}
		}
		if skipped {
			continue
		}
		n++
		if !fn(Payment{Number: n, Date: d}) {
			return nil
		}
		if p.Count > 0 && n == p.Count {
			return nil
		}
	}
	return ErrTooLong
}

// Made counts the payments dated before day: the ones already charged.
func (p Plan) Made(day time.Time) (int, error) {
	made := 0
	err := p.Walk(func(pm Payment) bool {
		if !pm.Date.Before(day) {
			return false
		}
		made++
		return true
	})
	return made, err
}

// Remaining lists the payments dated on or after day, at most limit of them
// (an unlimited plan never runs out).
func (p Plan) Remaining(day time.Time, limit int) ([]Payment, error) {
	var out []Payment
	err := p.Walk(func(pm Payment) bool {
		if pm.Date.Before(day) {
			return true
		}
		out = append(out, pm)
		return len(out) < limit
	})
	return out, err
}

// DueOn returns the payment the plan makes on day, if any.
func (p Plan) DueOn(day time.Time) (Payment, bool, error) {
	var due Payment
	found := false
	err := p.Walk(func(pm Payment) bool {
		if pm.Date.Equal(day) {
			due, found = pm, true
		}
		return pm.Date.Before(day)
	})
	return due, found, err
}

// Split divides total minor units into n payments to the penny: each is the
// total over n rounded half up, and the last takes the remainder so they add
// up exactly. If rounding up would leave the last payment under a penny, the
// regular payment is rounded down instead. n must be at least 1.
func Split(total int64, n int) (regular, last int64) {
	if n <= 1 {
		return total, total
	}
	nn := int64(n)
	regular = (2*total + nn) / (2 * nn)
	last = total - regular*(nn-1)
	if last < 1 {
		regular = total / nn
		last = total - regular*(nn-1)
	}
	return regular, last
}

// String names the frequency.
func (f Frequency) String() string {
	names := []string{"daily", "weekly", "bi-weekly", "monthly", "yearly", "quarterly", "semi-annually"}
	if f.Valid() {
		return names[f]
	}
	return "unknown"
}
