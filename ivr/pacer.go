package ivr

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Pacer gives lookups the CPU while bulk work runs. A lookup is a caller
// waiting on the line; an upload is a merchant's batch job that can take a
// little longer. While lookups have arrived recently, bulk writers rest
// between transactions for as long as they worked, so on a small machine
// they use at most about half of a core and lookups keep their latency; with
// no lookups about they run flat out.
type Pacer struct {
	last   atomic.Int64 // unix nanoseconds of the last lookup
	recent time.Duration
	max    time.Duration // longest rest
}

// NewPacer returns a pacer that counts lookups within recent as active.
func NewPacer(recent time.Duration) *Pacer {
	return &Pacer{recent: recent, max: 10 * time.Millisecond}
}

// Lookup notes a lookup at now.
func (p *Pacer) Lookup(now time.Time) {
	if p != nil {
		p.last.Store(now.UnixNano())
	}
}

// Yield is called by bulk writers between transactions with how long they
// worked since the last call.
func (p *Pacer) Yield(busy time.Duration) {
	if p == nil || time.Since(time.Unix(0, p.last.Load())) > p.recent {
		runtime.Gosched()
		return
	}
	time.Sleep(min(busy, p.max))
}
