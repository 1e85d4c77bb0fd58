package schedule

import (
	"testing"
	"time"
)

func TestEveryDays(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		n       int
		want    Frequency
		custom  bool
		third   string // the third date
		days    int
		display string
	}{
		{1, Daily, false, "2026-12-03", 1, "daily"},
		{7, Weekly, false, "2026-12-15", 7, "weekly"},
		{14, BiWeekly, false, "2026-12-29", 14, "bi-weekly"},
		{30, Frequency(-30), true, "2027-01-30", 30, "every 30 days"},
		{365, Frequency(-365), true, "2028-11-30", 365, "every 365 days"},
	} {
		f := EveryDays(tc.n)
		if f != tc.want || f.Custom() != tc.custom || !f.Known() || f.String() != tc.display {
			t.Errorf("EveryDays(%d) = %d custom %v known %v %q", tc.n, f, f.Custom(), f.Known(), f.String())
		}
		if d, ok := f.IntervalDays(); !ok || d != tc.days {
			t.Errorf("EveryDays(%d).IntervalDays() = %d, %v", tc.n, d, ok)
		}
		if got := f.Occurrence(start, 2).Format(time.DateOnly); got != tc.third {
			t.Errorf("EveryDays(%d): third date %s, want %s", tc.n, got, tc.third)
		}
		p := Plan{Start: start, Frequency: f}
		if got := p.Made(start.AddDate(0, 0, 2*tc.n+1)); got != 3 {
			t.Errorf("EveryDays(%d): %d made after the third date, want 3", tc.n, got)
		}
	}
	for _, f := range []Frequency{-1, -7, -14, -(MaxIntervalDays + 1), 7} {
		if f.Custom() {
			t.Errorf("%d is custom", f)
		}
	}
	if _, ok := Monthly.IntervalDays(); ok {
		t.Error("a monthly plan has a fixed interval")
	}
}

// TestEnd: a plan with an end date pays on no day after it.
func TestEnd(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := Plan{Start: start, Frequency: EveryDays(10), End: time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)}
	got := p.Remaining(start, 100)
	if len(got) != 3 || !got[2].Date.Equal(p.End) {
		t.Fatalf("Remaining: %v", got)
	}
	if _, ok := p.DueOn(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("due after the end")
	}
	if _, ok := p.DueOn(p.End); !ok {
		t.Error("not due on the end day")
	}
	if n := p.Made(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)); n != 3 {
		t.Errorf("made %d by long after the end, want 3", n)
	}
	p.Count = 2
	if got := p.Remaining(start, 100); len(got) != 2 {
		t.Errorf("a count below the end's: %v", got)
	}
}
