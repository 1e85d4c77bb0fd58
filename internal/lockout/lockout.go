package lockout

import (
	"hash/maphash"
	"sync"
	"time"
)

// Lockout counts failures per key (a caller id, a ref1 value, a sign-in
// name) and locks a key that reaches the limit within the window, so a date
// of birth or a password cannot be found by trying them all. It is in
// memory: a restart forgives, which costs an attacker a restart they cannot
// cause. Keys are spread over shards so that concurrent lookups, which all
// consult it, do not queue on one mutex.
type Lockout[K comparable] struct {
	limit  int
	window time.Duration
	max    int // keys kept per shard before the oldest are forgotten
	now    func() time.Time
	seed   maphash.Seed
	shards [16]lockShard[K]
}

type lockShard[K comparable] struct {
	mu   sync.Mutex
	keys map[K][]time.Time
}

// New returns a lockout of limit failures per window; a limit of 0
// disables it.
func New[K comparable](limit int, window time.Duration) *Lockout[K] {
	l := &Lockout[K]{limit: limit, window: window, max: 1 << 16, now: time.Now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].keys = map[K][]time.Time{}
	}
	return l
}

func (l *Lockout[K]) shard(k K) *lockShard[K] {
	return &l.shards[maphash.Comparable(l.seed, k)%uint64(len(l.shards))]
}

// Locked reports whether any key is locked, and for how long yet.
func (l *Lockout[K]) Locked(keys ...K) (bool, time.Duration) {
	if l.limit <= 0 {
		return false, 0
	}
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		sh := l.shard(k)
		sh.mu.Lock()
		ts := sh.prune(k, now, l.window)
		if len(ts) >= l.limit {
			if w := ts[len(ts)-l.limit].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
		sh.mu.Unlock()
	}
	return wait > 0, wait
}

// Fail records a failure against every key.
func (l *Lockout[K]) Fail(keys ...K) {
	if l.limit <= 0 {
		return
	}
	now := l.now()
	for _, k := range keys {
		sh := l.shard(k)
		sh.mu.Lock()
		if len(sh.keys) >= l.max {
			sh.sweep(now, l.window, l.max)
		}
		ts := sh.prune(k, now, l.window)
		if len(ts) >= l.limit { // keep only what decides the lock
			ts = ts[1:]
		}
		sh.keys[k] = append(ts, now)
		sh.mu.Unlock()
	}
}

func (sh *lockShard[K]) prune(k K, now time.Time, window time.Duration) []time.Time {
	ts, ok := sh.keys[k]
	if !ok {
		return nil
	}
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	if i == len(ts) {
		delete(sh.keys, k)
		return nil
	}
	return ts[i:]
}

// sweep forgets expired keys, and if that is not enough, all of the
// shard's: an attacker flooding distinct keys must not exhaust memory.
func (sh *lockShard[K]) sweep(now time.Time, window time.Duration, max int) {
	for k := range sh.keys {
		sh.prune(k, now, window)
	}
	if len(sh.keys) >= max {
		clear(sh.keys)
	}
}
