package ivr

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Pacer gives lookups the CPU while bulk work runs. A lookup is a caller
// waiting on the line; an upload is a merchant's batch job that can take a
// little longer. While lookups have arrived recently, bulk work rests
// between its steps (parsing a few hundred rows, one transaction) for
// restPerWork times as long as it worked: what it hands Badger to flush and
// compact shrinks in proportion, so the CPUs keep room for callers. With no
// lookups about it runs flat out.
type Pacer struct {
	last   atomic.Int64 // unix nanoseconds of the last lookup
	recent time.Duration
	max    time.Duration // longest rest
}

// restPerWork is how long bulk work rests, per unit of work, while lookups
// are active. Four rather than two: alternating harness runs put the
// lookups' p99 during a million-row upload at 4.5–5.4 ms against 5.1–9.6 ms,
// with the upload at 21,000–26,000 rows/s instead of 33,000–37,000.
const restPerWork = 4

// NewPacer returns a pacer that counts lookups within recent as active.
func NewPacer(recent time.Duration) *Pacer {
	return &Pacer{recent: recent, max: 20 * time.Millisecond}
}

// Lookup notes a lookup at now. It writes the shared word only when the
// value moves by a millisecond, so lookups on different cores do not bounce
// its cache line on every request.
func (p *Pacer) Lookup(now time.Time) {
	if p == nil {
		return
	}
	if n := now.UnixNano(); n-p.last.Load() > int64(time.Millisecond) {
		p.last.Store(n)
	}
}

// Active reports whether lookups have arrived recently.
func (p *Pacer) Active() bool {
	return p != nil && time.Since(time.Unix(0, p.last.Load())) <= p.recent
}

// Yield is called by bulk work between steps with how long it worked since
// the last call.
func (p *Pacer) Yield(busy time.Duration) {
	if !p.Active() {
		runtime.Gosched()
		return
	}
	time.Sleep(min(restPerWork*busy, p.max))
}

// Steps returns a func that bulk work calls after each step; it yields
// with the time since the previous call.
func (p *Pacer) Steps() func() {
	since := time.Now()
	return func() {
		p.Yield(time.Since(since))
		since = time.Now()
	}
}
