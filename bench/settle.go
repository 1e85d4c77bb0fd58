package bench

import "time"

// Quiet is the share of one CPU below which a server counts as idle: its
// own timers and samplers take far less, a flush or a compaction far more.
const Quiet = 0.05

// Settle waits until every one of procs has spent less than Quiet of one
// CPU over a second, after at least the first three seconds, and at most
// atMost in all; it returns how long it waited and whether all were quiet.
// A phase that should start from an idle server (the no-upload floor, an
// upload beside lookups) would otherwise start beside the previous load's
// flushes and compactions, which on two cores may run for many seconds
// after its last batch. Where /proc has no figures it waits the three
// seconds only.
func Settle(atMost time.Duration, procs ...*Process) (time.Duration, bool) {
	start := time.Now()
	time.Sleep(min(3*time.Second, atMost))
	for {
		before := make([]CPUTime, len(procs))
		for i, p := range procs {
			c, ok := p.CPU()
			if !ok {
				return time.Since(start), false
			}
			before[i] = c
		}
		t0 := time.Now()
		time.Sleep(time.Second)
		quiet := true
		for i, p := range procs {
			c, ok := p.CPU()
			if !ok {
				return time.Since(start), false
			}
			quiet = quiet && idle(c.Sub(before[i]), time.Since(t0))
		}
		if quiet {
			return time.Since(start), true
		}
		if time.Since(start) >= atMost {
			return time.Since(start), false
		}
	}
}

// idle reports whether used CPU time over wall is below Quiet of one CPU.
func idle(used CPUTime, wall time.Duration) bool {
	return float64(used.Total()) < Quiet*float64(wall)
}
