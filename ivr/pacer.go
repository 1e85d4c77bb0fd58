package ivr

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Pacer gives lookups the CPU they need while bulk work runs. A lookup is
// a caller waiting on the line; an upload is a merchant's batch job that
// can take a little longer. Once the lookups arriving need a large share
// of the CPUs (crowdedShare), bulk work rests between its steps (parsing
// a few hundred rows, one transaction) for as large a share of the time as
// they need, with room to spare: what it hands Badger to flush and compact
// shrinks in proportion, so the CPUs keep room for callers. A flood of
// them takes at most maxShare of its time. Below that share bulk work
// only yields between steps: at a payment line's 1,000 lookups a second
// resting bought them nothing and cost the upload a quarter of its speed
// (bench/README.md, stop 31). That was measured while the benchmark's
// probe took half a CPU itself; with a cheaper probe (stop 32) resting
// for their own share shortened their tail in two side-by-side runs and
// missed both the tail and the upload in a full run, so it waits for more
// runs. With no lookups about it runs flat out.
type Pacer struct {
	last   atomic.Int64 // unix nanoseconds of the last lookup
	_      [56]byte     // count on a cache line of its own: every lookup adds to it
	count  atomic.Int64 // lookups ever
	recent time.Duration
	max    time.Duration // longest rest
	cost   time.Duration // CPU a lookup takes, its share of the kernel's and load's work included
	bulk   func()        // told of every step of bulk work; may be nil

	mu        sync.Mutex // the rate's sample; taken by bulk work only
	sampledAt time.Time
	sampled   int64
	rate      float64       // lookups a second over the last sample
	owed      time.Duration // rest owed and not yet taken
}

const (
	// lookupCost is what a lookup costs the machine: about 25 µs of the
	// server's CPU (user and system, measured by the harness at the half
	// rate) and as much again of the network stack and the caller's side
	// on a machine where they share the cores.
	lookupCost = 50 * time.Microsecond
	// headroom multiplies the lookups' share of the CPU: they arrive at
	// random and must find a core free at once, not on average.
	headroom = 4
	// maxShare bounds the share of its time bulk work rests: at four
	// parts rest to one of work the lookups' tail during a million-row
	// upload was as short as it gets, and the upload still moves.
	maxShare = 0.8
	// crowdedShare is the lookups' share from which bulk work rests and
	// stops overlapping its steps (Active): 2,500 lookups a second.
	crowdedShare = 0.5
	// sampleEvery is how often the lookup rate is recomputed.
	sampleEvery = 250 * time.Millisecond
	// minRest is the shortest rest taken: a goroutine that sleeps less
	// often sleeps a millisecond anyway, when its thread waits for the
	// network poller, so shorter rests are owed until they add up.
	minRest = time.Millisecond
)

// NewPacer returns a pacer that counts lookups within recent as active.
// bulk, when set, is called at every step of bulk work, whether or not
// lookups arrive (procs.Widener.Busy takes it).
func NewPacer(recent time.Duration, bulk func()) *Pacer {
	return &Pacer{recent: recent, max: 20 * time.Millisecond, cost: lookupCost, bulk: bulk}
}

// Lookup notes a lookup at now. The time is written only when it moves by
// a millisecond, so lookups on different cores do not bounce its cache line
// on every request; the count takes one atomic add on a line of its own.
func (p *Pacer) Lookup(now time.Time) {
	if p == nil {
		return
	}
	p.count.Add(1)
	if n := now.UnixNano(); n-p.last.Load() > int64(time.Millisecond) {
		p.last.Store(n)
	}
}

// arrived reports whether lookups have arrived recently.
func (p *Pacer) arrived() bool {
	return p != nil && time.Since(time.Unix(0, p.last.Load())) <= p.recent
}

// Active reports whether lookups arriving need a large share of the
// CPUs (crowdedShare): bulk work then works one step at a time, without
// overlapping its parsing with its writes or its transactions with each
// other, so it keeps fewer threads busy at once. A few lookups a second
// only make it rest a little.
func (p *Pacer) Active() bool {
	if !p.arrived() {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.share() >= crowdedShare
}

// share is the part of the time the lookups get (p.mu held).
func (p *Pacer) share() float64 { return min(p.rate*p.cost.Seconds()*headroom, maxShare) }

// rest adds what a step of busy owes to the lookups, the share s of the
// time the step and its rest take together once s reaches crowdedShare,
// and returns the rest to take now: none until a millisecond is owed, at
// most max.
func (p *Pacer) rest(busy time.Duration, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.count.Load(); p.sampledAt.IsZero() || now.Sub(p.sampledAt) >= sampleEvery {
		if !p.sampledAt.IsZero() {
			p.rate = float64(n-p.sampled) / now.Sub(p.sampledAt).Seconds()
		}
		p.sampledAt, p.sampled = now, n
	}
	s := p.share()
	if s < crowdedShare {
		p.owed = 0
		return 0
	}
	p.owed = min(p.owed+time.Duration(float64(busy)*s/(1-s)), p.max)
	if p.owed < minRest {
		return 0
	}
	r := p.owed
	p.owed = 0
	return r
}

// Yield is called by bulk work between steps with how long it worked since
// the last call.
func (p *Pacer) Yield(busy time.Duration) {
	if p != nil && p.bulk != nil {
		p.bulk()
	}
	if !p.arrived() {
		runtime.Gosched()
		return
	}
	if r := p.rest(busy, time.Now()); r > 0 {
		time.Sleep(r)
		return
	}
	runtime.Gosched()
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
