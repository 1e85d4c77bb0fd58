package bench

import "time"

// Quiet is the share of one CPU below which a server counts as idle: its
// own timers and samplers take far less, a flush or a compaction far more.
const Quiet = 0.05

// Settled is how a Settle ended.
type Settled int

const (
	// Idle: every process used less than Quiet of one CPU over a second.
	Idle Settled = iota
	// Busy: atMost ran out first.
	Busy
	// Unmeasured: the system gives no CPU figures (no /proc), so only
	// the first three seconds were waited.
	Unmeasured
)

// Settle waits until every one of procs has spent less than Quiet of one
// CPU over a second, after at least the first three seconds, and at most
// atMost in all; it returns how long it waited and how it ended. A phase
// that should start from an idle server (the no-upload floor, an upload
// beside lookups) would otherwise start beside the previous load's
// flushes and compactions, which on two cores may run for many seconds
// after its last batch.
func Settle(atMost time.Duration, procs ...*Process) (time.Duration, Settled) {
	start := time.Now()
	time.Sleep(min(3*time.Second, atMost))
	for {
		before, ok := cpuOf(procs)
		if !ok {
			return time.Since(start), Unmeasured
		}
		t0 := time.Now()
		time.Sleep(time.Second)
		after, ok := cpuOf(procs)
		if !ok {
			return time.Since(start), Unmeasured
		}
		quiet := true
		for i := range procs {
			quiet = quiet && idle(after[i].Sub(before[i]), time.Since(t0))
		}
		if quiet {
			return time.Since(start), Idle
		}
		if time.Since(start) >= atMost {
			return time.Since(start), Busy
		}
	}
}

// cpuOf reads every process's CPU time; false if any has no figures.
func cpuOf(procs []*Process) ([]CPUTime, bool) {
	out := make([]CPUTime, len(procs))
	for i, p := range procs {
		c, ok := p.CPU()
		if !ok {
			return nil, false
		}
		out[i] = c
	}
	return out, true
}

// idle reports whether used CPU time over wall is below Quiet of one CPU.
func idle(used CPUTime, wall time.Duration) bool {
	return float64(used.Total()) < Quiet*float64(wall)
}
