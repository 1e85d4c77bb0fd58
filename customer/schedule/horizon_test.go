package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

// walk is the schedule as its definition reads: every date in order, the
// ones a pause covers skipped, stopping at an open pause or the count. The
// arithmetic must agree with it everywhere.
func walk(p Plan, until time.Time) []Payment {
	var out []Payment
	n := 0
	for k := 0; ; k++ {
		d := p.Frequency.Occurrence(p.Start, k)
		if d.After(until) {
			return out
		}
		skipped := false
		for _, ps := range p.Pauses {
			if !d.Before(ps.From) && (ps.Open() || d.Before(ps.To)) {
				if ps.Open() {
					return out
				}
				skipped = true
			}
		}
		if skipped {
			continue
		}
		n++
		out = append(out, Payment{Number: n, Date: d})
		if p.Count > 0 && n == p.Count {
			return out
		}
	}
}

func TestArithmeticMatchesTheWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := day(2024, 1, 1)
	for i := range 400 {
		p := Plan{Start: base.AddDate(0, 0, rng.IntN(400)), Frequency: Frequency(rng.IntN(7)), Count: rng.IntN(4) * rng.IntN(12)}
		from := p.Start
		for range rng.IntN(4) {
			from = from.AddDate(0, 0, rng.IntN(120))
			ps := Pause{From: from}
			if rng.IntN(5) > 0 {
				from = from.AddDate(0, 0, 1+rng.IntN(90))
				ps.To = from
			}
			p.Pauses = append(p.Pauses, ps)
		}
		until := p.Start.AddDate(4, 0, 0)
		want := walk(p, until.AddDate(6, 0, 0)) // far enough for five more yearly dates
		dueBy := map[time.Time]int{}
		for _, pm := range want {
			dueBy[pm.Date] = pm.Number
		}
		for d := base; !d.After(until); d = d.AddDate(0, 0, 1+rng.IntN(9)) {
			pm, ok := p.DueOn(d)
			if n, due := dueBy[d]; ok != due || (ok && pm.Number != n) {
				t.Fatalf("plan %d %+v: DueOn(%s) = %+v %v; the walk says %d %v", i, p, d.Format(time.DateOnly), pm, ok, n, due)
			}
			made := 0
			for _, w := range want {
				if w.Date.Before(d) {
					made++
				}
			}
			if got := p.Made(d); got != made {
				t.Fatalf("plan %d %+v: Made(%s) = %d, want %d", i, p, d.Format(time.DateOnly), got, made)
			}
			rest := p.Remaining(d, 5)
			var wrest []Payment
			for _, w := range want {
				if !w.Date.Before(d) && len(wrest) < 5 {
					wrest = append(wrest, w)
				}
			}
			if len(rest) != len(wrest) || (len(rest) > 0 && (rest[0] != wrest[0] || rest[len(rest)-1] != wrest[len(wrest)-1])) {
				t.Fatalf("plan %d %+v: Remaining(%s) = %v, want %v", i, p, d.Format(time.DateOnly), rest, wrest)
			}
		}
	}
}

func TestHorizon(t *testing.T) {
	h := Horizon()
	start := day(2026, 1, 15)
	daily := Plan{Start: start, Frequency: Daily}
	for _, tc := range []struct {
		name    string
		p       Plan
		on      time.Time
		due     bool
		number  int
		pastHor bool
	}{
		{"unlimited daily, 299 years on", daily, start.AddDate(299, 0, 0), true, 1 + int(dayNumber(start.AddDate(299, 0, 0))-dayNumber(start)), false},
		{"unlimited daily, 302 years on (past the old walk)", daily, start.AddDate(302, 0, 0), true, 1 + int(dayNumber(start.AddDate(302, 0, 0))-dayNumber(start)), false},
		{"unlimited daily, on the horizon", daily, h, true, 1 + int(dayNumber(h)-dayNumber(start)), false},
		{"unlimited daily, the day after the horizon", daily, h.AddDate(0, 0, 1), false, 0, true},
		{"monthly from the 31st, on the horizon", Plan{Start: day(2024, 1, 31), Frequency: Monthly}, h, true, (HorizonYear-2024)*12 + 12, false},
		{"yearly, a day before the horizon", Plan{Start: day(2024, 12, 31), Frequency: Yearly}, h.AddDate(0, 0, -1), false, 0, false},
		{"a plan starting on the horizon, on it", Plan{Start: h, Frequency: Yearly}, h, true, 1, false},
		{"limited daily, after its last payment", Plan{Start: start, Frequency: Daily, Count: 10}, start.AddDate(200, 0, 0), false, 0, false},
		{"daily paused for a year, 250 years on", Plan{Start: start, Frequency: Daily,
			Pauses: []Pause{{From: start.AddDate(0, 0, 10), To: start.AddDate(1, 0, 10)}}}, start.AddDate(250, 0, 0), true,
			1 + int(dayNumber(start.AddDate(250, 0, 0))-dayNumber(start)) - int(dayNumber(start.AddDate(1, 0, 10))-dayNumber(start.AddDate(0, 0, 10))), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PastHorizon(tc.on); got != tc.pastHor {
				t.Errorf("PastHorizon(%s) = %v", tc.on.Format(time.DateOnly), got)
			}
			pm, ok := tc.p.DueOn(tc.on)
			if ok != tc.due || pm.Number != tc.number || (ok && !pm.Date.Equal(tc.on)) {
				t.Fatalf("DueOn(%s) = %+v %v; want payment %d %v", tc.on.Format(time.DateOnly), pm, ok, tc.number, tc.due)
			}
			if ok {
				if made := tc.p.Made(tc.on); made != tc.number-1 {
					t.Errorf("Made = %d, want %d", made, tc.number-1)
				}
				if rest := tc.p.Remaining(tc.on, 3); len(rest) == 0 || rest[0] != pm {
					t.Errorf("Remaining from the day = %v, want %+v first", rest, pm)
				}
			}
		})
	}
	// Nothing past the horizon is listed.
	if rest := daily.Remaining(h.AddDate(0, 0, -1), 10); len(rest) != 2 || !rest[1].Date.Equal(h) {
		t.Errorf("Remaining at the horizon = %v, want its last two days", rest)
	}
}

// BenchmarkDueFarAway: a daily plan asked about a day centuries away costs
// what one asked about tomorrow does.
func BenchmarkDueFarAway(b *testing.B) {
	p := Plan{Start: day(2026, 1, 15), Frequency: Daily, Pauses: []Pause{{From: day(2026, 3, 1), To: day(2026, 4, 1)}}}
	on := day(9000, 6, 1)
	for b.Loop() {
		p.DueOn(on)
	}
}
