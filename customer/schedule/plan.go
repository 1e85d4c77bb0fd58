package schedule

import (
	"slices"
	"time"
)

// HorizonYear is the year whose last day is Horizon.
const HorizonYear = 9998

// Horizon is the last day the schedule answers for and the last a plan may
// start on. The Hipfinity wire carries .NET DateTimes, which end on
// 9999-12-31, and writes years in four digits; the longest cadence is a
// year, so a plan starting on the horizon still has its next payment on a
// day the wire can write. A fixed day rather than one relative to today,
// so a plan accepted once never falls out of range as the clock moves, and
// every answer for a given day is the same whenever it is asked.
func Horizon() time.Time { return time.Date(HorizonYear, 12, 31, 0, 0, 0, 0, time.UTC) }

// PastHorizon reports whether day is after Horizon.
func PastHorizon(day time.Time) bool { return day.After(Horizon()) }

// Pause is a suspension: occurrences from From up to, not including, To are
// skipped. A zero To means the plan is still suspended.
type Pause struct{ From, To time.Time }

// Open reports whether the pause has not ended.
func (p Pause) Open() bool { return p.To.IsZero() }

// Plan is what the schedule needs of a plan.
type Plan struct {
	Start     time.Time
	Frequency Frequency
	// Count is the number of payments; 0 means unlimited.
	Count  int
	Pauses []Pause
	// End, if set, is the last day the plan may charge.
	End time.Time
}

// endIndex is the first index past End (noStop without one).
func (p Plan) endIndex() int {
	if p.End.IsZero() {
		return noStop
	}
	return p.Frequency.index(p.Start, p.End.AddDate(0, 0, 1))
}

// Payment is one charge: its number from 1 and its date.
type Payment struct {
	Number int
	Date   time.Time
}

// dayNumber counts days from the Unix epoch; floored, so days before 1970
// count the same way.
func dayNumber(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// index is how many of the plan's dates fall before d: the index (from 0)
// of the first on or after d. Dates only grow with their index, so this is
// arithmetic on the calendar, never a walk.
func (f Frequency) index(start, d time.Time) int {
	if !d.After(start) {
		return 0
	}
	if m := f.months(); m > 0 {
		sy, sm, _ := start.Date()
		dy, dm, _ := d.Date()
		months := (dy-sy)*12 + int(dm-sm)
		k := months / m
		if months%m != 0 || f.Occurrence(start, k).Before(d) {
			k++
		}
		return k
	}
	step := f.days()
	days := dayNumber(d) - dayNumber(start)
	return int((days + step - 1) / step)
}

// span is a run of date indexes [lo, hi) a closed pause skips.
type span struct{ lo, hi int }

// layout is the plan's pauses in index terms: the runs that are skipped,
// in order and disjoint, and stop, the first index an open pause reaches
// (nothing from it on is paid while the plan stays suspended).
type layout struct {
	skips []span
	stop  int
}

const noStop = int(^uint(0) >> 1)

func (p Plan) layout() layout {
	l := layout{stop: noStop}
	var skips []span
	for _, ps := range p.Pauses {
		lo := p.Frequency.index(p.Start, ps.From)
		if ps.Open() {
			l.stop = min(l.stop, lo)
			continue
		}
		if hi := p.Frequency.index(p.Start, ps.To); hi > lo {
			skips = append(skips, span{lo, hi})
		}
	}
	slices.SortFunc(skips, func(a, b span) int { return a.lo - b.lo })
	for _, s := range skips {
		if n := len(l.skips); n > 0 && s.lo <= l.skips[n-1].hi {
			l.skips[n-1].hi = max(l.skips[n-1].hi, s.hi)
			continue
		}
		l.skips = append(l.skips, s)
	}
	return l
}

// skipped counts the indexes before k that a closed pause skips.
func (l layout) skipped(k int) int {
	n := 0
	for _, s := range l.skips {
		if s.lo >= k {
			break
		}
		n += min(s.hi, k) - s.lo
	}
	return n
}

// skipping returns the run that skips index k, if one does.
func (l layout) skipping(k int) (span, bool) {
	for _, s := range l.skips {
		if k >= s.lo && k < s.hi {
			return s, true
		}
	}
	return span{}, false
}

// Made counts the payments dated before day: the ones already charged.
func (p Plan) Made(day time.Time) int {
	l := p.layout()
	k := min(p.Frequency.index(p.Start, day), l.stop, p.endIndex())
	made := k - l.skipped(k)
	if p.Count > 0 {
		made = min(made, p.Count)
	}
	return made
}

// Remaining lists the payments dated on or after day, at most limit of them
// and none past Horizon (an unlimited plan never runs out). Occurrences
// inside a pause are skipped, not deferred: they are neither charged nor
// counted; a plan still suspended pays nothing more until resumed.
func (p Plan) Remaining(day time.Time, limit int) []Payment {
	l := p.layout()
	var out []Payment
	stop := min(l.stop, p.endIndex())
	for k := p.Frequency.index(p.Start, day); len(out) < limit && k < stop; k++ {
		if s, ok := l.skipping(k); ok {
			k = s.hi - 1
			continue
		}
		n := k + 1 - l.skipped(k)
		d := p.Frequency.Occurrence(p.Start, k)
		if (p.Count > 0 && n > p.Count) || PastHorizon(d) {
			break
		}
		out = append(out, Payment{Number: n, Date: d})
	}
	return out
}

// DueOn returns the payment the plan makes on day, if any; none past Horizon.
func (p Plan) DueOn(day time.Time) (Payment, bool) {
	if PastHorizon(day) {
		return Payment{}, false
	}
	l := p.layout()
	k := p.Frequency.index(p.Start, day)
	if k >= min(l.stop, p.endIndex()) || !p.Frequency.Occurrence(p.Start, k).Equal(day) {
		return Payment{}, false
	}
	if _, ok := l.skipping(k); ok {
		return Payment{}, false
	}
	n := k + 1 - l.skipped(k)
	if p.Count > 0 && n > p.Count {
		return Payment{}, false
	}
	return Payment{Number: n, Date: day}, true
}
