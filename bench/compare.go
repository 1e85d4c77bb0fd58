package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Comparison is one load run against tonebase and against the ceiling,
// taken in interleaved rounds.
type Comparison struct {
	Service, Ceiling float64   // requests per second over all rounds
	Rounds           []float64 // the ratio in each round
}

// Ratio is the service's rate as a share of the ceiling's.
func (c Comparison) Ratio() float64 { return c.Service / c.Ceiling }

// Median is the median of the rounds' ratios, the figure issue 21's
// target is set on: one round that a neighbour slowed on one side moves
// it less than it moves Ratio. With an even count it is the mean of the
// middle two; 0 with no rounds.
func (c Comparison) Median() float64 {
	n := len(c.Rounds)
	if n == 0 {
		return 0
	}
	r := slices.Sorted(slices.Values(c.Rounds))
	if n%2 == 1 {
		return r[n/2]
	}
	return (r[n/2-1] + r[n/2]) / 2
}

func (c Comparison) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lookups are %.0f%% of the constant-body ceiling, median of the rounds (rounds:", 100*c.Median())
	for _, r := range c.Rounds {
		fmt.Fprintf(&b, " %.0f%%", 100*r)
	}
	fmt.Fprintf(&b, "; %.0f%% of the rates over all rounds)", 100*c.Ratio())
	return b.String()
}

// interleave runs service and ceiling rounds times each, in the order
// S C C S S C …, and compares them. On a shared machine the speed available
// drifts by more than the difference being measured; taking the two in
// turns, each first as often as second, makes a drift weigh on both alike
// instead of on whichever ran in the slower stretch. Each call measures one
// round and returns its rate.
func interleave(rounds int, service, ceiling func(round int) float64) Comparison {
	var c Comparison
	for i := range rounds {
		var s, k float64
		if i%2 == 0 {
			s, k = service(i), ceiling(i)
		} else {
			k, s = ceiling(i), service(i)
		}
		c.Service += s / float64(rounds)
		c.Ceiling += k / float64(rounds)
		c.Rounds = append(c.Rounds, s/k)
	}
	return c
}

// compareClosed measures lookups and the ceiling with the Go load
// generator in interleaved rounds that together last d for each.
func compareClosed(w io.Writer, svc, ceiling Target, conc, rounds int, d time.Duration, prof *profiler) (lookups, constant Stats, c Comparison) {
	slice := d / time.Duration(rounds)
	var ls, cs []Stats
	c = interleave(rounds, func(round int) float64 {
		if round == 0 {
			prof.capture("lookup", slice)
		}
		s := ClosedLoop(svc, conc, slice)
		ls = append(ls, s)
		return s.Rate()
	}, func(int) float64 {
		s := ClosedLoop(ceiling, conc, slice)
		cs = append(cs, s)
		return s.Rate()
	})
	lookups, constant = merge(ls), merge(cs)
	fmt.Fprintf(w, "lookup     %v\n", lookups)
	fmt.Fprintf(w, "constant   %v\n", constant)
	fmt.Fprintf(w, "           %v\n", c)
	return lookups, constant, c
}

// compareWrk does the same with wrk, whose runs last whole seconds.
func compareWrk(w io.Writer, bin, script, svcURL, ceilingURL string, conc, rounds int, d time.Duration, work string) (lookups, constant WrkResult, c Comparison, err error) {
	slice := max(d/time.Duration(rounds), time.Second)
	var ls, cs []WrkResult
	run := func(url string, into *[]WrkResult) float64 {
		if err != nil {
			return 1
		}
		var r WrkResult
		if r, err = RunWrk(bin, url, script, conc, slice, work); err != nil {
			return 1
		}
		*into = append(*into, r)
		return r.Rate
	}
	c = interleave(rounds, func(int) float64 { return run(svcURL, &ls) }, func(int) float64 { return run(ceilingURL, &cs) })
	if err != nil {
		return lookups, constant, c, err
	}
	lookups, constant = mergeWrk(ls), mergeWrk(cs)
	fmt.Fprintf(w, "lookup     %v\n", lookups)
	fmt.Fprintf(w, "constant   %v\n", constant)
	fmt.Fprintf(w, "           with wrk, %v\n", c)
	return lookups, constant, c, nil
}
