package logsink

import (
	"bytes"
	"fmt"
	"strings"
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

func (s *stallSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestLinesNeverBlockAndCountDrops(t *testing.T) {
	const limit, total = 4 << 10, 10_000
	sink := &stallSink{release: make(chan struct{})}
	var dropped atomic.Int64
	l := NewLines(sink, limit, func(n int) { dropped.Add(int64(n)) })
	start := time.Now()
	for i := range total {
		if _, err := fmt.Fprintf(l, "line %05d\n", i); err != nil {
			t.Fatal(err)
		}
	}
	// Every write returned with the sink stalled the whole time.
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("%d writes to a stalled sink took %v", total, took)
	}
	close(sink.release)
	l.Close(10 * time.Second)
	got := sink.text()
	written := strings.Count(got, "\n")
	if dropped.Load() == 0 || written >= total {
		t.Fatalf("wrote %d lines and dropped %d of %d with %d bytes to hold them: nothing was dropped", written, dropped.Load(), total, limit)
	}
	if int64(written)+dropped.Load() != total {
		t.Fatalf("wrote %d and counted %d dropped, of %d lines", written, dropped.Load(), total)
	}
	// A line is written whole or not at all, and in the order written.
	prev := -1
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		var n int
		if _, err := fmt.Sscanf(line, "line %05d", &n); err != nil || len(line) != len("line 00000") {
			t.Fatalf("torn line %q", line)
		}
		if n <= prev {
			t.Fatalf("line %d after %d", n, prev)
		}
		prev = n
	}
}

func TestLinesWriteEverythingWhenTheSinkKeepsUp(t *testing.T) {
	tests := []struct {
		name    string
		writers int
		each    int
	}{
		{"one writer", 1, 5000},
		{"many writers", 16, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &stallSink{release: make(chan struct{})}
			close(sink.release)
			var dropped atomic.Int64
			l := NewLines(sink, 1<<20, func(n int) { dropped.Add(int64(n)) })
			var wg sync.WaitGroup
			for w := range tt.writers {
				wg.Go(func() {
					for i := range tt.each {
						fmt.Fprintf(l, "w%d %d\n", w, i)
					}
				})
			}
			wg.Wait()
			l.Close(10 * time.Second)
			if n := strings.Count(sink.text(), "\n"); n != tt.writers*tt.each || dropped.Load() != 0 {
				t.Fatalf("wrote %d lines, dropped %d, of %d", n, dropped.Load(), tt.writers*tt.each)
			}
		})
	}
}

func TestLinesReachTheSinkWithoutClose(t *testing.T) {
	sink := &stallSink{release: make(chan struct{})}
	close(sink.release)
	l := NewLines(sink, 1<<20, nil)
	defer l.Close(time.Second)
	fmt.Fprintf(l, "one\n")
	deadline := time.Now().Add(5 * time.Second)
	for sink.text() != "one\n" {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the sink holds %q", sink.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLinesCloseGivesUpOnAStalledSink(t *testing.T) {
	sink := &stallSink{release: make(chan struct{})}
	defer close(sink.release)
	l := NewLines(sink, 1<<20, nil)
	fmt.Fprintf(l, "stuck\n")
	start := time.Now()
	l.Close(200 * time.Millisecond)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Close waited %v for a stalled sink", took)
	}
}

func BenchmarkLinesWrite(b *testing.B) {
	l := NewLines(discard{}, 4<<20, nil)
	defer l.Close(time.Second)
	line := []byte(`{"level":"info","request_id":"0123456789abcdef","method":"GET","path":"/ivr/v1/1001/1/lookup","route":"/ivr/v1/{cid}/{dbid}/lookup","status":200,"duration":0.052,"remote":"127.0.0.1","time":"2026-12-02T02:40:00Z","message":"request"}` + "\n")
	b.ReportAllocs()
	for b.Loop() {
		l.Write(line)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
