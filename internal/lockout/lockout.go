// Package lockout counts failed attempts per key (a caller id, a ref1
// value, a sign-in name or address) and locks a key that reaches the limit
// within the window, so a date of birth or a password cannot be found by
// trying them all.
//
// It is built to hold against whoever sends the attempts:
//   - every key belongs to a partition (a tenant), and a partition's keys
//     count only against its own capacity, so one tenant's traffic can never
//     push out another's entries;
//   - a key is forgotten only once its failures have aged out of the
//     window, never to make room: when a partition is full, keys it does
//     not know yet are refused (locked) until room frees up — it fails
//     closed;
//   - with a Store, every lock is written down when it starts and read back
//     at Open, so a restart does not forgive a locked key.
//
// With Shared (a cluster's key-value bucket) the failures are counted in
// the bucket, so a guesser spread over N nodes gets no more tries than on
// one; see shared.go.
package lockout

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// Key is what a lockout counts against, within a partition: the tenant
// whose capacity the key uses, given with every call. (A method on the key
// would do, but a method called through a type parameter makes the key
// escape, and the lookup would pay an allocation for it.)
type Key interface{ comparable }

// Name is a key of a lockout used with one partition (admin sign-in, say).
type Name string

// pkey is a key in its partition, as the shards hold it.
type pkey[K Key] struct {
	part int64
	k    K
}

// Store keeps locks across restarts; columndb's documents satisfy it.
type Store interface {
	PutDoc(collection, key string, v any, create bool) error
	DeleteDoc(collection, key string) error
	EachDoc(collection string, fn func(key string, value []byte) error) error
}

// Options configure a Lockout. Limit and Window are required (a Limit of 0
// turns the lockout off); the rest have defaults.
type Options[K Key] struct {
	Limit  int
	Window time.Duration
	// MaxKeys is how many keys one partition may hold (default 65,536).
	MaxKeys int
	// Store, Collection, Encode and Decode persist locks; all four or none.
	Store      Store
	Collection string
	Encode     func(part int64, k K) string
	Decode     func(string) (part int64, k K, ok bool)
	// OnError hears of a lock that could not be written down, and of a
	// shared bucket that could not be reached.
	OnError func(error)
	// Shared, if set, counts failures in a bucket every node of a cluster
	// shares, and the lockout keeps a copy of it that its lock checks read
	// (Encode and Decode name the bucket's keys). The bucket then keeps
	// the locks across restarts, and Store is not written. Close stops the
	// copy's updates.
	Shared Shared
	// Now is the clock; tests set it.
	Now func() time.Time
}

// DefaultMaxKeys is a partition's capacity when Options.MaxKeys is unset.
const DefaultMaxKeys = 1 << 16

const shardCount = 16

// sweepEvery bounds how often a full shard is swept for expired keys, so a
// flood of new keys against a full partition costs a map walk a second,
// not one per attempt.
const sweepEvery = time.Second

// Lockout is safe for concurrent use. Keys are spread over shards so that
// concurrent lookups, which all consult it, do not queue on one mutex.
type Lockout[K Key] struct {
	o        Options[K]
	perShard int // a partition's capacity within one shard
	seed     maphash.Seed
	shards   [shardCount]shard[K]
	sh       *sharedState // with Options.Shared
}

type shard[K Key] struct {
	mu        sync.Mutex
	keys      map[pkey[K]][]time.Time
	parts     map[int64]int // keys held per partition
	lastSweep time.Time
}

// lockDoc is a lock as it is written down.
type lockDoc struct {
	Until time.Time `json:"until"`
}

// New returns a lockout of limit failures per window, kept in memory only;
// a limit of 0 disables it.
func New[K Key](limit int, window time.Duration) *Lockout[K] {
	l, _ := Open(Options[K]{Limit: limit, Window: window}) // without a Store, Open cannot fail
	return l
}

// Open returns a lockout, reading back the locks its Store holds that have
// not ended yet (and deleting those that have), or, with Shared, every
// key's failures the bucket holds.
func Open[K Key](o Options[K]) (*Lockout[K], error) {
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OnError == nil {
		o.OnError = func(error) {}
	}
	if o.Store != nil && (o.Collection == "" || o.Encode == nil || o.Decode == nil) {
		return nil, fmt.Errorf("lockout: a Store needs a Collection, Encode and Decode")
	}
	if o.Shared != nil && (o.Encode == nil || o.Decode == nil) {
		return nil, fmt.Errorf("lockout: a Shared bucket needs Encode and Decode")
	}
	l := &Lockout[K]{o: o, perShard: max(o.MaxKeys/shardCount, 1), seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].keys = map[pkey[K]][]time.Time{}
		l.shards[i].parts = map[int64]int{}
	}
	if o.Limit <= 0 {
		return l, nil
	}
	if o.Shared != nil {
		l.o.Store = nil
		return l, l.share()
	}
	if o.Store == nil {
		return l, nil
	}
	return l, l.restore()
}

