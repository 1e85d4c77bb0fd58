package columndb

import (
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// A replicated store (Options.Log set) writes nothing to Badger when an
// operation decides its batch: the batch goes to the log as an entry, and
// every node's store applies the log's entries in the log's order
// (ApplyEntry), this one included. An operation returns once this node has
// applied its entry.
//
// An operation still decides on the node that received it, against that
// node's store, under the locks that serialise it here. What makes the
// decision hold on every node is that its entry names the parts of the
// store it read (its domains: a table, or one key) and the log position its
// reads were at least as new as. An entry is applied only if no entry
// applied since that position touched those domains, other than the
// operation's own earlier entries; otherwise it is skipped, on every node
// alike, since every node decides that from the same entries in the same
// order, and the operation decides again against the newer store. Counters,
// uniqueness and idempotency records are all within some domain, so none
// of them can be decided twice from the same state.

// Log is where a replicated store's writes go.
type Log interface {
	// Append adds entry to the log and returns the position the log gave
	// it, once the log holds it durably. After an error the entry may or
	// may not be in the log.
	Append(entry []byte) (seq uint64, err error)
	// MaxEntry is the largest entry Append takes, in bytes.
	MaxEntry() int
}

var (
	// ErrUnavailable: the log did not confirm a write. It may still have
	// taken it (and every node then applies it): the caller sends it
	// again, which an upsert, an idempotency key or a payment's
	// reference makes harmless.
	ErrUnavailable = errors.New("columndb: the write log is not taking writes")
	// ErrConflict: other nodes kept changing what an operation read, and
	// it gave up deciding again.
	ErrConflict = errors.New("columndb: changed on another node meanwhile; try again")
	// ErrGap: an entry came after one this store has not applied; the
	// store has to be rebuilt from a snapshot taken at or after the gap.
	ErrGap = errors.New("columndb: the log skips entries this store has not applied")
	// ErrNodeStore: a store that applied a cluster's log was opened without
	// it, and refuses writes, which would reach this node's store alone.
	ErrNodeStore = errors.New("columndb: this store is a cluster node's; write through a running node of the cluster")
	// ErrDiverged: this store could not apply an entry, and applies none
	// after it: it no longer holds what the log says.
	ErrDiverged = errors.New("columndb: this store could not apply the log and has stopped")
)

// maxDecisions bounds how often one operation decides again after its
// entry was skipped.
const maxDecisions = 64

// Keys of the replication state, in the same transactions as the data:
//
//	'p' 'a'        → the last applied log position (8)
//	'p' 'v' domain → the position of the last applied entry that touched it (8)
const spaceReplica = 'p'

var appliedKey = []byte{spaceReplica, 'a'}

func versionKey(domain string) []byte { return append([]byte{spaceReplica, 'v'}, domain...) }

// tableDomain is everything a table's writers read and write: its rows,
// index entries, row count and log.
func tableDomain(number uint32) string {
	return string(binary.BigEndian.AppendUint32([]byte{'t'}, number))
}

// keyDomain is one key written by the store's small read-modify-writes.
func keyDomain(key []byte) string { return "k" + string(key) }

// replica is a replicated store's state. The applier's fields are used
// from ApplyEntry only, which runs on one goroutine at a time.
type replica struct {
	log     Log
	applied atomic.Uint64 // last position applied, with its effects on the caches
	skipped atomic.Uint64 // entries skipped because what they read had changed
	nonce   [8]byte       // this process's, in the ids of its entries
	next    atomic.Uint64

	mu      sync.Mutex
	waiting map[[16]byte]*landing // this process's entries not yet applied, by id

	applyMu  sync.Mutex
	diverged error
	verMu    sync.Mutex
	versions map[string]uint64 // guarded by verMu

	watchMu  sync.RWMutex
	watchers map[string][]func(key string) // by collection
}

func newReplica(log Log) *replica {
	r := &replica{log: log, waiting: map[[16]byte]*landing{}, versions: map[string]uint64{}}
	if _, err := crand.Read(r.nonce[:]); err != nil {
		panic("columndb: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return r
}

// opCtx is one operation's standing in the log: the position its first
// view was at least as new as, and its own entries since, by domain.
type opCtx struct {
	read uint64
	mine map[string]uint64
}

// newOp starts an operation's decisions; nil in a store that is not
// replicated. The caller takes it after the locks it decides under, before
// its first view, so that the view is at least as new as op.read.
func (s *Store) newOp() *opCtx {
	if s.rep == nil {
		return nil
	}
	return &opCtx{read: s.rep.applied.Load(), mine: map[string]uint64{}}
}

// within names the domains b's operation read, and so b's entry expects
// unchanged.
func (b *Batch) within(op *opCtx, domains ...string) {
	b.op = op
	b.domains = append(b.domains, domains...)
}

// redecide runs an operation again while its entries are skipped for
// conflicts.
func redecide(fn func() error) error {
	for i := 1; ; i++ {
		err := fn()
		if !errors.Is(err, ErrConflict) || i == maxDecisions {
			return err
		}
		Backoff(i)
	}
}

// Backoff waits before an operation decides again for the try-th time, a
// random while that grows with try, so that two nodes that keep deciding
// from the same state stop meeting.
func Backoff(try int) {
	time.Sleep(rand.N(time.Duration(min(try, 10)) * time.Millisecond))
}

// Applied is the last log position this store applied, durable with the
// data it applied: a store reopened resumes after it. A store opened
// without a log reads it from what it holds (0 if it never was a node's).
func (s *Store) Applied() uint64 {
	if s.rep == nil {
		var v uint64
		_ = s.view(func(txn *badger.Txn) (err error) { v, err = readU64(txn, appliedKey); return err })
		return v
	}
	return s.rep.applied.Load()
}

// Skipped counts the log entries this store skipped, since it opened,
// because what their operations read had changed before them: each is an
// operation that decided again.
func (s *Store) Skipped() uint64 {
	if s.rep == nil {
		return 0
	}
	return s.rep.skipped.Load()
}

// propose sends b to the log and returns its landing, which the applier
// finishes once it has applied (or skipped) the entry.
func (s *Store) propose(b *Batch) (*landing, error) {
	r := s.rep
	var id [16]byte
	copy(id[:8], r.nonce[:])
	binary.BigEndian.PutUint64(id[8:], r.next.Add(1))
	entry := encodeEntry(id, b)
	if len(entry) > r.log.MaxEntry() {
		return nil, fmt.Errorf("columndb: apply: a batch of %d bytes is over the log's %d", len(entry), r.log.MaxEntry())
	}
	l := &landing{b: b, done: make(chan struct{}), replicated: true}
	r.mu.Lock()
	r.waiting[id] = l
	r.mu.Unlock()
	// The applier may apply the entry before Append returns: it sets l.ts.
	if _, err := r.log.Append(entry); err != nil {
		// The applier may still meet the entry, if the log kept it: it then
		// applies it as another node's.
		r.mu.Lock()
		delete(r.waiting, id)
		r.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return l, nil
}

// ApplyEntry applies the log's entry at position seq, or skips it when
// what its operation read has changed since (the operation, if it is this
// process's, then decides again). Entries are given one at a time in the
// log's order: an entry at or before Applied is ignored, one past the next
// position is ErrGap. An entry this store cannot apply is ErrDiverged, and
// so is every call after it.
func (s *Store) ApplyEntry(seq uint64, data []byte) error {
	r := s.rep
	if r == nil {
		return errors.New("columndb: apply entry: the store is not replicated")
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if r.diverged != nil {
		return r.diverged
	}
	last := r.applied.Load()
	if seq <= last {
		return nil
	}
	if seq != last+1 {
		return fmt.Errorf("%w: next is %d, the log gave %d", ErrGap, last+1, seq)
	}
	e, err := decodeEntry(data)
	if err != nil {
		return r.diverge(seq, err)
	}
	r.mu.Lock()
	l := r.waiting[e.id]
	delete(r.waiting, e.id)
	r.mu.Unlock()
	b := e.batch
	if l != nil {
		b = l.b // this process's: its schemas are the ones its operation returns
	}

	ok, err := s.expected(e.expect)
	if err != nil {
		return r.diverge(seq, err)
	}
	if err := s.applyBatch(seq, b, e.domains(), ok); err != nil {
		return r.diverge(seq, err)
	}
	// Watchers are told before Applied moves, so that whoever sees Applied
	// reach seq also sees what seq's watchers did with it.
	if !ok {
		r.skipped.Add(1)
	} else if l == nil {
		s.tellWatchers(b)
	}
	r.applied.Store(seq)
	if l != nil {
		if !ok {
			l.err = ErrConflict
		}
		l.ts = seq
		close(l.done)
	}
	return nil
}

// OnDocChange has fn called with the key of every document of collection
// that an entry from another node (or from before this process) put or
// removed, once it is readable: for what a process keeps in memory of
// documents it would otherwise only learn of by writing them itself. fn
// runs on the applier, before the next entry: it must be quick, and must
// not write to the store.
func (s *Store) OnDocChange(collection string, fn func(key string)) {
	if s.rep == nil {
		return // every write is this process's own
	}
	s.rep.watchMu.Lock()
	defer s.rep.watchMu.Unlock()
	if s.rep.watchers == nil {
		s.rep.watchers = map[string][]func(string){}
	}
	s.rep.watchers[collection] = append(s.rep.watchers[collection], fn)
}

func (s *Store) tellWatchers(b *Batch) {
	s.rep.watchMu.RLock()
	defer s.rep.watchMu.RUnlock()
	if len(s.rep.watchers) == 0 {
		return
	}
	for _, op := range b.Ops {
		k := op.Key
		if len(k) == 0 || k[0] != spaceDoc {
			continue
		}
		sep := bytes.IndexByte(k, 0)
		if sep < 0 {
			continue
		}
		for _, fn := range s.rep.watchers[string(k[1:sep])] {
			fn(string(k[sep+1:]))
		}
	}
}

func (r *replica) diverge(seq uint64, err error) error {
	r.diverged = fmt.Errorf("%w: at log position %d: %w", ErrDiverged, seq, err)
	// Operations waiting here would wait for ever.
	r.mu.Lock()
	for id, l := range r.waiting {
		l.err = r.diverged
		close(l.done)
		delete(r.waiting, id)
	}
	r.mu.Unlock()
	return r.diverged
}

// expected reports whether every domain an entry read is as its
// operation saw it.
func (s *Store) expected(exp []expectation) (bool, error) {
	s.rep.verMu.Lock()
	defer s.rep.verMu.Unlock()
	for _, x := range exp {
		v, err := s.version(x.domain)
		if err != nil {
			return false, err
		}
		if v > x.read && (x.mine == 0 || v != x.mine) {
			return false, nil
		}
	}
	return true, nil
}

// changedSince reports whether an entry applied after op's reads began,
// other than op's own, changed one of the tables.
func (s *Store) changedSince(op *opCtx, tables []*Table) bool {
	s.rep.verMu.Lock()
	defer s.rep.verMu.Unlock()
	for _, t := range tables {
		d := tableDomain(t.Number)
		v, err := s.version(d)
		if err != nil || (v > op.read && v != op.mine[d]) {
			return true
		}
	}
	return false
}

// version is the position of the last entry applied that touched domain.
// The caller holds verMu.
func (s *Store) version(domain string) (uint64, error) {
	r := s.rep
	if v, ok := r.versions[domain]; ok {
		return v, nil
	}
	var v uint64
	err := s.view(func(txn *badger.Txn) error {
		var err error
		v, err = readU64(txn, versionKey(domain))
		return err
	})
	if err != nil {
		return 0, err
	}
	r.versions[domain] = v
	return v, nil
}

// applyBatch commits b's changes (when ok; only the position otherwise)
// with the new position, waits for them to be readable and applies their
// effects on the caches.
func (s *Store) applyBatch(seq uint64, b *Batch, domains []string, ok bool) error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	txn := s.db.NewTransactionAt(s.done.Load(), true)
	pos := binary.BigEndian.AppendUint64(nil, seq)
	if err := fillTxn(txn, b, domains, pos, ok); err != nil {
		txn.Discard()
		return err
	}
	if ok {
		// Before the changes are readable: whoever reads them then also
		// reads that their domains changed (Store.changedSince). A failed
		// commit stops the applier, so a version ahead of the data is never
		// acted on.
		s.rep.verMu.Lock()
		for _, d := range domains {
			s.rep.versions[d] = seq
		}
		s.rep.verMu.Unlock()
	}
	l := s.commitAsync(txn, b)
	<-l.done
	if l.err != nil {
		return l.err
	}
	if !ok {
		return nil
	}
	s.cacheEffects(b)
	if len(b.Drops) > 0 {
		return s.drop(b.Drops)
	}
	return nil
}

func fillTxn(txn *badger.Txn, b *Batch, domains []string, pos []byte, ok bool) error {
	if ok {
		if err := setOps(txn, b.Ops); err != nil {
			return err
		}
		for _, d := range domains {
			if err := txn.Set(versionKey(d), pos); err != nil {
				return err
			}
		}
	}
	return txn.Set(appliedKey, pos)
}
