package columndb

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// RowError reports a row the store refused; Index is its position in the
// slice passed in.
type RowError struct {
	Index  int    `json:"index"`
	Column string `json:"column,omitempty"`
	Error  string `json:"error"`
}

// UpsertResult counts what an upsert did.
type UpsertResult struct {
	Inserted, Updated, Unchanged int
	Invalid                      []RowError
}

// DeleteResult counts what a delete did.
type DeleteResult struct {
	Deleted, NotFound int
	Invalid           []RowError
}

// Upsert writes rows by primary key: a row whose key exists has the columns
// it carries replaced and the rest kept; a new row must carry every required
// column. Rows that break a rule are reported and skipped; the others are
// applied in transactions of a few hundred rows and are durable on return.
func (s *Store) Upsert(t *Table, rows []Row) (UpsertResult, error) {
	var res UpsertResult
	save := func() func() { saved := res; return func() { res = saved } }
	err := s.write(t, len(rows), save, func(w *writer, i int) error {
		r := rows[i]
		pk, col, ok := t.pkBytes(r)
		if !ok {
			res.Invalid = append(res.Invalid, RowError{Index: i, Column: col, Error: "primary key column missing"})
			return nil
		}
		old, found, err := w.get(t, pk)
		if err != nil {
			return err
		}
		next := r
		if found {
			next = merge(old, r)
			if equalRows(old, next) {
				res.Unchanged++
				return nil
			}
		} else if col, ok := t.missingRequired(r); !ok {
			res.Invalid = append(res.Invalid, RowError{Index: i, Column: col, Error: "required column missing"})
			return nil
		}
		if col, err := w.putRow(t, pk, old, found, next); err != nil {
			if errors.Is(err, errUnique) {
				res.Invalid = append(res.Invalid, RowError{Index: i, Column: col, Error: err.Error()})
				return nil
			}
			return err
		}
		if found {
			res.Updated++
		} else {
			res.Inserted++
			w.count++
		}
		return nil
	})
	return res, err
}

// Delete removes the rows whose primary keys the given rows carry.
func (s *Store) Delete(t *Table, rows []Row) (DeleteResult, error) {
	var res DeleteResult
	save := func() func() { saved := res; return func() { res = saved } }
	err := s.write(t, len(rows), save, func(w *writer, i int) error {
		pk, col, ok := t.pkBytes(rows[i])
		if !ok {
			res.Invalid = append(res.Invalid, RowError{Index: i, Column: col, Error: "primary key column missing"})
			return nil
		}
		old, found, err := w.get(t, pk)
		if err != nil {
			return err
		}
		if !found {
			res.NotFound++
			return nil
		}
		if err := w.deleteRow(t, pk, old); err != nil {
			return err
		}
		res.Deleted++
		w.count--
		return nil
	})
	return res, err
}

var errUnique = errors.New("value already used by another row")

// ErrStale refuses a write made with a schema that has since been changed
// or dropped: its rows were built for column positions and indexes that no
// longer hold. The caller fetches the table again and retries.
var ErrStale = errors.New("columndb: table definition changed; fetch it again")

// checkCurrent reports ErrStale unless t is the table's current schema. The
// caller holds the table's write lock, which schema changes also take.
func (s *Store) checkCurrent(t *Table) error {
	s.mu.RLock()
	cur := s.tables[string(catalogKey(t.Tenant, t.Name))]
	s.mu.RUnlock()
	if cur != t {
		return fmt.Errorf("%w: %s", ErrStale, t.Name)
	}
	return nil
}

// writer prepares one table's changes as a sequence of bounded batches. A
// bulk write keeps one batch landing in Badger while it fills the next:
// Badger's writer and this one then work at once instead of in turn.
type writer struct {
	s       *Store
	t       *Table
	txn     *badger.Txn // the view the writer decides by: the last finished commit
	count   int64       // the table's row count as of the pending writes
	rows    int
	bytes   int
	keybuf  []byte
	valbuf  []byte
	ops     *pending // the batch being filled
	scratch []byte   // a cached row being read

	// The previous batch while it lands: txn reads from before it, so the
	// keys it changes are read from prev until then.
	inflight *landing
	prev     *pending
	spare    *pending

	// In a replicated store: the operation, and where the batch being
	// filled and the one landing began, to decide again from if the log
	// skips the landing one.
	op     *opCtx
	fill   writeMark
	fly    writeMark
	flying bool
}

// writeMark is where a batch began: its first row, and how to put the
// caller's tally back as it was then.
type writeMark struct {
	i       int
	restore func()
}

