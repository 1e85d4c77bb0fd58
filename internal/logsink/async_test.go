package logsink

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stallSink blocks every write until released, then keeps what it is given.
type stallSink struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
}

func (s *stallSink) Write(p []byte) (int, error) {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.buf.Write(p)
}

func (s *stallSink) lines() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Count(s.buf.Bytes(), []byte("\n"))
}

func TestAsyncNeverBlocksAndCountsDrops(t *testing.T) {
	const ring, total = 64, 10_000
	sink := &stallSink{release: make(chan struct{})}
	var dropped atomic.Int64
	a := NewAsync(sink, ring, func(n int) { dropped.Add(int64(n)) })
	start := time.Now()
	for i := range total {
		if _, err := fmt.Fprintf(a, "line %d\n", i); err != nil {
			t.Fatal(err)
		}
	}
	// Every write returned with the sink stalled the whole time.
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("%d writes to a stalled sink took %v", total, took)
	}
	close(sink.release)
	a.Close(10 * time.Second)
	written := sink.lines()
	if dropped.Load() == 0 || written >= total {
		t.Fatalf("wrote %d lines and dropped %d of %d into a ring of %d: nothing was dropped", written, dropped.Load(), total, ring)
	}
	// The count is exact but for the rare write that meets the reader
	// in the slot it is taking, which the diode retries in the next slot
	// and counts once too many: that can happen only while it overflows.
	if off := int64(written) + dropped.Load() - total; off < 0 || off > total/100 {
		t.Fatalf("wrote %d and counted %d dropped, of %d lines", written, dropped.Load(), total)
	}
}

func TestAsyncWritesEverythingItCanInBatches(t *testing.T) {
	const total = 2_000
	sink := &stallSink{release: make(chan struct{})}
	close(sink.release)
	var dropped atomic.Int64
	a := NewAsync(sink, 4096, func(n int) { dropped.Add(int64(n)) })
	for i := range total {
		fmt.Fprintf(a, "line %d\n", i)
	}
	a.Close(10 * time.Second)
	if got := sink.lines(); got != total || dropped.Load() != 0 {
		t.Fatalf("wrote %d lines of %d, dropped %d", got, total, dropped.Load())
	}
	if sink.writes >= total/10 {
		t.Fatalf("%d lines took %d writes of the sink: not batched", total, sink.writes)
	}
	want := "line 0\nline 1\n"
	if !bytes.HasPrefix(sink.buf.Bytes(), []byte(want)) || !bytes.HasSuffix(sink.buf.Bytes(), []byte(fmt.Sprintf("line %d\n", total-1))) {
		t.Fatalf("lines out of order: %q...", sink.buf.Bytes()[:40])
	}
}

// TestAsyncCloseDoesNotHangOnAStalledSink: shutdown goes on.
func TestAsyncCloseDoesNotHangOnAStalledSink(t *testing.T) {
	sink := &stallSink{release: make(chan struct{})}
	defer close(sink.release)
	a := NewAsync(sink, 16, nil)
	fmt.Fprintln(a, "stuck")
	start := time.Now()
	a.Close(100 * time.Millisecond)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Close waited %v for a stalled sink", took)
	}
}