func (l *Lockout[K]) restore() error {
	now := l.o.Now()
	var ended []string
	err := l.o.Store.EachDoc(l.o.Collection, func(name string, b []byte) error {
		var d lockDoc
		part, key, ok := l.o.Decode(name)
		k := pkey[K]{part, key}
		if json.Unmarshal(b, &d) != nil || !ok || !d.Until.After(now) {
			ended = append(ended, name)
			return nil
		}
		// A lock is limit failures that age out when it ends.
		ts := make([]time.Time, l.o.Limit)
		for i := range ts {
			ts[i] = d.Until.Add(-l.o.Window)
		}
		sh := l.shard(k)
		if _, had := sh.keys[k]; !had {
			sh.parts[k.part]++
		}
		sh.keys[k] = ts
		return nil
	})
	if err != nil {
		return fmt.Errorf("lockout: read locks: %w", err)
	}
	for _, name := range ended {
		if err := l.o.Store.DeleteDoc(l.o.Collection, name); err != nil {
			l.o.OnError(fmt.Errorf("lockout: delete ended lock: %w", err))
		}
	}
	return nil
}

func (l *Lockout[K]) shard(k pkey[K]) *shard[K] {
	return &l.shards[maphash.Comparable(l.seed, k)%shardCount]
}

// Locked reports whether any key is locked, and for how long yet. A key the
// lockout does not know, in a partition that is full, is locked for a
// window: its failures could not be counted.
func (l *Lockout[K]) Locked(part int64, keys ...K) (bool, time.Duration) {
	if l.o.Limit <= 0 {
		return false, 0
	}
	now := l.o.Now()
	var wait time.Duration
	for _, key := range keys {
		k := pkey[K]{part, key}
		sh := l.shard(k)
		sh.mu.Lock()
		w := l.waitLocked(sh, k, now)
		sh.mu.Unlock()
		wait = max(wait, w)
	}
	return wait > 0, wait
}

// waitLocked is how long k stays locked; sh.mu is held.
func (l *Lockout[K]) waitLocked(sh *shard[K], k pkey[K], now time.Time) time.Duration {
	ts, known := l.prune(sh, k, now)
	switch {
	case len(ts) >= l.o.Limit:
		return ts[len(ts)-l.o.Limit].Add(l.o.Window).Sub(now)
	case !known && !l.room(sh, k.part, now):
		return l.o.Window
	}
	return 0
}

// Fail records a failure against every key. A key that cannot be recorded
// because its partition is full stays refused by Locked.
func (l *Lockout[K]) Fail(part int64, keys ...K) {
	if l.o.Limit <= 0 {
		return
	}
	now := l.o.Now()
	for _, k := range keys {
		if l.sh != nil {
			l.failShared(pkey[K]{part, k}, now)
			continue
		}
		l.record(pkey[K]{part, k}, now)
	}
}

// Attempt counts an attempt against every key before the caller checks it
// (a password, say), so however many arrive at once no more than the limit
// are ever checked in a window. It reports whether the attempt may go
// ahead; if not, nothing is counted and wait says how long the lock lasts.
// An attempt that passes its check is given back with Forgive.
func (l *Lockout[K]) Attempt(part int64, keys ...K) (bool, time.Duration) {
	if l.o.Limit <= 0 {
		return true, 0
	}
	now := l.o.Now()
	if l.sh != nil && !l.degraded(now) {
		if ok, wait, done := l.attemptShared(part, keys, now); done {
			return ok, wait
		}
	}
	pks := make([]pkey[K], len(keys))
	for i, k := range keys {
		pks[i] = pkey[K]{part, k}
	}
	// Lock every key's shard, in shard order so two attempts cannot
	// deadlock, and check them all before counting any: a refused attempt
	// must count against none of its keys.
	var held [shardCount]bool
	for _, k := range pks {
		held[maphash.Comparable(l.seed, k)%shardCount] = true
	}
	for i := range l.shards {
		if held[i] {
			l.shards[i].mu.Lock()
		}
	}
	var wait time.Duration
	for _, k := range pks {
		wait = max(wait, l.waitLocked(l.shard(k), k, now))
	}
	var locks []pkey[K]
	if wait == 0 {
		for _, k := range pks {
			if l.add(l.shard(k), k, now) {
				locks = append(locks, k)
			}
		}
	}
	for i := range l.shards {
		if held[i] {
			l.shards[i].mu.Unlock()
		}
	}
	l.persist(locks, now)
	return wait == 0, wait
}

// Forgive takes back the latest attempt counted against every key, after
// it passed its check.
func (l *Lockout[K]) Forgive(part int64, keys ...K) {
	if l.o.Limit <= 0 {
		return
	}
	if l.sh != nil && !l.degraded(l.o.Now()) && l.forgiveShared(part, keys) {
		return
	}
	for _, key := range keys {
		k := pkey[K]{part, key}
		sh := l.shard(k)
		sh.mu.Lock()
		if ts, ok := sh.keys[k]; ok {
			if len(ts) <= 1 {
				l.forget(sh, k)
			} else {
				sh.keys[k] = ts[:len(ts)-1]
			}
		}
		sh.mu.Unlock()
	}
}