// pending is a batch being filled, with its changes by key for the
// writer's own reads: a row it changed, or a unique index entry, is read
// from the batch, which the view does not yet see.
type pending struct {
	b    *Batch
	keys map[string]int // row or unique-entry key → its last op in b.Ops
}

// newPending makes room for about rows rows' changes: a row, its index
// entries and a share of the count.
func newPending(rows int) *pending {
	return &pending{b: &Batch{Ops: make([]Op, 0, 3*rows+1)}, keys: make(map[string]int, rows)}
}

func (o *pending) reset() {
	o.b.reset()
	clear(o.keys)
}

// lookup returns the batch's last change of key, if it has one.
func (o *pending) lookup(key []byte) (Op, bool) {
	j, ok := o.keys[string(key)]
	if !ok {
		return Op{}, false
	}
	return o.b.Ops[j], true
}

// set and del add a change the writer may read back; put and remove one it
// never reads (non-unique index entries, the row count). Keys and values
// are fresh slices nothing else modifies.
func (w *writer) set(key, val []byte) {
	w.ops.b.Put(key, val)
	w.ops.keys[string(key)] = len(w.ops.b.Ops) - 1
}

func (w *writer) del(key []byte) {
	w.ops.b.Remove(key)
	w.ops.keys[string(key)] = len(w.ops.b.Ops) - 1
}

// maxTxnBytes keeps a transaction well under Badger's batch limit (15% of a
// 64 MiB memtable) even when every row is as large as a schema allows, so a
// row is never half-written into a transaction that cannot take it.
const maxTxnBytes = 4 << 20

// write serialises writers of t and feeds fn the rows 0..n-1, committing
// every TxnRows rows or maxTxnBytes bytes. In a replicated store a batch
// the log skipped, because another node changed the table meanwhile, is
// decided again from its first row against the newer table: save saves the
// caller's tally, and the func it returns restores it.
func (s *Store) write(t *Table, n int, save func() func(), fn func(w *writer, i int) error) error {
	lock := s.tableLock(t.Number)
	lock.Lock()
	defer lock.Unlock()
	if err := s.checkCurrent(t); err != nil {
		return err
	}
	per := min(n, s.txnRows)
	w := &writer{s: s, t: t, op: s.newOp(), txn: s.readTxn(), ops: newPending(per), spare: newPending(per)}
	defer func() {
		w.txn.Discard()
		// The next writer of t must find every commit of this one readable.
		_ = w.settle()
	}()
	var err error
	if w.count, err = readCount(w.txn, t.Number); err != nil {
		return fmt.Errorf("columndb: write %s: %w", t.Name, err)
	}
	maxBytes := maxTxnBytes
	if s.rep != nil {
		maxBytes = min(maxBytes, s.rep.log.MaxEntry()/2)
	}
	// A unique index is checked by reading Badger, which does not yet see a
	// transaction still landing: such tables commit one transaction at a time.
	unique := t.hasUnique()
	w.fill = writeMark{0, save()}
	decisions := 1
	worked := time.Now()
	for i := 0; i <= n; i++ {
		last := i == n
		if !last {
			if err := fn(w, i); err != nil {
				return fmt.Errorf("columndb: write %s: %w", t.Name, err)
			}
			w.rows++
			if w.rows < s.txnRows && w.bytes < maxBytes {
				continue
			}
		}
		err := w.commit(!last && !unique && (s.pacer == nil || !s.pacer.Active()))
		if errors.Is(err, ErrConflict) && decisions < maxDecisions {
			decisions++
			if i, err = w.rewind(); err != nil {
				return err
			}
			i-- // the loop's step takes it back to the mark
			continue
		}
		if err != nil {
			return err
		}
		if last {
			break
		}
		w.fill = writeMark{i + 1, save()}
		// A bulk write is work that can wait: reads waiting for this
		// core go first between its transactions.
		if s.pacer != nil {
			s.pacer.Yield(time.Since(worked))
		} else {
			runtime.Gosched()
		}
		worked = time.Now()
	}
	return s.Sync()
}

// rewind drops the batches not yet applied, restores the caller's tally
// to where the first of them began and reads the table afresh; it returns
// the row to go on from.
func (w *writer) rewind() (int, error) {
	m := w.fill
	if w.flying {
		m = w.fly
	}
	w.flying = false
	w.txn.Discard()
	w.ops.reset()
	w.op = w.s.newOp()
	w.txn, w.rows, w.bytes = w.s.readTxn(), 0, 0
	var err error
	if w.count, err = readCount(w.txn, w.t.Number); err != nil {
		return 0, fmt.Errorf("columndb: write %s: %w", w.t.Name, err)
	}
	m.restore()
	w.fill = m
	return m.i, nil
}

