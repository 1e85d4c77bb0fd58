package logsink

import (
	"bufio"
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog/diode"
)

// Async is a log writer that never blocks its callers. Lines go into a
// ring of a fixed number of lines; one goroutine takes them out and writes
// them to the sink in batches. When the sink is slower than the lines
// arrive (a stalled pipe, a terminal scrolling), the oldest lines not yet
// written are overwritten, and dropped learns how many once the writer
// reaches them: a request that logs costs a copy and an atomic add,
// whatever the sink does. The count is exact but for a line written into
// the very slot the writer is taking while the ring overflows, which the
// diode moves to the next slot and counts once as dropped too.
type Async struct {
	ring    diode.Writer
	out     *batcher
	closing sync.Once
	closed  chan struct{}
}

// Poll is how long the writing goroutine sleeps when the ring is empty:
// short enough that a ring of a few thousand lines does not overflow at
// tens of thousands of lines a second, long enough to cost nothing idle.
const Poll = 10 * time.Millisecond

// flushEvery bounds how long a line waits in the batch before it reaches
// the sink.
const flushEvery = 100 * time.Millisecond

// NewAsync returns a writer of w holding up to lines lines not yet written.
// dropped, if not nil, is called from the writing goroutine with the count
// of lines lost each time some were.
func NewAsync(w io.Writer, lines int, dropped func(n int)) *Async {
	out := &batcher{w: bufio.NewWriterSize(w, 64<<10)}
	if dropped == nil {
		dropped = func(int) {}
	}
	a := &Async{ring: diode.NewWriter(out, lines, Poll, dropped), out: out, closed: make(chan struct{})}
	go out.flushing(a.closed)
	return a
}

// Write queues one line (zerolog writes one event per call). It copies p.
func (a *Async) Write(p []byte) (int, error) { return a.ring.Write(p) }

// Close writes out every line still queued, flushes the sink, and stops.
// It waits at most wait for a sink that has stalled, and then returns
// without the lines still queued: a shutdown must not hang on a log.
func (a *Async) Close(wait time.Duration) {
	done := make(chan struct{})
	go func() {
		a.closing.Do(func() {
			_ = a.ring.Close() // drains the ring into the batch
			close(a.closed)
			a.out.flush()
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// batcher gathers the lines the ring's goroutine writes, so a busy log
// costs the sink one write a batch instead of one a line.
type batcher struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (b *batcher) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

func (b *batcher) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.w.Flush()
}

// flushing flushes the batch every flushEvery until closed.
func (b *batcher) flushing(closed <-chan struct{}) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-closed:
			return
		case <-t.C:
			b.flush()
		}
	}
}
