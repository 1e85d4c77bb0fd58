package ivr

import (
	"sync"
	"time"
)

// Lockout counts not-found answers per key (a caller id, a ref1 value) and
// locks a key that reaches the limit within the window, so a date of birth
// cannot be found by trying them all. It is in memory: a restart forgives,
// which costs an attacker a restart they cannot cause.
type Lockout struct {
	limit  int
	window time.Duration
	max    int // keys kept before the oldest are forgotten
	now    func() time.Time

	mu   sync.Mutex
	keys map[string][]time.Time
}

// NewLockout returns a lockout of limit failures per window.
func NewLockout(limit int, window time.Duration) *Lockout {
	return &Lockout{limit: limit, window: window, max: 1 << 20, now: time.Now, keys: map[string][]time.Time{}}
}

// Locked reports whether any key is locked, and for how long yet.
func (l *Lockout) Locked(keys ...string) (bool, time.Duration) {
	if l.limit <= 0 {
		return false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		ts := l.prune(k, now)
		if len(ts) >= l.limit {
			if w := ts[len(ts)-l.limit].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait > 0, wait
}

// Fail records a not-found answer against every key.
func (l *Lockout) Fail(keys ...string) {
	if l.limit <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) >= l.max {
		l.sweep(now)
	}
	for _, k := range keys {
		ts := l.prune(k, now)
		if len(ts) >= l.limit { // keep only what decides the lock
			ts = ts[1:]
		}
		l.keys[k] = append(ts, now)
	}
}

func (l *Lockout) prune(k string, now time.Time) []time.Time {
	ts := l.keys[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	if i == len(ts) && ts != nil {
		delete(l.keys, k)
		return nil
	}
	return ts[i:]
}

// sweep forgets expired keys, and if that is not enough, all of them: an
// attacker flooding distinct keys must not exhaust memory.
func (l *Lockout) sweep(now time.Time) {
	for k := range l.keys {
		l.prune(k, now)
	}
	if len(l.keys) >= l.max {
		clear(l.keys)
	}
}
