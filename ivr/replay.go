package ivr

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// UsedRetention is how long an accepted signature is remembered. ActivePay's
// Hash carries no date, so a captured one is good for as long as the
// password is: a record must outlive any sensible gap between a merchant's
// uploads. 35 days covers a monthly file.
const UsedRetention = 35 * 24 * time.Hour

// usedSweepEvery is how often expired records are looked for.
const usedSweepEvery = time.Hour

// collUsed is the document collection of used signatures.
const collUsed = "ivr.usedsig"

// Use says how an upload was applied: what a repeat is told.
type Use struct {
	At       time.Time `json:"at"`
	Method   string    `json:"method"`
	Endpoint string    `json:"endpoint"`
	Mode     string    `json:"mode"`
	Scheme   string    `json:"scheme"`
}

// AlreadyApplied refuses a signature this database has accepted before,
// or one being applied right now.
type AlreadyApplied struct {
	First      Use
	InProgress bool
	// Lapses, for a claim held in a cluster's shared record, is how long
	// that claim outlives a holder that stopped: a request refused for no
	// quorum can leave one behind.
	Lapses time.Duration
}

func (e *AlreadyApplied) Error() string {
	if e.InProgress && e.Lapses > 0 {
		return fmt.Sprintf("already being applied: the same signed upload arrived at %s by %s %s (%s) and is being applied on a node of the cluster; nothing was applied again. If the request that sent it got an error, send it again in %d s, when its claim lapses",
			e.First.At.UTC().Format(time.RFC3339), e.First.Method, e.First.Endpoint, e.First.Mode, int(e.Lapses.Seconds()))
	}
	if e.InProgress {
		return fmt.Sprintf("already being applied: the same signed upload arrived at %s by %s %s (%s) and is still running; nothing was applied again",
			e.First.At.UTC().Format(time.RFC3339), e.First.Method, e.First.Endpoint, e.First.Mode)
	}
	return fmt.Sprintf("already applied: this signed upload was first accepted at %s by %s %s (%s, %s signature); an unchanged file is applied once, so nothing was applied again",
		e.First.At.UTC().Format(time.RFC3339), e.First.Method, e.First.Endpoint, e.First.Mode, e.First.Scheme)
}

// usedDocs is the part of the store the record of used signatures needs.
type usedDocs interface {
	PutDoc(collection, key string, v any, create bool) error
	GetDoc(collection, key string, v any) error
	EachDoc(collection string, fn func(key string, value []byte) error) error
	DeleteDoc(collection, key string) error
}

// usedSignatures remembers, per database, every signature an upload was
// applied with, so that a captured upload cannot be applied twice. Applied
// ones are stored (they must survive a restart); ones being applied are
// claimed in memory only, so an upload a crash cut short can be sent again.
// In a cluster both are decided in the shared bucket as well (see
// replay_shared.go): the store and the memory are one node's.
type usedSignatures struct {
	docs   usedDocs
	shared SharedHashes
	now    func() time.Time

	mu       sync.Mutex
	inFlight map[string]Use
	// unanswered: per key, the token of this node's shared claim, or
	// release, that got no answer (see replay_shared.go).
	unanswered map[string]string

	lastSweep atomic.Int64 // unix nanoseconds
	sweeping  atomic.Bool
	// sweeps counts the sweep running, so close can wait for it: a sweep
	// left reading a store that has closed under it crashes the process.
	// closed (guarded by mu) starts no sweep after close.
	sweeps sync.WaitGroup
	closed bool
}

func newUsedSignatures(docs usedDocs, shared SharedHashes) *usedSignatures {
	if docs == nil {
		docs = newMemDocs()
	}
	return &usedSignatures{docs: docs, shared: shared, now: time.Now, inFlight: map[string]Use{}, unanswered: map[string]string{}}
}

// usedKey is per database: a table's number is never reused, so a database
// dropped and made again starts with no record.
func usedKey(t *columndb.Table, fingerprint string) string {
	return fmt.Sprintf("%010d/%08x/%s", t.Tenant, t.Number, fingerprint)
}

// claim reserves fingerprint for one upload into t. The caller calls
// applied once the upload is on disk, and release in any case.
func (u *usedSignatures) claim(t *columndb.Table, fingerprint string, use Use) (*claim, error) {
	key := usedKey(t, fingerprint)
	use.At = u.now().UTC().Truncate(time.Second)
	if err := u.hold(key, use); err != nil {
		return nil, err
	}
	c := &claim{u: u, key: key, use: use}
	// The cluster's claim is a round trip: made outside the lock, with
	// this node's hold taken, so other uploads' claims do not queue on it.
	if u.shared != nil {
		if err := c.claimShared(); err != nil {
			u.mu.Lock()
			delete(u.inFlight, key)
			u.mu.Unlock()
			return nil, err
		}
	}
	u.maybeSweep()
	return c, nil
}

