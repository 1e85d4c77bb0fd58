package columndb

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Op is one key change of a Batch: a put of Value under Key, or with
// Delete, the key's removal. The slices belong to the batch from then on.
type Op struct {
	Key, Value []byte
	Delete     bool
}

// Batch is a prepared, self-contained set of changes: every key and value
// is decided (rows encoded, index entries moved, row counts and sequences
// computed, schemas encoded), so applying it reads nothing and decides
// nothing. That is what lets a batch be applied elsewhere exactly as here.
//
// Ops commit atomically, in order. Drops are key ranges that no
// definition reaches any more (a dropped table's rows, a rebuilt index),
// removed once Ops are committed. With Sync, Apply returns only once the
// changes are durable.
type Batch struct {
	Ops   []Op
	Drops [][]byte
	Sync  bool

	// Effects on this process's caches once the batch has committed:
	// schemas to install (nil drops one) by catalog key, and tables
	// created empty, whose rows the row cache then holds whole.
	tables  map[string]*Table
	created []uint32

	// In a replicated store, the operation the batch is part of and the
	// domains it decided from (replica.go).
	op      *opCtx
	domains []string
}

// Put adds a put of value under key.
func (b *Batch) Put(key, value []byte) { b.Ops = append(b.Ops, Op{Key: key, Value: value}) }

// Remove adds the deletion of key.
func (b *Batch) Remove(key []byte) { b.Ops = append(b.Ops, Op{Key: key, Delete: true}) }

// entryOverhead is about what Badger's log adds to an entry's key and
// value: a header of varints, the version appended to the key, a checksum.
const entryOverhead = 32

// size is about the bytes b adds to Badger's log.
func (b *Batch) size() int64 {
	n := int64(len(b.Ops)) * entryOverhead
	for _, op := range b.Ops {
		n += int64(len(op.Key) + len(op.Value))
	}
	return n
}

func (b *Batch) reset() {
	clear(b.Ops) // let the keys and values go
	b.Ops, b.Drops, b.Sync = b.Ops[:0], nil, false
	b.tables, b.created = nil, nil
	b.op, b.domains = nil, b.domains[:0]
}

// schema installs t in the schema cache under key once the batch commits;
// a nil t removes the entry.
func (b *Batch) schema(key []byte, t *Table) {
	if b.tables == nil {
		b.tables = map[string]*Table{}
	}
	b.tables[string(key)] = t
}

// Apply applies a batch atomically: all of its Ops or, on any error, none.
// It is the one way anything is written to the store; every other write
// method prepares a batch (under the locks that make its decisions hold)
// and applies it here.
func (s *Store) Apply(b *Batch) error {
	l, err := s.send(b)
	if err != nil {
		return err
	}
	if err := s.await(l); err != nil {
		return fmt.Errorf("columndb: apply: %w", err)
	}
	return s.finish(b)
}

// send hands b's Ops to Badger at the next commit timestamp and returns
// without waiting for them to land: a bulk writer fills its next batch
// meanwhile. A batch of no Ops lands at once.
func (s *Store) send(b *Batch) (*landing, error) {
	if s.db.IsClosed() {
		return nil, ErrClosed
	}
	if s.space != nil && (len(b.Ops) > 0 || len(b.Drops) > 0) {
		// Drops ask too, with no bytes of their own: Badger flushes its
		// memtable to drop a range.
		if err := s.space.Reserve(b.size()); err != nil {
			return nil, fmt.Errorf("columndb: apply: %w", err)
		}
	}
	if s.rep != nil && (len(b.Ops) > 0 || len(b.Drops) > 0) {
		return s.propose(b)
	}
	if s.nodeStore {
		return nil, ErrNodeStore
	}
	if len(b.Ops) == 0 {
		l := &landing{b: b, done: make(chan struct{})}
		close(l.done)
		return l, nil
	}
	// Conflict detection is off: writers of one key are serialised by the
	// locks their preparers hold, so the read timestamp only dates the
	// transaction.
	txn := s.db.NewTransactionAt(s.done.Load(), true)
	if err := setOps(txn, b.Ops); err != nil {
		txn.Discard()
		if errors.Is(err, badger.ErrTxnTooBig) {
			return nil, fmt.Errorf("columndb: apply: too many changes for one transaction: %w", err)
		}
		return nil, fmt.Errorf("columndb: apply: %w", err)
	}
	return s.commitAsync(txn, b), nil
}

// setOps adds ops to txn.
func setOps(txn *badger.Txn, ops []Op) error {
	for _, op := range ops {
		var err error
		if op.Delete {
			err = txn.Delete(op.Key)
		} else {
			err = txn.Set(op.Key, op.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finish does what follows a batch's commit: durability, if asked, and
// then the ranges it drops (which, in a replicated store, the applier
// dropped).
func (s *Store) finish(b *Batch) error {
	if b.Sync {
		if err := s.Sync(); err != nil {
			return err
		}
	}
	if len(b.Drops) > 0 && s.rep == nil {
		return s.drop(b.Drops)
	}
	return nil
}

func (s *Store) drop(prefixes [][]byte) error {
	for _, p := range prefixes {
		if len(p) > 0 && p[0] == spaceRow {
			s.rows.forget(p)
		}
	}
	return s.dropRanges(prefixes...)
}

// cacheEffects applies a committed batch's effects on this process's caches:
// its rows reach the row cache, its schemas the schema cache.
func (s *Store) cacheEffects(b *Batch) {
	if s.rows.on() {
		s.rows.applyOps(b.Ops)
		for _, n := range b.created {
			s.rows.created(n)
		}
	}
	if len(b.tables) > 0 {
		s.mu.Lock()
		for k, t := range b.tables {
			if t == nil {
				delete(s.tables, k)
				s.drops++
			} else {
				s.tables[k] = t
			}
		}
		s.mu.Unlock()
	}
}

// prepare runs fn under the lock that serialises the small administrative
// read-modify-writes (sequences, create-if-absent), with a view of the last
// finished commit to decide by, and applies the batch it fills, durably.
func (s *Store) prepare(fn func(view *badger.Txn, b *Batch) error) error {
	return redecide(func() error { return s.prepareIn(nil, nil, fn) })
}

// prepareIn is prepare for one step of a longer operation, op (a fresh
// one when nil), which also decided from domains.
func (s *Store) prepareIn(op *opCtx, domains []string, fn func(view *badger.Txn, b *Batch) error) error {
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	if op == nil {
		op = s.newOp()
	}
	b := &Batch{Sync: true}
	err := s.view(func(view *badger.Txn) error { return fn(view, b) })
	if err != nil {
		return err
	}
	if op != nil {
		// What these small writes read is what they write: a sequence, a
		// document, a catalog entry.
		b.within(op, domains...)
		for _, o := range b.Ops {
			b.within(op, keyDomain(o.Key))
		}
	}
	return s.Apply(b)
}
