package logsink

import (
	"io"
	"sync"
	"time"
)

// Lines is a log writer that never makes its callers wait for the sink.
// Lines are appended to a pending buffer under a lock held only for the
// copy; one goroutine swaps that buffer for an empty one and writes the
// whole batch out, so a busy log costs the sink one write a batch. When the
// sink is slower than the lines arrive (a stalled pipe, a terminal
// scrolling) and the pending buffer holds its limit, new lines are dropped
// and counted at once: a request that logs costs a copy, whatever the sink
// does.
//
// It replaces a ring of lines (zerolog's diode), which cost two
// allocations a line and a polling goroutine: at tens of thousands of
// lookups a second that was a measurable share of a lookup's CPU.
type Lines struct {
	mu      sync.Mutex
	pending []byte
	limit   int

	w       io.Writer
	dropped func(n int)
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once
}

// FlushEvery bounds how long a line waits before it is written.
const FlushEvery = 100 * time.Millisecond

// NewLines returns a writer of w holding up to limit bytes not yet
// written. dropped, if not nil, is called with 1 for each line lost; it
// must be cheap and safe to call from any goroutine (a counter's add).
func NewLines(w io.Writer, limit int, dropped func(n int)) *Lines {
	if dropped == nil {
		dropped = func(int) {}
	}
	l := &Lines{limit: limit, w: w, dropped: dropped,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

// Write queues p, one whole line. It copies p and never blocks on the
// sink; a line that does not fit is dropped, not split.
func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	if len(l.pending)+len(p) > l.limit {
		l.mu.Unlock()
		l.dropped(1)
		return len(p), nil
	}
	l.pending = append(l.pending, p...)
	// A quarter full is written at once rather than at the next tick, so
	// a burst reaches the sink before it can fill the rest.
	full := len(l.pending) >= l.limit/4
	l.mu.Unlock()
	if full {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// Close writes out every line still pending and stops. It waits at most
// wait for a sink that has stalled, and then returns without those lines:
// a shutdown must not hang on a log.
func (l *Lines) Close(wait time.Duration) {
	l.closing.Do(func() { close(l.stop) })
	select {
	case <-l.done:
	case <-time.After(wait):
	}
}

func (l *Lines) run() {
	defer close(l.done)
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	var spare []byte
	for {
		select {
		case <-t.C:
		case <-l.kick:
		case <-l.stop:
			l.flush(spare)
			return
		}
		spare = l.flush(spare)
	}
}

// flush swaps the pending lines for spare, writes them, and returns their
// buffer emptied, the next spare: the two buffers alternate, so a steady
// log allocates nothing.
func (l *Lines) flush(spare []byte) []byte {
	l.mu.Lock()
	batch := l.pending
	l.pending = spare[:0]
	l.mu.Unlock()
	if len(batch) > 0 {
		_, _ = l.w.Write(batch)
	}
	return batch[:0]
}
