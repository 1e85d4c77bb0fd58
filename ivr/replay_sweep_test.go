package ivr

import (
	"sync/atomic"
	"testing"
	"time"
)

// blockingDocs holds every scan until release closes, and counts scans.
type blockingDocs struct {
	*memDocs
	entered chan struct{}
	release chan struct{}
	scans   atomic.Int32
}

func (b *blockingDocs) EachDoc(collection string, fn func(string, []byte) error) error {
	b.scans.Add(1)
	b.entered <- struct{}{}
	<-b.release
	return b.memDocs.EachDoc(collection, fn)
}

// A sweep once outlived the service and read a store that had closed,
// which crashed the process; close must wait for it and start no other.
func TestCloseWaitsForTheSweep(t *testing.T) {
	docs := &blockingDocs{memDocs: newMemDocs(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	u := newUsedSignatures(docs, nil)
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	u.now = func() time.Time { return now }

	u.maybeSweep()
	<-docs.entered
	closed := make(chan struct{})
	go func() {
		u.close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("close returned while the sweep was still reading")
	case <-time.After(50 * time.Millisecond):
	}
	close(docs.release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not return after the sweep ended")
	}

	now = now.Add(2 * usedSweepEvery)
	u.maybeSweep()
	u.close()
	if n := docs.scans.Load(); n != 1 {
		t.Fatalf("%d sweeps ran, want 1: none may start after close", n)
	}
}