// hold reserves key in this process, unless it is held or recorded.
func (u *usedSignatures) hold(key string, use Use) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if first, ok := u.inFlight[key]; ok {
		return &AlreadyApplied{First: first, InProgress: true}
	}
	var first Use
	err := u.docs.GetDoc(collUsed, key, &first)
	switch {
	case err == nil:
		return &AlreadyApplied{First: first}
	case !errors.Is(err, columndb.ErrNotFound):
		return fmt.Errorf("ivr: read used signatures: %w", err)
	}
	u.inFlight[key] = use
	return nil
}

// applied returns how fingerprint was first applied to t, if it was.
func (u *usedSignatures) applied(t *columndb.Table, fingerprint string) (Use, bool) {
	var first Use
	key := usedKey(t, fingerprint)
	if err := u.docs.GetDoc(collUsed, key, &first); err == nil {
		return first, true
	}
	if u.shared != nil {
		if r, ok := u.sharedRecord(key); ok && r.Applied {
			return r.Use, true
		}
	}
	return Use{}, false
}

// claim is one upload's hold on its signature.
type claim struct {
	u    *usedSignatures
	key  string
	use  Use
	done bool
	// In a cluster: the claim's own mark in the shared record, and what
	// stops keeping the record alive.
	token string
	stop  chan struct{}
	kept  chan struct{}
}

// applied records the signature as used, durably. A record that cannot be
// written is an error: the rows are applied, but a repeat could apply them
// again, which the operator must hear of.
func (c *claim) applied() error {
	if c == nil || c.done {
		return nil
	}
	if err := c.u.docs.PutDoc(collUsed, c.key, c.use, false); err != nil {
		return fmt.Errorf("ivr: applied, but the signature could not be recorded as used: %w", err)
	}
	if err := c.appliedShared(); err != nil {
		return fmt.Errorf("ivr: applied, but the signature could not be recorded as used: %w", err)
	}
	c.release()
	return nil
}

// release lets go of the claim; after applied it only forgets the
// in-memory hold, which the stored record now stands for.
func (c *claim) release() {
	if c == nil || c.done {
		return
	}
	c.done = true
	c.releaseShared()
	c.u.mu.Lock()
	delete(c.u.inFlight, c.key)
	c.u.mu.Unlock()
}

// maybeSweep starts a sweep of expired records if none ran for an hour.
// It runs off the upload's path and needs no goroutine of its own between
// sweeps; close waits for the one running.
func (u *usedSignatures) maybeSweep() {
	now := u.now()
	if now.UnixNano()-u.lastSweep.Load() < int64(usedSweepEvery) || !u.sweeping.CompareAndSwap(false, true) {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		u.sweeping.Store(false)
		return
	}
	u.lastSweep.Store(now.UnixNano())
	u.sweeps.Go(func() {
		defer u.sweeping.Store(false)
		_, _ = u.sweep(now)
	})
}

// close waits for a running sweep and starts no other, so the store can
// be closed after it.
func (u *usedSignatures) close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.sweeps.Wait()
}

// sweep deletes records older than UsedRetention and says how many.
func (u *usedSignatures) sweep(now time.Time) (int, error) {
	var old []string
	err := u.docs.EachDoc(collUsed, func(key string, v []byte) error {
		var use Use
		if json.Unmarshal(v, &use) == nil && now.Sub(use.At) > UsedRetention {
			old = append(old, key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("ivr: sweep used signatures: %w", err)
	}
	for i, key := range old {
		if err := u.docs.DeleteDoc(collUsed, key); err != nil && !errors.Is(err, columndb.ErrNotFound) {
			return i, fmt.Errorf("ivr: sweep used signatures: %w", err)
		}
	}
	return len(old), nil
}

// memDocs keeps documents in memory, for a service given a store that
// keeps none (tests): the record then lasts as long as the process.
type memDocs struct {
	mu   sync.Mutex
	docs map[string][]byte
}

func newMemDocs() *memDocs { return &memDocs{docs: map[string][]byte{}} }

func (m *memDocs) PutDoc(collection, key string, v any, create bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := collection + "\x00" + key
	if _, ok := m.docs[k]; ok && create {
		return columndb.ErrExists
	}
	m.docs[k] = b
	return nil
}

func (m *memDocs) GetDoc(collection, key string, v any) error {
	m.mu.Lock()
	b, ok := m.docs[collection+"\x00"+key]
	m.mu.Unlock()
	if !ok {
		return columndb.ErrNotFound
	}
	return json.Unmarshal(b, v)
}

func (m *memDocs) EachDoc(collection string, fn func(key string, value []byte) error) error {
	m.mu.Lock()
	var keys []string
	vals := map[string][]byte{}
	prefix := collection + "\x00"
	for k, v := range m.docs {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			keys = append(keys, k[len(prefix):])
			vals[k[len(prefix):]] = v
		}
	}
	m.mu.Unlock()
	for _, k := range keys {
		if err := fn(k, vals[k]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memDocs) DeleteDoc(collection, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := collection + "\x00" + key
	if _, ok := m.docs[k]; !ok {
		return columndb.ErrNotFound
	}
	delete(m.docs, k)
	return nil
}
