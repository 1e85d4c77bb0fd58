package lockout

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Shared is a key-value bucket every node of a cluster shares, with
// compare-and-set updates and a TTL per write (sharedstate.Bucket).
type Shared interface {
	// Update changes key atomically, calling fn again if another write
	// came between; fn's nil removes the key, its error writes nothing.
	Update(key string, fn func(cur []byte, found bool) ([]byte, time.Duration, error)) (uint64, error)
	Delete(key string) (uint64, error)
	// Watch calls fn with every key's value and then every change, a
	// removal with a nil value; it returns once the values are in.
	Watch(fn func(key string, value []byte, revision uint64)) (stop func(), err error)
}

// How the shared mode behaves when the bucket cannot be reached. A lookup
// must never stop on it: a payment line stays up when NATS is down. So a
// failure that cannot be recorded in the bucket is counted on this node
// alone, as before there was a cluster, and the bucket is not tried again
// for degradedFor, so that lookups meanwhile do not each wait on it. A
// guesser then gets at most the limit on each node, not the limit in all;
// locks already in the copy hold.
const (
	degradedFor = 10 * time.Second
	// seenWait bounds how long a write waits for the watcher to bring it
	// into this node's copy, so that the node that counted a failure sees
	// it in its next lock check.
	seenWait = 2 * time.Second
)

// sharedState is what a lockout keeps of its bucket.
type sharedState struct {
	stop          func()
	seen          watermark
	degradedUntil atomic.Int64 // unix nanoseconds of the lockout's clock
}

// errAtLimit ends an attempt's update: the key is locked already.
var errAtLimit = errors.New("lockout: at the limit")

// share fills the copy from the bucket and keeps it current. The copy is
// written only by the watcher (and by counting on this node alone while
// the bucket is out of reach), so it never goes back to an older state.
func (l *Lockout[K]) share() error {
	l.sh = &sharedState{}
	l.sh.seen.ch = make(chan struct{})
	stop, err := l.o.Shared.Watch(func(name string, v []byte, rev uint64) {
		l.mirror(name, v)
		l.sh.seen.advance(rev)
	})
	if err != nil {
		return fmt.Errorf("lockout: read shared locks: %w", err)
	}
	l.sh.stop = stop
	return nil
}

// Close stops following the shared bucket. A lockout without one has
// nothing to stop.
func (l *Lockout[K]) Close() {
	if l.sh != nil && l.sh.stop != nil {
		l.sh.stop()
	}
}

// mirror sets a key's failures to what the bucket holds. A key another
// node counted is taken even into a full partition: its failures are a
// fact, and a lock must hold everywhere.
func (l *Lockout[K]) mirror(name string, v []byte) {
	part, key, ok := l.o.Decode(name)
	if !ok {
		return
	}
	k := pkey[K]{part, key}
	var ts []time.Time
	if v != nil {
		ts = decodeFailures(v)
	}
	sh := l.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, known := sh.keys[k]
	switch {
	case len(ts) == 0 && known:
		l.forget(sh, k)
	case len(ts) > 0:
		if !known {
			sh.parts[k.part]++
		}
		sh.keys[k] = ts
	}
}

func encodeFailures(ts []time.Time) []byte {
	ns := make([]int64, len(ts))
	for i, t := range ts {
		ns[i] = t.UnixNano()
	}
	b, _ := json.Marshal(ns)
	return b
}

func decodeFailures(b []byte) []time.Time {
	var ns []int64
	if json.Unmarshal(b, &ns) != nil {
		return nil
	}
	ts := make([]time.Time, len(ns))
	for i, n := range ns {
		ts[i] = time.Unix(0, n)
	}
	return ts
}

// live is ts less what has aged out of the window at now.
func (l *Lockout[K]) live(ts []time.Time, now time.Time) []time.Time {
	out := ts[:0:0]
	for _, t := range ts {
		if now.Sub(t) < l.o.Window {
			out = append(out, t)
		}
	}
	return out
}

// counted is a key's failures in the bucket with one more at now, keeping
// only what decides a lock, to be kept for a window from now.
func (l *Lockout[K]) counted(cur []byte, now time.Time) ([]byte, []time.Time) {
	ts := l.live(decodeFailures(cur), now)
	if len(ts) >= l.o.Limit {
		ts = ts[len(ts)-l.o.Limit+1:]
	}
	ts = append(ts, now)
	return encodeFailures(ts), ts
}

func (l *Lockout[K]) degraded(now time.Time) bool {
	return now.UnixNano() < l.sh.degradedUntil.Load()
}

