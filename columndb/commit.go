package columndb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// Change is one table's part of an atomic commit: rows to put whole (each
// replaces any row with its primary key, absent columns included, which an
// Upsert would keep) and rows whose primary keys are to be deleted.
type Change struct {
	Table  *Table
	Put    []Row
	Delete []Row
}

// ErrDuplicate reports a row a unique index refused; errors.As gives the
// DuplicateError with the row already holding the value.
var ErrDuplicate = errors.New("columndb: value already used by another row")

// DuplicateError names the unique index a Commit would have broken and the
// primary key of the row that holds the value.
type DuplicateError struct {
	Table, Index string
	Owner        []string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("columndb: %s: index %s: value already used by row %v", e.Table, e.Index, e.Owner)
}

// Unwrap lets errors.Is match ErrDuplicate.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// ErrInvalidRow reports a row a Commit refused because it lacks its primary
// key or a required column.
var ErrInvalidRow = errors.New("columndb: invalid row")

// Commit applies changes to one or more tables as a single batch: all
// of them or, on any error, none. Rows are checked as Upsert checks them, but
// a refused row fails the whole commit instead of being skipped. Writers of
// the tables involved are serialised for the duration.
//
// The changes are visible on return but not yet durable: the caller calls
// Sync before acknowledging them. Keeping the sync outside the table locks
// lets concurrent commits share one fsync instead of queueing behind each.
//
// In a replicated store, Commit checks its rows again, and commits them,
// if other nodes changed the tables meanwhile: for changes decided from
// the caller's own reads, CommitSince.
func (s *Store) Commit(changes ...Change) error {
	return redecide(func() error { return s.commitOnce(nil, changes) })
}

// Mark is where an operation's reads began, for CommitSince.
type Mark struct{ op *opCtx }

// Mark returns the position the caller's next reads are at least as new
// as. Take it before reading what a commit will be decided from.
func (s *Store) Mark() Mark { return Mark{s.newOp()} }

// CommitSince is Commit for changes decided from the caller's own reads
// since m: in a replicated store, when another node changed one of the
// tables after m, nothing is committed and it fails with ErrConflict, for
// the caller to read again and decide again. In a store that is not
// replicated it is Commit.
func (s *Store) CommitSince(m Mark, changes ...Change) error {
	if m.op == nil {
		return s.Commit(changes...)
	}
	if s.changedSince(m.op, changeTables(changes)) {
		return ErrConflict
	}
	return s.commit(m.op, changes)
}

// UnknownVersion is the TableVersion of a table whose rows as of its
// version cannot be read yet: nothing a caller reads then is current at any
// version, so it must not be kept as such.
const UnknownVersion = ^uint64(0)

// TableVersion is the log position of the last entry applied that changed
// t, or 0 in a store that is not replicated: what a caller keeps of t's
// rows is current while it has not changed.
func (s *Store) TableVersion(t *Table) uint64 {
	if s.rep == nil {
		return 0
	}
	s.rep.verMu.Lock()
	defer s.rep.verMu.Unlock()
	v, err := s.version(tableDomain(t.Number))
	// A version moves before its entry's rows are readable (applyBatch), so
	// that a commit deciding from older rows is refused; until the entry is
	// applied, rows read now may still be the older ones.
	if err != nil || v > s.rep.applied.Load() {
		return UnknownVersion
	}
	return v
}

// CommittedVersion is t's version (TableVersion) as the caller's own
// commits since m left it: the log position of the last of them that
// changed t, or 0 when none did, or in a store that is not replicated.
// What the caller keeps of t is current at that version. TableVersion
// read after the commit is not: another node's entry applied since may
// already be in it.
func (s *Store) CommittedVersion(m Mark, t *Table) uint64 {
	if m.op == nil {
		return 0
	}
	return m.op.mine[tableDomain(t.Number)]
}

