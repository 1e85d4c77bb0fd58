// Package memlog is a write log in memory that several replicated
// columndb stores share, as a cluster's nodes share their JetStream
// stream, with each store's applier: for tests of code that must decide
// the same way on every node.
package memlog

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// Log is a columndb.Log in memory.
type Log struct {
	mu      sync.Mutex
	changed *sync.Cond
	entries [][]byte
	stopped bool
}

// New returns an empty log.
func New() *Log {
	l := &Log{}
	l.changed = sync.NewCond(&l.mu)
	return l
}

// Append implements columndb.Log.
func (l *Log) Append(e []byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, bytes.Clone(e))
	l.changed.Broadcast()
	return uint64(len(l.entries)), nil
}

// MaxEntry implements columndb.Log.
func (l *Log) MaxEntry() int { return 8 << 20 }

func (l *Log) next(seq uint64) ([]byte, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for uint64(len(l.entries)) <= seq && !l.stopped {
		l.changed.Wait()
	}
	if l.stopped {
		return nil, false
	}
	return l.entries[seq], true
}

// Open opens a store on the log (in memory unless opts.Dir is set) and
// runs its applier until the test ends, when it closes the store. A
// failure to apply fails the test.
func (l *Log) Open(t testing.TB, opts columndb.Options) *columndb.Store {
	t.Helper()
	opts.Log = l
	opts.InMemory = opts.Dir == ""
	s, err := columndb.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			seq := s.Applied()
			e, ok := l.next(seq)
			if !ok {
				return
			}
			if err := s.ApplyEntry(seq+1, e); err != nil {
				t.Errorf("memlog: apply %d: %v", seq+1, err)
				return
			}
		}
	}()
	t.Cleanup(func() {
		l.mu.Lock()
		l.stopped = true
		l.changed.Broadcast()
		l.mu.Unlock()
		wg.Wait()
		s.Close()
	})
	return s
}

// CaughtUp waits until every store has applied the whole log.
func (l *Log) CaughtUp(t testing.TB, stores ...*columndb.Store) {
	t.Helper()
	l.mu.Lock()
	end := uint64(len(l.entries))
	l.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range stores {
		for s.Applied() < end {
			if time.Now().After(deadline) {
				t.Fatalf("memlog: a store is at %d of %d after 10 s", s.Applied(), end)
			}
			time.Sleep(time.Millisecond)
		}
	}
}
