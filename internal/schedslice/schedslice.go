// Package schedslice asks the kernel to share the CPUs among the process's
// threads in short slices, so that a lookup's thread woken by the network
// runs within a fraction of a millisecond even while compactions keep
// every CPU busy.
//
// Linux's scheduler (EEVDF, from 6.6) gives a thread a slice (by default
// 0.75 ms times 1 + log2 of the CPUs) before it picks another; a thread
// woken meanwhile may wait for the slices of busy threads ahead of it.
// From Linux 6.12 a thread can ask for a shorter slice (sched_setattr's
// sched_runtime, 0.1 to 100 ms) without any privilege, and a woken thread
// with a short slice is picked sooner. Threads cloned later inherit it, so
// setting it on every thread covers the threads the Go runtime starts
// afterwards.
//
// Short slices cost throughput whenever threads contend for the CPUs
// (more preemptions, colder caches): at saturation, with nothing but
// lookups running, a lookup took 3% and 17% more CPU with 100 µs slices
// than with the kernel's in two runs. So the server asks for them only
// while bulk work runs (Set), and gives the default back after it (Reset).
//
// The benchmark's prober uses the same walk over the process's threads to
// run at real-time priority (SetRealtime): a client that must be given a
// CPU the moment its answer arrives.
package schedslice

import (
	"errors"
	"time"
)

// ErrUnsupported reports a system that does not honour a requested slice:
// not Linux, or a kernel older than 6.12.
var ErrUnsupported = errors.New("schedslice: this system does not take a requested slice (it needs Linux 6.12 or later)")

// The range Linux clamps a requested slice to.
const (
	Min = 100 * time.Microsecond
	Max = 100 * time.Millisecond
)

// Switch returns a function that asks for slice d on every thread when
// called with true and gives the kernel's default back when called with
// false, as procs.Widener.OnChange calls it; a failure goes to failed,
// and the threads keep the slices they had.
func Switch(d time.Duration, failed func(error)) func(on bool) {
	return func(on bool) {
		var err error
		if on {
			err = Set(d)
		} else {
			err = Reset()
		}
		if err != nil {
			failed(err)
		}
	}
}