// record counts one failure of k and writes the lock down if it starts one.
func (l *Lockout[K]) record(k pkey[K], now time.Time) {
	sh := l.shard(k)
	sh.mu.Lock()
	locked := l.add(sh, k, now)
	sh.mu.Unlock()
	if locked {
		l.persist([]pkey[K]{k}, now)
	}
}

// add counts a failure of k at now and reports whether k became locked by
// it; sh.mu is held. With no room for a new key it counts nothing.
func (l *Lockout[K]) add(sh *shard[K], k pkey[K], now time.Time) bool {
	ts, known := l.prune(sh, k, now)
	if !known {
		if !l.room(sh, k.part, now) {
			return false
		}
		sh.parts[k.part]++
	}
	if len(ts) >= l.o.Limit { // keep only what decides the lock
		ts = ts[1:]
	}
	ts = append(ts, now)
	sh.keys[k] = ts
	return len(ts) == l.o.Limit
}

// persist writes down the locks that keys just started.
func (l *Lockout[K]) persist(keys []pkey[K], now time.Time) {
	if l.o.Store == nil {
		return
	}
	for _, k := range keys {
		sh := l.shard(k)
		sh.mu.Lock()
		ts := sh.keys[k]
		var until time.Time
		if len(ts) >= l.o.Limit {
			until = ts[len(ts)-l.o.Limit].Add(l.o.Window)
		}
		sh.mu.Unlock()
		if !until.After(now) {
			continue
		}
		if err := l.o.Store.PutDoc(l.o.Collection, l.o.Encode(k.part, k.k), lockDoc{Until: until}, false); err != nil {
			l.o.OnError(fmt.Errorf("lockout: write lock: %w", err))
		}
	}
}

// room reports whether partition p may add a key to sh, sweeping the
// shard's expired keys first when it is full; sh.mu is held.
func (l *Lockout[K]) room(sh *shard[K], p int64, now time.Time) bool {
	if sh.parts[p] < l.perShard {
		return true
	}
	if now.Sub(sh.lastSweep) >= sweepEvery {
		sh.lastSweep = now
		for k := range sh.keys {
			l.prune(sh, k, now)
		}
	}
	return sh.parts[p] < l.perShard
}

// prune drops k's failures that have aged out of the window, forgetting k
// when none is left, and reports whether k is still known; sh.mu is held.
func (l *Lockout[K]) prune(sh *shard[K], k pkey[K], now time.Time) ([]time.Time, bool) {
	ts, ok := sh.keys[k]
	if !ok {
		return nil, false
	}
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.o.Window {
		i++
	}
	if i == len(ts) {
		l.forget(sh, k)
		return nil, false
	}
	// The trimmed slice is not stored back: a map assignment would make k
	// escape from Locked, which then costs every lookup an allocation. add
	// stores it when it next records a failure.
	return ts[i:], true
}

func (l *Lockout[K]) forget(sh *shard[K], k pkey[K]) {
	delete(sh.keys, k)
	p := k.part
	if sh.parts[p] <= 1 {
		delete(sh.parts, p)
	} else {
		sh.parts[p]--
	}
}

// Lock is a key locked now, and when its lock ends.
type Lock[K Key] struct {
	Key   K
	Until time.Time
}

// Locks returns partition part's keys locked now that match keep, soonest
// to unlock first: what an admin looks at when a caller says they are
// locked out. It walks every shard, so it is for pages, not lookups.
func (l *Lockout[K]) Locks(part int64, keep func(K) bool) []Lock[K] {
	if l.o.Limit <= 0 {
		return nil
	}
	now := l.o.Now()
	var out []Lock[K]
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		for k := range sh.keys {
			if k.part != part || !keep(k.k) {
				continue
			}
			if ts, _ := l.prune(sh, k, now); len(ts) >= l.o.Limit {
				out = append(out, Lock[K]{Key: k.k, Until: ts[len(ts)-l.o.Limit].Add(l.o.Window)})
			}
		}
		sh.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b Lock[K]) int { return a.Until.Compare(b.Until) })
	return out
}

// Lift ends key's lock (and forgets its failures) at once, in memory and
// in the Store, and reports whether it was locked. A lock the Store could
// not delete is told to OnError: lifted here, it would return at restart.
func (l *Lockout[K]) Lift(part int64, key K) bool {
	if l.o.Limit <= 0 {
		return false
	}
	k := pkey[K]{part, key}
	sh := l.shard(k)
	sh.mu.Lock()
	ts, _ := l.prune(sh, k, l.o.Now())
	locked := len(ts) >= l.o.Limit
	if _, known := sh.keys[k]; known {
		l.forget(sh, k)
	}
	sh.mu.Unlock()
	if l.sh != nil {
		l.liftShared(k)
	}
	if l.o.Store != nil && locked {
		if err := l.o.Store.DeleteDoc(l.o.Collection, l.o.Encode(part, key)); err != nil {
			l.o.OnError(fmt.Errorf("lockout: delete lifted lock: %w", err))
		}
	}
	return locked
}