// commit sends the batch to Badger once the previous one has landed: a
// batch built on rows that failed to commit is not sent. With overlap it
// returns while the batch lands.
func (w *writer) commit(overlap bool) error {
	w.txn.Discard()
	if w.rows > 0 {
		w.ops.b.Put(tablePrefix(spaceCount, w.t.Number), countValue(w.count))
		if err := w.settle(); err != nil {
			return err
		}
		w.ops.b.within(w.op, tableDomain(w.t.Number))
		l, err := w.s.send(w.ops.b)
		if err != nil {
			return fmt.Errorf("columndb: write %s: %w", w.t.Name, err)
		}
		w.inflight = l
		w.fly, w.flying = w.fill, true
		w.prev, w.ops, w.spare = w.ops, w.spare, nil
	}
	if !overlap {
		if err := w.settle(); err != nil {
			return err
		}
	}
	w.txn, w.rows, w.bytes = w.s.readTxn(), 0, 0
	return nil
}

// settle waits for the batch landing, if any.
func (w *writer) settle() error {
	if w.inflight == nil {
		return nil
	}
	err := w.s.await(w.inflight)
	w.inflight = nil
	w.prev.reset()
	w.spare, w.prev = w.prev, nil
	if err == nil {
		w.flying = false
	}
	if err != nil {
		return fmt.Errorf("columndb: commit %s: %w", w.t.Name, err)
	}
	return nil
}

// get reads the stored row under pk as the writer's batches see it: its
// own changes from the batch being filled, the landing batch's from it,
// and the rest from the row cache when it can. The writer holds the
// table's lock, so the cache's committed rows are the table's.
func (w *writer) get(t *Table, pk []byte) (Row, bool, error) {
	w.keybuf = append(appendRowPrefix(w.keybuf[:0], t.Number), pk...)
	op, mine := w.ops.lookup(w.keybuf)
	if !mine && w.prev != nil {
		op, mine = w.prev.lookup(w.keybuf)
	}
	if mine {
		if op.Delete {
			return Row{}, false, nil
		}
		r, err := decodeRow(t, op.Value)
		return r, err == nil, err
	}
	if c := w.s.rows; c.on() {
		if v, _, ok := c.get(w.keybuf, w.scratch[:0]); ok {
			w.scratch = v
			r, err := decodeRow(t, v)
			return r, err == nil, err
		}
		if c.isComplete(t.Number) {
			return Row{}, false, nil
		}
	}
	item, err := w.txn.Get(w.keybuf)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Row{}, false, nil
	}
	if err != nil {
		return Row{}, false, err
	}
	var r Row
	err = item.Value(func(v []byte) error {
		var err error
		r, err = decodeRow(t, v)
		return err
	})
	return r, err == nil, err
}

// putRow writes next over old (found says whether old exists) and moves the
// index entries whose values changed. Unique indexes are all checked before
// anything is written, so a refused row leaves no trace in any index; it
// returns the offending column with errUnique.
func (w *writer) putRow(t *Table, pk []byte, old Row, found bool, next Row) (string, error) {
	if err := w.checkUnique(t, pk, next); err != nil {
		var dup *DuplicateError
		if errors.As(err, &dup) {
			for _, idx := range t.Indexes {
				if idx.Name == dup.Index {
					return idx.Columns[0], errUnique
				}
			}
		}
		return "", err
	}
	for i, idx := range t.Indexes {
		newVals, hasNew := t.indexValues(next, idx)
		oldVals, hasOld := []string(nil), false
		if found {
			oldVals, hasOld = t.indexValues(old, idx)
		}
		if hasOld && hasNew && equalStrings(oldVals, newVals) {
			continue
		}
		if hasOld {
			w.bytes += 64 + len(pk)
			w.removeEntry(entryKey(t, i, idx, oldVals, pk), idx)
		}
		if hasNew {
			w.bytes += 64 + 2*len(pk)
			w.putEntry(entryKey(t, i, idx, newVals, pk), idx, pk)
		}
	}
	w.valbuf = encodeRow(w.valbuf[:0], t, next)
	w.bytes += 32 + len(pk) + len(w.valbuf)
	// The batch keeps the slices until it lands, so they must be fresh
	// copies; the row cache shares the value, which nothing modifies.
	w.set(rowKey(t.Number, pk), append([]byte(nil), w.valbuf...))
	return "", nil
}

// putEntry and removeEntry change an index entry; a unique one is kept
// readable from the batch, for checkUnique.
func (w *writer) putEntry(key []byte, idx Index, pk []byte) {
	if idx.Unique {
		w.set(key, entryValue(idx, pk))
		return
	}
	w.ops.b.Put(key, entryValue(idx, pk))
}

