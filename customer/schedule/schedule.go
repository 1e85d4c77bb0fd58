// Package schedule computes when a recurring or installment plan charges and
// how much: occurrence dates by frequency (a plan that starts on the 31st
// pays on the last day of shorter months and returns to the 31st), the
// installment split to the penny, and the pauses a suspension leaves, which
// skip dates without charging them later. It is pure calendar arithmetic on
// UTC midnights, up to Horizon: any day's payment is found without walking
// the dates before it, so a far day costs what a near one does.
package schedule

import (
	"fmt"
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

// days is the step of the other frequencies. An unknown frequency is
// refused before a plan is stored; it steps a day so nothing divides by 0.
func (f Frequency) days() int64 {
	switch f {
	case Weekly:
		return 7
	case BiWeekly:
		return 14
	}
	if f.Custom() {
		return int64(-f)
	}
	return 1
}

// Occurrence returns the k-th date (k from 0) of a plan anchored on start.
// Month steps are taken from the anchor each time, never from the previous
// date, so a plan anchored on the 31st falls back to the 30th or the 28th
// and comes back to the 31st in the next long month.
func (f Frequency) Occurrence(start time.Time, k int) time.Time {
	if f.months() == 0 {
		return start.AddDate(0, 0, int(f.days())*k)
	}
	y, m, d := start.Date()
	total := int(m) - 1 + k*f.months()
	ty, tm := y+total/12, time.Month(total%12+1)
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(ty, tm, min(d, last), 0, 0, 0, 0, time.UTC)
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
	if f.Custom() {
		return fmt.Sprintf("every %d days", -f)
	}
	return "unknown"
}
