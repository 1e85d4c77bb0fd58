// Package conns bounds how long the HTTP server's connections may stall:
// before their first request, while a request arrives, is handled and is
// answered, and kept alive between requests.
//
// fasthttp's own ReadTimeout, WriteTimeout and IdleTimeout set socket
// deadlines, three for every request, each a runtime timer update. At the
// rates an IVR lookup service runs at that was 0.6 µs of about 13 µs of
// server CPU a lookup (bench/README.md, step 19). A Sweeper instead records
// each connection's state changes, which fasthttp reports through its
// ConnState hook, in one atomic word stamped with a clock it advances
// itself, and a few times a second expires the connections that have
// stalled past their limit by putting their deadline in the past. Their
// blocked reads and writes then fail with a timeout, exactly as fasthttp's
// own deadlines would, and fasthttp closes them as it does then.
package conns

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Limits are how long a connection may stay in one state. A zero limit
// is no limit.
type Limits struct {
	// Busy bounds a request from when fasthttp starts reading it (a
	// new connection's first request: from the accept) until its answer is
	// written: reading it, an upload's body too, handling it and writing
	// the answer. A handler that is still running at the limit is not
	// interrupted, but its answer is not written: the connection closes.
	Busy time.Duration
	// Idle bounds a kept-alive connection's wait for its next request.
	Idle time.Duration
}

func (l Limits) of(s fasthttp.ConnState) time.Duration {
	switch s {
	case fasthttp.StateNew, fasthttp.StateActive:
		return l.Busy
	case fasthttp.StateIdle:
		return l.Idle
	}
	return 0
}

// Sweeper expires stalled connections. Use Listener for the server's
// listener and ConnState for its fasthttp.Server.ConnState, then Run.
type Sweeper struct {
	limits  Limits
	tick    time.Duration
	epoch   time.Time
	now     atomic.Int64 // the last sweep's number: the stamp of a state change
	expired Counter

	// Only the sweep reads and writes these. A state change stamped with
	// sweep k happened before sweep k+1 was numbered, so before times[k+1];
	// the sweep measures a stall from there, which holds however late the
	// ticker delivers a sweep on a loaded machine.
	sweeps int64
	times  [sweepRing]time.Duration // since epoch, when sweep n%sweepRing was numbered

	mu    sync.Mutex
	conns map[*conn]struct{}

	stop chan struct{}
	done chan struct{}
}

// sweepRing is how many sweeps' times are kept. A stamp older than that is
// measured from the oldest time kept, which is later than its own, so such
// a stall is only ever underestimated; limits span eight sweeps.
const sweepRing = 64

// Counter counts expired connections by the state they stalled in: new,
// active or idle.
type Counter interface{ Inc(values ...string) }

