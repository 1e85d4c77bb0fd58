package columndb

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSyncGroup: callers arriving while a sync runs share the next one,
// every caller is answered by a sync that began after it asked, and a
// failed sync is reported to its runner while the others wait for one
// that succeeds.
func TestSyncGroup(t *testing.T) {
	var g syncGroup
	var runs, began atomic.Int64
	release := make(chan struct{})
	slow := func() error {
		began.Add(1)
		<-release
		runs.Add(1)
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- g.do(slow) }()
	for began.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Twenty callers arrive while the first sync runs: that sync began
	// before them and does not answer them; one more sync answers all.
	var wg sync.WaitGroup
	answered := atomic.Int64{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.do(slow); err != nil {
				t.Error(err)
			}
			answered.Add(1)
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if answered.Load() != 0 {
		t.Fatal("a caller was answered by a sync that began before it asked")
	}
	close(release)
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A caller the scheduler started only after the second sync began
	// needs a third; never one each.
	if n := runs.Load(); n < 2 || n > 3 {
		t.Fatalf("%d syncs for 21 callers, want 2", n)
	}

	boom := errors.New("disk gone")
	fails := 1
	flaky := func() error {
		if fails > 0 {
			fails--
			return boom
		}
		return nil
	}
	if err := g.do(flaky); !errors.Is(err, boom) {
		t.Fatalf("first sync: %v, want its error", err)
	}
	if err := g.do(flaky); err != nil {
		t.Fatalf("the next sync: %v", err)
	}
}
