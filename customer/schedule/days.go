package schedule

// MaxIntervalDays is the longest every-N-days cadence: about ten years, far
// past any real plan, and small enough that date arithmetic never overflows.
const MaxIntervalDays = 3660

// EveryDays is the cadence of a plan charging every n days. The API's own
// frequencies take 1, 7 and 14 days, so those are Daily, Weekly and
// BiWeekly and a plan reads the same on every wire; any other n is a
// frequency of its own, stored as -n so that it can never be mistaken for
// one of the API's numbers. n must be from 1 to MaxIntervalDays.
func EveryDays(n int) Frequency {
	switch n {
	case 1:
		return Daily
	case 7:
		return Weekly
	case 14:
		return BiWeekly
	}
	return Frequency(-n)
}

// IntervalDays is the number of days between a plan's dates, and false for
// the calendar-month frequencies, whose steps vary.
func (f Frequency) IntervalDays() (int, bool) {
	if f.months() > 0 || !f.Known() {
		return 0, false
	}
	return int(f.days()), true
}

// Custom reports whether f is an every-N-days cadence outside the API's
// numbered frequencies.
func (f Frequency) Custom() bool {
	return f < 0 && -f <= MaxIntervalDays && f != -1 && f != -7 && f != -14
}

// Known reports whether f is a cadence the schedule can compute: one of the
// API's frequencies or an every-N-days one.
func (f Frequency) Known() bool { return f.Valid() || f.Custom() }