func (s *Store) commit(op *opCtx, changes []Change) error {
	err := s.commitOnce(op, changes)
	// The caller decided from reads older than what refused the rows:
	// what it decided from has changed, and it decides again.
	if op != nil && err != nil && !errors.Is(err, ErrConflict) && s.changedSince(op, changeTables(changes)) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

func changeTables(changes []Change) []*Table {
	ts := make([]*Table, len(changes))
	for i, c := range changes {
		ts[i] = c.Table
	}
	return ts
}

func (s *Store) commitOnce(op *opCtx, changes []Change) error {
	var tables []*Table
	for _, c := range changes {
		if !slices.Contains(tables, c.Table) {
			tables = append(tables, c.Table)
		}
	}
	// A fixed lock order keeps two commits over the same tables from deadlocking.
	slices.SortFunc(tables, func(a, b *Table) int { return int(a.Number) - int(b.Number) })
	for i, t := range tables {
		if i > 0 && tables[i-1].Number == t.Number {
			return fmt.Errorf("columndb: commit: table %s given twice under different schemas", t.Name)
		}
		lock := s.tableLock(t.Number)
		lock.Lock()
		defer lock.Unlock()
		if err := s.checkCurrent(t); err != nil {
			return err
		}
	}
	if op == nil {
		op = s.newOp()
	}
	view := s.readTxn()
	defer view.Discard()
	writers := map[uint32]*writer{}
	ops := newPending(0) // shared: the writers fill one batch
	for _, c := range changes {
		w, ok := writers[c.Table.Number]
		if !ok {
			count, err := readCount(view, c.Table.Number)
			if err != nil {
				return fmt.Errorf("columndb: commit %s: %w", c.Table.Name, err)
			}
			w = &writer{s: s, t: c.Table, txn: view, count: count, ops: ops}
			writers[c.Table.Number] = w
		}
		if err := w.apply(c); err != nil {
			return err
		}
	}
	for _, t := range tables {
		w := writers[t.Number]
		ops.b.Put(tablePrefix(spaceCount, w.t.Number), countValue(w.count))
		ops.b.within(op, tableDomain(t.Number))
	}
	return s.Apply(ops.b)
}

func countValue(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// apply writes one Change into the writer's transaction.
func (w *writer) apply(c Change) error {
	t := c.Table
	for _, r := range c.Delete {
		pk, col, ok := t.pkBytes(r)
		if !ok {
			return fmt.Errorf("%w: %s: primary key column %s missing", ErrInvalidRow, t.Name, col)
		}
		old, found, err := w.get(t, pk)
		if err != nil {
			return fmt.Errorf("columndb: commit %s: %w", t.Name, err)
		}
		if !found {
			continue
		}
		if err := w.deleteRow(t, pk, old); err != nil {
			return fmt.Errorf("columndb: commit %s: %w", t.Name, err)
		}
		w.count--
	}
	for _, r := range c.Put {
		pk, col, ok := t.pkBytes(r)
		if !ok {
			return fmt.Errorf("%w: %s: primary key column %s missing", ErrInvalidRow, t.Name, col)
		}
		if col, ok := t.missingRequired(r); !ok {
			return fmt.Errorf("%w: %s: required column %s missing", ErrInvalidRow, t.Name, col)
		}
		old, found, err := w.get(t, pk)
		if err != nil {
			return fmt.Errorf("columndb: commit %s: %w", t.Name, err)
		}
		if err := w.checkUnique(t, pk, r); err != nil {
			return err
		}
		if _, err := w.putRow(t, pk, old, found, r); err != nil {
			return fmt.Errorf("columndb: commit %s: %w", t.Name, err)
		}
		if !found {
			w.count++
		}
	}
	return nil
}

// checkUnique finds the row that already holds a unique value r needs, so
// the caller can name it (a duplicate card answers with the stored card's id).
func (w *writer) checkUnique(t *Table, pk []byte, r Row) error {
	for i, idx := range t.Indexes {
		if !idx.Unique {
			continue
		}
		vals, ok := t.indexValues(r, idx)
		if !ok {
			continue
		}
		owner, found, err := w.uniqueOwner(indexKey(spaceUnique, t.Number, i, vals, nil))
		if err != nil {
			return fmt.Errorf("columndb: commit %s: %w", t.Name, err)
		}
		if !found {
			continue
		}
		if string(owner) == string(pk) {
			continue
		}
		ownerVals, _ := decodeTuple(owner)
		return &DuplicateError{Table: t.Name, Index: idx.Name, Owner: ownerVals}
	}
	return nil
}

// uniqueOwner returns the primary key a unique index entry holds, as the
// writer's batch sees it.
func (w *writer) uniqueOwner(key []byte) ([]byte, bool, error) {
	if op, mine := w.ops.lookup(key); mine {
		return op.Value, !op.Delete, nil
	}
	item, err := w.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	owner, err := item.ValueCopy(nil)
	return owner, err == nil, err
}
