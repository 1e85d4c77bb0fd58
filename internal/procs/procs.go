// Package procs sets how many scheduler slots (GOMAXPROCS) the process
// runs with: a few while it only answers lookups, more while bulk work
// (an upload, an import, a follower applying the log) and the flushes and
// compactions it sets off keep every CPU busy.
//
// Badger's compactions run a dozen CPU-bound goroutines at once that never
// yield, and Go preempts a goroutine only after 10 ms. With every slot
// held by them, a lookup whose request has arrived is not even noticed
// until the runtime next polls the network (measured on two CPUs: p99
// 42 ms with four slots during a million-row upload, 11.5 ms with twelve). With spare slots each goroutine has its own
// thread, and the kernel, which runs a thread that slept before one that
// has been running, shares the CPUs. Spare slots cost a lookup a little
// when nothing else runs (more threads woken and put back to sleep), so
// they are taken only while bulk work runs, and for a while after it, as
// its compactions go on.
package procs

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Widener widens the scheduler to wide slots while Busy is called, and
// narrows it back to narrow once Busy has not been called for linger.
// Busy may be called from any goroutine; Start once, before Close.
type Widener struct {
	narrow, wide int
	linger       time.Duration
	set          func(int) int
	also         func(wide bool) // OnChange's; nil for none

	last    atomic.Int64 // unix ns of the last Busy, to the millisecond
	widened atomic.Bool  // widened for bulk work, as run last set it
	started atomic.Bool
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// New returns a widener between narrow and wide slots. set applies a
// slot count (runtime.GOMAXPROCS when nil). With wide no larger than
// narrow it never changes anything.
func New(narrow, wide int, linger time.Duration, set func(int) int) *Widener {
	if set == nil {
		set = runtime.GOMAXPROCS
	}
	return &Widener{narrow: narrow, wide: wide, linger: linger, set: set,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// OnChange has fn called with true each time the widener widens and with
// false each time it narrows, from its own goroutine, after the slot count
// is set: for what else should change with bulk work (the threads' time
// slices). It works with no more wide slots than narrow ones too, changing
// only what fn changes. Call it before Start.
func (w *Widener) OnChange(fn func(wide bool)) { w.also = fn }

// fixed reports a widener with nothing to change.
func (w *Widener) fixed() bool { return w.narrow >= w.wide && w.also == nil }

// apply sets the slot count for wide, and whatever OnChange asked for.
func (w *Widener) apply(wide bool) {
	if w.narrow < w.wide {
		if wide {
			w.set(w.wide)
		} else {
			w.set(w.narrow)
		}
	}
	w.widened.Store(wide)
	if w.also != nil {
		w.also(wide)
	}
}

// Busy notes that bulk work is running. It is called between the steps
// of bulk work, so it costs a clock read and an atomic load when nothing
// changes; the time is written only when it moves by a millisecond.
func (w *Widener) Busy() {
	if w == nil || w.fixed() {
		return
	}
	if n := time.Now().UnixNano(); n-w.last.Load() > int64(time.Millisecond) {
		w.last.Store(n)
	}
	if !w.widened.Load() {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// Wide reports whether the widener is widened for bulk work: the wide slot
// count, and what OnChange changes.
func (w *Widener) Wide() bool { return w != nil && w.widened.Load() }

// Slots is the slot count the widener last set.
func (w *Widener) Slots() int {
	if w == nil {
		return 0
	}
	if w.Wide() && w.wide > w.narrow {
		return w.wide
	}
	return w.narrow
}

// Start applies the slot counts from now until Close: wide at once on
// the first Busy (one made before Start included), narrow again once Busy
// has been quiet for linger. The count is the whole process's, so only
// the process's own start calls it: an app made inside a test leaves the
// test's count alone. Changing the count stops the world for a moment, so
// it happens twice per stretch of bulk work, not per step.
func (w *Widener) Start() {
	w.started.Store(true)
	go w.run()
}

func (w *Widener) run() {
	defer close(w.done)
	if w.fixed() {
		<-w.stop
		return
	}
	t := time.NewTicker(max(w.linger/4, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			if w.widened.Load() {
				w.apply(false)
			}
			return
		case <-w.kick:
			if !w.widened.Load() {
				w.apply(true)
			}
		case <-t.C:
			// A Busy between this read and the narrowing finds the slots
			// still wide and does not kick; the next step's Busy, a few
			// milliseconds later, widens them again.
			if w.widened.Load() && time.Since(time.Unix(0, w.last.Load())) > w.linger {
				w.apply(false)
			}
		}
	}
}

// Close stops what Start started, leaving the narrow count set, and
// waits for it. Without Start it does nothing.
func (w *Widener) Close() {
	if !w.started.Load() {
		return
	}
	close(w.stop)
	<-w.done
}
