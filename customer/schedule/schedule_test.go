package schedule

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dates(t *testing.T, p Plan, from time.Time, n int) []string {
	t.Helper()
	pms := p.Remaining(from, n)
	out := make([]string, len(pms))
	for i, pm := range pms {
		out[i] = pm.Date.Format("2006-01-02")
	}
	return out
}

func eq(t *testing.T, name string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", name, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: got %v, want %v", name, got, want)
		}
	}
}

func TestFrequencies(t *testing.T) {
	start := day(2024, 1, 31)
	for _, tc := range []struct {
		f    Frequency
		want []string
	}{
		{Daily, []string{"2024-01-31", "2024-02-01", "2024-02-02"}},
		{Weekly, []string{"2024-01-31", "2024-02-07", "2024-02-14"}},
		{BiWeekly, []string{"2024-01-31", "2024-02-14", "2024-02-28"}},
		// The 31st falls back in short months and returns to the 31st.
		{Monthly, []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"}},
		{Quarterly, []string{"2024-01-31", "2024-04-30", "2024-07-31", "2024-10-31", "2025-01-31"}},
		{SemiAnnually, []string{"2024-01-31", "2024-07-31", "2025-01-31"}},
		{Yearly, []string{"2024-01-31", "2025-01-31", "2026-01-31"}},
	} {
		eq(t, tc.f.String(), dates(t, Plan{Start: start, Frequency: tc.f}, start, len(tc.want)), tc.want)
	}
}

func TestMonthEnds(t *testing.T) {
	eq(t, "monthly from 31 Dec", dates(t, Plan{Start: day(2023, 12, 31), Frequency: Monthly}, day(2023, 1, 1), 4),
		[]string{"2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31"})
	eq(t, "monthly from 30 Jan, non-leap", dates(t, Plan{Start: day(2025, 1, 30), Frequency: Monthly}, day(2025, 1, 1), 3),
		[]string{"2025-01-30", "2025-02-28", "2025-03-30"})
	eq(t, "yearly from 29 Feb", dates(t, Plan{Start: day(2024, 2, 29), Frequency: Yearly}, day(2024, 1, 1), 5),
		[]string{"2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"})
}

func TestCountAndRemaining(t *testing.T) {
	p := Plan{Start: day(2024, 2, 28), Frequency: Monthly, Count: 6}
	all := dates(t, p, day(2000, 1, 1), 100)
	eq(t, "six payments", all, []string{"2024-02-28", "2024-03-28", "2024-04-28", "2024-05-28", "2024-06-28", "2024-07-28"})
	made := p.Made(day(2024, 4, 28))
	if made != 2 {
		t.Errorf("Made before the third date = %d, want 2", made)
	}
	if made := p.Made(day(2030, 1, 1)); made != 6 {
		t.Errorf("Made after the end = %d, want 6", made)
	}
	if pm, ok := p.DueOn(day(2024, 5, 28)); !ok || pm.Number != 4 {
		t.Errorf("DueOn 28 May = %+v %v, want payment 4", pm, ok)
	}
	if _, ok := p.DueOn(day(2024, 8, 28)); ok {
		t.Error("due after the last payment")
	}
	if _, ok := p.DueOn(day(2024, 5, 27)); ok {
		t.Error("due on a day between payments")
	}
	unlimited := Plan{Start: day(2024, 1, 1), Frequency: Daily}
	if n := len(dates(t, unlimited, day(2024, 1, 1), 500)); n != 500 {
		t.Errorf("unlimited plan listed %d of 500", n)
	}
}

func TestPauses(t *testing.T) {
	// Suspended on 10 Mar, resumed on 20 Apr: 28 Mar is skipped, not
	// charged late, and the six payments still all happen.
	p := Plan{Start: day(2024, 2, 28), Frequency: Monthly, Count: 6,
		Pauses: []Pause{{From: day(2024, 3, 10), To: day(2024, 4, 20)}}}
	eq(t, "paused", dates(t, p, day(2000, 1, 1), 100),
		[]string{"2024-02-28", "2024-04-28", "2024-05-28", "2024-06-28", "2024-07-28", "2024-08-28"})
	if _, ok := p.DueOn(day(2024, 3, 28)); ok {
		t.Error("due inside a pause")
	}
	if pm, ok := p.DueOn(day(2024, 4, 28)); !ok || pm.Number != 2 {
		t.Errorf("first date after resuming = %+v %v, want payment 2", pm, ok)
	}
	// Still suspended: nothing more is due, and the walk ends.
	open := Plan{Start: day(2024, 2, 28), Frequency: Daily, Pauses: []Pause{{From: day(2024, 3, 1)}}}
	got := dates(t, open, day(2024, 2, 27), 100)
	eq(t, "open pause", got, []string{"2024-02-28", "2024-02-29"})
	if _, ok := open.DueOn(day(2030, 1, 1)); ok {
		t.Error("a suspended unlimited plan is due")
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		total         int64
		n             int
		regular, last int64
	}{
		{10000, 6, 1667, 1665}, // the API sample: 100.00 in six is 16.67 and 16.65
		{1000, 6, 167, 165},
		{10000, 4, 2500, 2500},
		{100, 3, 33, 34},
		{5, 3, 2, 1},
		{4, 3, 1, 2}, // rounding up would leave the last payment at nothing: round down
		{7, 1, 7, 7},
		{1000, 7, 143, 142},
	} {
		r, l := Split(tc.total, tc.n)
		if r != tc.regular || l != tc.last || r*int64(tc.n-1)+l != tc.total {
			t.Errorf("Split(%d, %d) = %d, %d; want %d, %d", tc.total, tc.n, r, l, tc.regular, tc.last)
		}
	}
	for total := int64(1); total < 3000; total += 7 {
		for n := 1; n <= 40 && int64(n) <= total; n++ {
			r, l := Split(total, n)
			if r*int64(n-1)+l != total || l < 1 || r < 0 {
				t.Fatalf("Split(%d, %d) = %d, %d", total, n, r, l)
			}
		}
	}
}
