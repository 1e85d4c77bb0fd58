package lockout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tonebase/tonebase/internal/sharedstate"
	"github.com/tonebase/tonebase/internal/testkit/natstest"
)

// countingBucket is a shared bucket that counts the round trips made.
type countingBucket struct {
	*sharedstate.Bucket
	calls atomic.Int64
}

func (c *countingBucket) Update(key string, fn func([]byte, bool) ([]byte, time.Duration, error)) (uint64, error) {
	c.calls.Add(1)
	return c.Bucket.Update(key, fn)
}

func (c *countingBucket) Delete(key string) (uint64, error) {
	c.calls.Add(1)
	return c.Bucket.Delete(key)
}

// nodes opens one caller lockout per JetStream, all on one bucket, as the
// nodes of a cluster do.
func nodes(t *testing.T, replicas int, c *clock, jss ...jetstream.JetStream) ([]tl, []*countingBucket) {
	t.Helper()
	var ls []tl
	var bs []*countingBucket
	for _, js := range jss {
		b, err := sharedstate.New(js, replicas, 0).Bucket(context.Background(), sharedstate.CallerLocks, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		cb := &countingBucket{Bucket: b}
		l, err := Open(Options[string]{Limit: 5, Window: 15 * time.Minute, Now: c.Now,
			Shared: cb, Encode: encode, Decode: decode, OnError: func(err error) { t.Error(err) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		ls = append(ls, tl{l})
		bs = append(bs, cb)
	}
	return ls, bs
}

// The test: five wrong dates of birth spread over three nodes lock
// the ref on all of them; on one server and on a cluster of three, each
// node talking to its own server.
func TestFailuresOverThreeNodesLockOnAll(t *testing.T) {
	setups := []struct {
		name string
		jss  func(t *testing.T) []jetstream.JetStream
		r    int
	}{
		{"three nodes on one server", func(t *testing.T) []jetstream.JetStream {
			s := natstest.Start(t)
			return []jetstream.JetStream{s.JetStream(), s.JetStream(), s.JetStream()}
		}, 1},
		{"three nodes on a three-server cluster, R3", func(t *testing.T) []jetstream.JetStream {
			cl := natstest.StartCluster(t, 3)
			return []jetstream.JetStream{cl[0].JetStream(), cl[1].JetStream(), cl[2].JetStream()}
		}, 3},
	}
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			c := newClock()
			jss := setup.jss(t)
			ls, bs := nodes(t, setup.r, c, jss...)
			ref, other := tkey{1001, "1001/12/r/123456"}, tkey{1002, "1002/12/r/123456"}
			for i := range 4 {
				ls[i%3].fail(ref)
			}
			for i, l := range ls {
				if locked, _ := l.locked(ref); locked {
					t.Fatalf("node %d: locked after four failures of five", i+1)
				}
			}
			ls[1].fail(ref) // the fifth, on the second node
			for i, l := range ls {
				// The node that counted sees it at once; the others as
				// soon as their watcher brings it.
				if !eventually(func() bool { locked, _ := l.locked(ref); return locked }) {
					t.Fatalf("node %d: the ref is not locked after five failures over three nodes", i+1)
				}
				if locked, _ := l.locked(other); locked {
					t.Fatalf("node %d: the same value in another tenant is locked", i+1)
				}
			}
			before := bs[0].calls.Load()
			for range 100 {
				ls[0].locked(other)
				ls[0].locked(ref)
			}
			if n := bs[0].calls.Load() - before; n != 0 {
				t.Fatalf("lock checks made %d round trips to the bucket, want none", n)
			}
			// A node that starts (or restarts) now reads the lock back.
			late, _ := nodes(t, setup.r, c, jss[0])
			if locked, _ := late[0].locked(ref); !locked {
				t.Fatal("a node started after the lock does not hold it")
			}
			if !ls[2].Lift(ref.tenant, ref.value) {
				t.Fatal("lifting on the third node reports no lock")
			}
			for i, l := range append(ls, late...) {
				if !eventually(func() bool { locked, _ := l.locked(ref); return !locked }) {
					t.Fatalf("node %d: a lock lifted on another node still holds", i+1)
				}
			}
			c.now = c.now.Add(16 * time.Minute)
			ls[0].fail(ref)
			if locked, _ := ls[0].locked(ref); locked {
				t.Fatal("old failures counted past their window")
			}
		})
	}
}

func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// Sign-in counts before it checks: 40 attempts at once over three nodes
// let no more than the limit reach the check, as on one.
func TestAttemptOverNodesChecksNoMoreThanTheLimit(t *testing.T) {
	s := natstest.Start(t)
	ls, _ := nodes(t, 1, newClock(), s.JetStream(), s.JetStream(), s.JetStream())
	var checked atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if ok, _ := ls[i%3].Attempt(0, "0/ip/192.0.2.1", "0/user/ada"); ok {
				checked.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := checked.Load(); n != 5 {
		t.Fatalf("%d attempts reached the check over three nodes, want 5", n)
	}
	for i, l := range ls {
		if !eventually(func() bool { ok, _ := l.Attempt(0, "0/user/ada"); return !ok }) {
			t.Fatalf("node %d lets another attempt through", i+1)
		}
	}
}

func TestForgiveOverNodes(t *testing.T) {
	s := natstest.Start(t)
	ls, _ := nodes(t, 1, newClock(), s.JetStream(), s.JetStream())
	for i := range 10 {
		if ok, _ := ls[i%2].Attempt(0, "0/user/ada"); !ok {
			t.Fatalf("attempt %d refused although every one passed", i)
		}
		ls[(i+1)%2].Forgive(0, "0/user/ada")
	}
	for i := range 5 {
		if ok, _ := ls[i%2].Attempt(0, "0/user/ada"); !ok {
			t.Fatalf("attempt %d of 5 refused", i+1)
		}
	}
	if ok, _ := ls[1].Attempt(0, "0/user/ada"); ok {
		t.Fatal("a sixth attempt passed a limit of five")
	}
}

// unreachable is a bucket whose server is gone.
type unreachable struct{ calls atomic.Int64 }

var errGone = errors.New("nats: no servers available")

func (u *unreachable) Update(string, func([]byte, bool) ([]byte, time.Duration, error)) (uint64, error) {
	u.calls.Add(1)
	return 0, errGone
}
func (u *unreachable) Delete(string) (uint64, error) { u.calls.Add(1); return 0, errGone }
func (u *unreachable) Watch(func(string, []byte, uint64)) (func(), error) {
	return func() {}, nil
}

// Without the bucket a node counts on its own: lookups go on, a guesser is
// locked after the limit on this node, and the bucket is not tried on
// every failure while it is out of reach.
func TestUnreachableBucketCountsOnThisNode(t *testing.T) {
	c := newClock()
	u := &unreachable{}
	var errs atomic.Int32
	lk, err := Open(Options[string]{Limit: 5, Window: 15 * time.Minute, Now: c.Now, Shared: u,
		Encode: encode, Decode: decode, OnError: func(error) { errs.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	l := tl{lk}
	ref := tkey{1, "1/r/x"}
	tests := []struct {
		name       string
		fails      int
		wantLocked bool
		wantCalls  int64
	}{
		{"four failures: the first tries the bucket, then not", 4, false, 1},
		{"the fifth locks on this node", 1, true, 1},
		{"past the pause the bucket is tried again", 0, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fails == 0 {
				c.now = c.now.Add(degradedFor)
				l.fail(tkey{1, "1/r/y"})
			}
			for range tt.fails {
				l.fail(ref)
			}
			if locked, _ := l.locked(ref); locked != tt.wantLocked {
				t.Fatalf("locked = %v, want %v", locked, tt.wantLocked)
			}
			if n := u.calls.Load(); n != tt.wantCalls {
				t.Fatalf("%d calls to the bucket, want %d", n, tt.wantCalls)
			}
		})
	}
	if errs.Load() == 0 {
		t.Fatal("the unreachable bucket was not reported")
	}
	if ok, _ := lk.Attempt(0, "0/user/ada"); !ok {
		t.Fatal("an attempt is refused because the bucket is out of reach")
	}
}

func BenchmarkLockedMissShared(b *testing.B) {
	s := natstest.Start(b)
	bk, err := sharedstate.New(s.JetStream(), 1, 0).Bucket(context.Background(), sharedstate.CallerLocks, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	l, err := Open(Options[string]{Limit: 5, Window: time.Minute, Shared: bk, Encode: encode, Decode: decode})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for i := range 100 {
		l.Fail(1001, fmt.Sprint(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Locked(1001, "123456")
	}
}

// BenchmarkFailShared is the cost a miss adds in a cluster: the failure
// counted in the bucket and seen back in this node's copy.
func BenchmarkFailShared(b *testing.B) {
	b.Run("R1", func(b *testing.B) { benchFail(b, 1, natstest.Start(b).JetStream()) })
	b.Run("R3", func(b *testing.B) { benchFail(b, 3, natstest.StartCluster(b, 3)[1].JetStream()) })
}

func benchFail(b *testing.B, replicas int, js jetstream.JetStream) {
	bk, err := sharedstate.New(js, replicas, 0).Bucket(context.Background(), sharedstate.CallerLocks, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	l, err := Open(Options[string]{Limit: 5, Window: time.Minute, Shared: bk, Encode: encode, Decode: decode})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	i := 0
	for b.Loop() {
		l.Fail(1001, strconv.Itoa(i%5000))
		i++
	}
}

func BenchmarkFailLocal(b *testing.B) {
	l := New[string](5, time.Minute)
	i := 0
	for b.Loop() {
		l.Fail(1001, strconv.Itoa(i%5000))
		i++
	}
}

// BenchmarkLockedMissLocalSame is BenchmarkLockedMissShared without the
// bucket: the same keys, to compare the two.
func BenchmarkLockedMissLocalSame(b *testing.B) {
	l := New[string](5, time.Minute)
	for i := range 100 {
		l.Fail(1001, fmt.Sprint(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Locked(1001, "123456")
	}
}

// With the real server gone, misses are counted on this node at once: no
// lookup waits on the bucket, and the limit still locks here.
func TestServerGoneCountsHereWithoutWaiting(t *testing.T) {
	s := natstest.Start(t)
	js := s.JetStream()
	b, err := sharedstate.New(js, 1, 5*time.Second).Bucket(context.Background(), sharedstate.CallerLocks, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	lk, err := Open(Options[string]{Limit: 5, Window: 15 * time.Minute, Now: c.Now, Shared: b,
		Encode: encode, Decode: decode, OnError: func(error) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	l := tl{lk}
	held, ref := tkey{1, "1/r/held"}, tkey{1, "1/r/x"}
	for range 5 {
		l.fail(held)
	}
	s.Shutdown()
	s.WaitForShutdown()
	for deadline := time.Now().Add(5 * time.Second); js.Conn().IsConnected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the client never noticed its server had gone")
		}
	}
	start := time.Now()
	for range 5 {
		l.fail(ref)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("five misses without the server took %v", d)
	}
	for _, k := range []tkey{held, ref} {
		if locked, _ := l.locked(k); !locked {
			t.Fatalf("%v is not locked without the server", k)
		}
	}
	start = time.Now()
	lk.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closing without the server took %v", d)
	}
}