// New returns a Sweeper that checks its connections every eighth of the
// shortest limit, at least every second and at most every 10 ms. A state
// change is stamped with the number of the last check, so a connection is
// expired at most two checks past its limit, never before it, even when
// checks run late.
// expired, if not nil, counts the connections it expires.
func New(l Limits, expired Counter) *Sweeper {
	tick := time.Second
	for _, d := range []time.Duration{l.Busy, l.Idle} {
		if d > 0 {
			tick = min(tick, max(d/8, 10*time.Millisecond))
		}
	}
	return &Sweeper{limits: l, tick: tick, epoch: time.Now(), expired: expired, conns: map[*conn]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

// Run sweeps until Close.
func (s *Sweeper) Run() {
	defer close(s.done)
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// Close stops Run and waits for it. Connections are left as they are.
func (s *Sweeper) Close() {
	close(s.stop)
	<-s.done
}

// Listener returns ln with its connections tracked.
func (s *Sweeper) Listener(ln net.Listener) net.Listener { return listener{ln, s} }

// ConnState records a connection's new state; set it as the server's
// fasthttp.Server.ConnState. It is called twice a request, so it costs one
// type assertion and one atomic store.
func (s *Sweeper) ConnState(nc net.Conn, state fasthttp.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		if c = unwrap(nc); c == nil {
			return // not from Listener
		}
	}
	if state == fasthttp.StateHijacked || state == fasthttp.StateClosed {
		s.forget(c)
		return
	}
	if c.streaming.Load() {
		c.streaming.Store(false) // the streamed answer has ended
	}
	c.mark.Store(mark(s.now.Load(), state))
}

// unwrap returns the Listener's connection inside a TLS server's *tls.Conn,
// which is what fasthttp hands ConnState then. fasthttp also wraps
// connections in a type of its own when Server.MaxConnsPerIP is set, which
// does not say what it wraps: leave that off, or those connections' states
// go unseen and they expire as if stalled.
func unwrap(nc net.Conn) *conn {
	if w, ok := nc.(interface{ NetConn() net.Conn }); ok {
		c, _ := w.NetConn().(*conn)
		return c
	}
	return nil
}

func mark(sweep int64, state fasthttp.ConnState) uint64 { return uint64(sweep)<<3 | uint64(state) }

// sweep expires every connection stalled past its state's limit.
func (s *Sweeper) sweep() {
	// Numbered before the clock is read: every change stamped with the
	// previous number happened before this time.
	s.sweeps++
	s.now.Store(s.sweeps)
	now := time.Since(s.epoch)
	s.times[s.sweeps%sweepRing] = now
	type stall struct {
		c     *conn
		state fasthttp.ConnState
	}
	var stalled []stall
	s.mu.Lock()
	for c := range s.conns {
		m := c.mark.Load()
		state := fasthttp.ConnState(m & 7)
		limit := s.limits.of(state)
		stamp := int64(m >> 3)
		if limit <= 0 || stamp >= s.sweeps {
			continue // no limit, or changed since this sweep was numbered
		}
		if now-s.times[max(stamp+1, s.sweeps-sweepRing+1)%sweepRing] > limit {
			stalled = append(stalled, stall{c, state})
			delete(s.conns, c) // once: its owner closes it next
		}
	}
	s.mu.Unlock()
	for _, st := range stalled {
		if s.expired != nil { // first: counted by the time the client sees the close
			s.expired.Inc(st.state.String())
		}
		// A deadline in the past fails the blocked read or write with
		// os.ErrDeadlineExceeded, which fasthttp treats as its own
		// timeouts: it closes the connection and logs nothing.
		_ = st.c.Conn.SetDeadline(time.Unix(1, 0))
	}
}

func (s *Sweeper) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

type listener struct {
	net.Listener
	s *Sweeper
}

func (l listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &conn{Conn: nc, s: l.s}
	c.mark.Store(mark(l.s.now.Load(), fasthttp.StateNew))
	l.s.mu.Lock()
	l.s.conns[c] = struct{}{}
	l.s.mu.Unlock()
	return c, nil
}

// conn is an accepted connection and its state: sweep << 3 | state.
// Padded to 128 bytes, a size class Go aligns to 128, so that no two
// connections share a cache line: each one's goroutine stores its state,
// and reads Conn for every read and write, on whichever core it runs.
type conn struct {
	net.Conn
	s         *Sweeper
	mark      atomic.Uint64
	streaming atomic.Bool // see Stream
	_         [128 - 36]byte
}

// Write stamps a streamed answer's progress.
func (c *conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 && c.streaming.Load() {
		c.mark.Store(mark(c.s.now.Load(), fasthttp.StateActive))
	}
	return n, err
}

// Close forgets c as well, whoever closes it.
func (c *conn) Close() error {
	c.s.forget(c)
	return c.Conn.Close()
}

// Stream makes the Busy limit bound the stalls of the answer being
// written on nc rather than its length: until nc's next state change every
// write that moves bytes stamps it as busy from now. A backup streamed for
// longer than the limit is then cut only if its client stops reading for
// that long. For a connection not from Listener it does nothing.
func (s *Sweeper) Stream(nc net.Conn) {
	c, ok := nc.(*conn)
	if !ok {
		if c = unwrap(nc); c == nil {
			return
		}
	}
	c.streaming.Store(true)
}