func (l *Lockout[K]) degrade(now time.Time, err error) {
	l.sh.degradedUntil.Store(now.Add(degradedFor).UnixNano())
	l.o.OnError(fmt.Errorf("lockout: shared bucket out of reach, counting on this node alone for %v: %w", degradedFor, err))
}

// failShared counts a failure of k in the bucket, or on this node alone
// while the bucket is out of reach.
func (l *Lockout[K]) failShared(k pkey[K], now time.Time) {
	sh := l.shard(k)
	sh.mu.Lock()
	_, known := l.prune(sh, k, now)
	room := known || l.room(sh, k.part, now)
	sh.mu.Unlock()
	if !room {
		return // not counted: Locked refuses the key while its partition is full
	}
	if l.degraded(now) {
		l.record(k, now)
		return
	}
	rev, err := l.o.Shared.Update(l.o.Encode(k.part, k.k), func(cur []byte, _ bool) ([]byte, time.Duration, error) {
		next, _ := l.counted(cur, now)
		return next, l.o.Window, nil
	})
	if err != nil {
		l.degrade(now, err)
		l.record(k, now)
		return
	}
	l.sh.seen.wait(rev, seenWait)
}

// attemptShared counts an attempt against every key in the bucket, each
// only while the key is below the limit, so however many nodes check at
// once no more than the limit reach the check. A key already at the limit
// refuses the attempt, and what was counted against the others is given
// back. done is false when the bucket could not be reached: the caller
// then counts on this node alone.
func (l *Lockout[K]) attemptShared(part int64, keys []K, now time.Time) (ok bool, wait time.Duration, done bool) {
	if locked, w := l.Locked(part, keys...); locked {
		return false, w, true // the copy says so: no round trip
	}
	var counted []K
	var last uint64
	for _, key := range keys {
		var ts []time.Time
		rev, err := l.o.Shared.Update(l.o.Encode(part, key), func(cur []byte, _ bool) ([]byte, time.Duration, error) {
			if len(l.live(decodeFailures(cur), now)) >= l.o.Limit {
				ts = l.live(decodeFailures(cur), now)
				return nil, 0, errAtLimit
			}
			next, _ := l.counted(cur, now)
			return next, l.o.Window, nil
		})
		switch {
		case errors.Is(err, errAtLimit):
			l.forgiveShared(part, counted)
			return false, ts[len(ts)-l.o.Limit].Add(l.o.Window).Sub(now), true
		case err != nil:
			l.degrade(now, err)
			l.forgiveShared(part, counted)
			return false, 0, false
		}
		counted = append(counted, key)
		last = max(last, rev)
	}
	l.sh.seen.wait(last, seenWait)
	return true, 0, true
}

// forgiveShared takes back the latest failure of every key in the bucket
// and reports whether it could.
func (l *Lockout[K]) forgiveShared(part int64, keys []K) bool {
	var last uint64
	for _, key := range keys {
		rev, err := l.o.Shared.Update(l.o.Encode(part, key), func(cur []byte, found bool) ([]byte, time.Duration, error) {
			ts := decodeFailures(cur)
			if len(ts) <= 1 {
				return nil, 0, nil
			}
			return encodeFailures(ts[:len(ts)-1]), l.o.Window, nil
		})
		if err != nil {
			l.degrade(l.o.Now(), err)
			return false
		}
		last = max(last, rev)
	}
	l.sh.seen.wait(last, seenWait)
	return true
}

// liftShared removes k's failures from the bucket, so every node lifts it.
func (l *Lockout[K]) liftShared(k pkey[K]) {
	rev, err := l.o.Shared.Delete(l.o.Encode(k.part, k.k))
	if err != nil {
		l.o.OnError(fmt.Errorf("lockout: lift a shared lock: %w", err))
		return
	}
	l.sh.seen.wait(rev, seenWait)
}

// watermark is the newest revision the watcher has brought into the copy.
type watermark struct {
	mu  sync.Mutex
	rev uint64
	ch  chan struct{} // closed when rev grows
}

func (w *watermark) advance(rev uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if rev > w.rev {
		w.rev = rev
		close(w.ch)
		w.ch = make(chan struct{})
	}
}

// wait returns once rev is in the copy, or after at most d.
func (w *watermark) wait(rev uint64, d time.Duration) bool {
	var timer <-chan time.Time
	for {
		w.mu.Lock()
		reached, ch := w.rev >= rev, w.ch
		w.mu.Unlock()
		if reached {
			return true
		}
		if timer == nil {
			t := time.NewTimer(d)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-ch:
		case <-timer:
			return false
		}
	}
}