func (w *writer) removeEntry(key []byte, idx Index) {
	if idx.Unique {
		w.del(key)
		return
	}
	w.ops.b.Remove(key)
}

func (w *writer) deleteRow(t *Table, pk []byte, old Row) error {
	for i, idx := range t.Indexes {
		if vals, ok := t.indexValues(old, idx); ok {
			w.bytes += 64 + len(pk)
			w.removeEntry(entryKey(t, i, idx, vals, pk), idx)
		}
	}
	w.bytes += 32 + len(pk)
	w.del(rowKey(t.Number, pk))
	return nil
}

func entryKey(t *Table, i int, idx Index, vals []string, pk []byte) []byte {
	if idx.Unique {
		return indexKey(spaceUnique, t.Number, i, vals, nil)
	}
	return indexKey(spaceIndex, t.Number, i, vals, pk)
}

func entryValue(idx Index, pk []byte) []byte {
	if idx.Unique {
		return pk
	}
	return nil
}

func indexKey(space byte, number uint32, idx int, vals []string, pk []byte) []byte {
	k := appendTuple(indexPrefix(space, number, idx), vals...)
	return append(k, pk...)
}

// indexValues returns the row's values for an index, and false if the row
// lacks one of them (such a row has no entry).
func (t *Table) indexValues(r Row, idx Index) ([]string, bool) {
	vals := make([]string, len(idx.Columns))
	for j, id := range idx.Columns {
		pos, ok := t.byID[id]
		if !ok {
			return nil, false
		}
		v, ok := r.Get(pos)
		if !ok {
			return nil, false
		}
		vals[j] = v
	}
	return vals, true
}

func (t *Table) hasUnique() bool {
	return slices.ContainsFunc(t.Indexes, func(idx Index) bool { return idx.Unique })
}

// pkBytes encodes the row's primary key, or names the first key column it lacks.
func (t *Table) pkBytes(r Row) ([]byte, string, bool) {
	var pk []byte
	for i, c := range t.Columns {
		if !c.PrimaryKey {
			continue
		}
		v, ok := r.Get(i)
		if !ok {
			return nil, c.ID, false
		}
		pk = appendTuple(pk, v)
	}
	return pk, "", true
}

func (t *Table) missingRequired(r Row) (string, bool) {
	for i, c := range t.Columns {
		if _, ok := r.Get(i); c.Required && !ok {
			return c.ID, false
		}
	}
	return "", true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkRebuild verifies a unique index can be built from the rows, before
// anything is dropped, so a refused schema change leaves every index whole.
func (s *Store) checkRebuild(t *Table, idx Index) error {
	if !idx.Unique {
		return nil
	}
	seen := map[string]bool{}
	return s.each(t, nil, nil, func(_ []byte, r Row) (bool, error) {
		vals, ok := t.indexValues(r, idx)
		if !ok {
			return true, nil
		}
		k := string(appendTuple(nil, vals...))
		if seen[k] {
			return false, fmt.Errorf("%w: index %s: value %v is held by more than one row", ErrIncompatible, idx.Name, vals)
		}
		seen[k] = true
		return true, nil
	})
}

// rebuildIndex recreates index i of t from the table's rows, as a
// sequence of batches: the first drops the old entries, the rest carry the
// new ones. The caller holds the table's write lock and has run
// checkRebuild, and makes the new definition visible only afterwards, so
// no reader of the new definition meets a half-built index.
func (s *Store) rebuildIndex(op *opCtx, t *Table, i int) error {
	idx := t.Indexes[i]
	domain := tableDomain(t.Number)
	b := &Batch{Drops: [][]byte{indexPrefix(spaceIndex, t.Number, i), indexPrefix(spaceUnique, t.Number, i)}}
	b.within(op, domain)
	if err := s.Apply(b); err != nil {
		return fmt.Errorf("columndb: rebuild index %s: %w", idx.Name, err)
	}
	b, size := &Batch{}, 0
	b.within(op, domain)
	err := s.each(t, nil, nil, func(pk []byte, r Row) (bool, error) {
		vals, ok := t.indexValues(r, idx)
		if !ok {
			return true, nil
		}
		pk = bytes.Clone(pk) // the scan reuses its key
		k := entryKey(t, i, idx, vals, pk)
		b.Put(k, entryValue(idx, pk))
		if size += len(k) + len(pk) + 64; size >= maxTxnBytes {
			if err := s.Apply(b); err != nil {
				return false, err
			}
			b, size = &Batch{}, 0
			b.within(op, domain)
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("columndb: rebuild index %s: %w", idx.Name, err)
	}
	b.Sync = true
	if err := s.Apply(b); err != nil {
		return fmt.Errorf("columndb: rebuild index %s: %w", idx.Name, err)
	}
	return nil
}
