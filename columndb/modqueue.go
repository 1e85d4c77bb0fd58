package columndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Modifications of a table are serialised by its write lock, and each
// holds the lock while its commit lands, which takes longer than deciding
// it. So the modifications that arrive while one is being applied queue up,
// and one of them, the leader, takes the lock and decides them all, in
// arrival order, each seeing the ones before it, and commits them as one
// batch: one commit and one sync for many payments instead of one each.
// The others wait for their answer, not for the lock. A leader applies one
// batch and hands the lead to the first request queued meanwhile, so no
// caller keeps serving others while its own answer waits.

// modRequest is one Modify waiting for its table's lock.
type modRequest struct {
	t    *Table
	pk   []string
	key  string
	fn   ModifyFunc
	done chan struct{} // closed once entry and err are set
	lead chan struct{} // closed to make this request the next leader
	e    LogEntry
	err  error
}

// modQueue is a table's modifications waiting to be applied.
type modQueue struct {
	mu   sync.Mutex
	reqs []*modRequest
	busy bool // a leader is applying a batch, or has been chosen to
}

func (s *Store) modQueue(number uint32) *modQueue {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.modqs == nil {
		s.modqs = map[uint32]*modQueue{}
	}
	q, ok := s.modqs[number]
	if !ok {
		q = &modQueue{}
		s.modqs[number] = q
	}
	return q
}

// modify queues the request and waits for its answer, or, when no leader
// is at work, leads: it takes the table's lock and applies every request
// queued by then.
func (s *Store) modify(t *Table, pk []string, key string, fn ModifyFunc) (LogEntry, error) {
	req := &modRequest{t: t, pk: pk, key: key, fn: fn, done: make(chan struct{}), lead: make(chan struct{})}
	q := s.modQueue(t.Number)
	q.mu.Lock()
	q.reqs = append(q.reqs, req)
	if q.busy {
		q.mu.Unlock()
		select {
		case <-req.done:
			return req.e, req.err
		case <-req.lead:
		}
	} else {
		q.busy = true
		q.mu.Unlock()
	}
	lock := s.tableLock(t.Number)
	lock.Lock()
	q.mu.Lock()
	reqs := q.reqs
	q.reqs = nil
	q.mu.Unlock()
	s.applyModifications(t.Number, reqs)
	lock.Unlock()
	q.mu.Lock()
	if len(q.reqs) > 0 {
		close(q.reqs[0].lead)
	} else {
		q.busy = false
	}
	q.mu.Unlock()
	return req.e, req.err
}

// applyModifications decides reqs in order against the table as it
// stands, and commits those that fn accepted as one batch. The caller
// holds the table's lock. In a replicated store a batch the log skipped is
// decided again against the newer table.
func (s *Store) applyModifications(number uint32, reqs []*modRequest) {
	defer func() {
		for _, r := range reqs {
			close(r.done)
		}
	}()
	for i := 1; ; i++ {
		err := s.decideModifications(number, reqs)
		if !errors.Is(err, ErrConflict) || i == maxDecisions {
			return
		}
		for _, r := range reqs {
			r.err, r.e = nil, LogEntry{}
		}
	}
}

// decideModifications is one decision of applyModifications; it returns
// the error of the batch's commit.
func (s *Store) decideModifications(number uint32, reqs []*modRequest) error {
	var ok []*modRequest
	op := s.newOp()
	view := s.readTxn()
	defer view.Discard()
	fail := func(err error) error {
		for _, r := range reqs {
			if r.err == nil {
				r.err, r.e = err, LogEntry{}
			}
		}
		return err
	}
	count, err := readCount(view, number)
	if err != nil {
		return fail(fmt.Errorf("columndb: modify: %w", err))
	}
	last, err := readU64(view, logKey(number, logHead, nil))
	if err != nil {
		return fail(fmt.Errorf("columndb: modify: %w", err))
	}
	var w *writer
	entries := map[uint64]LogEntry{} // this batch's, by seq: a key one of them took is answered with it
	for _, r := range reqs {
		if err := s.checkCurrent(r.t); err != nil {
			r.err = err
			continue
		}
		if w == nil {
			w = &writer{s: s, t: r.t, txn: view, count: count, ops: newPending(len(reqs))}
		} else {
			w.t = r.t // the current schema, the same for all: checkCurrent held
		}
		seq, err := s.modifyOne(w, r, last+1, entries)
		if err != nil {
			r.err = err
			continue
		}
		last = seq
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return nil
	}
	w.ops.b.Put(tablePrefix(spaceCount, number), countValue(w.count))
	w.ops.b.Put(logKey(number, logHead, nil), binary.BigEndian.AppendUint64(nil, last))
	w.ops.b.within(op, tableDomain(number))
	if err := s.Apply(w.ops.b); err != nil {
		err = fmt.Errorf("columndb: modify %s: %w", w.t.Name, err)
		for _, r := range ok {
			r.err, r.e = err, LogEntry{}
		}
		return err
	}
	return nil
}

// modifyOne decides one request into w's batch as entry seq, reading what
// the batch already changed before what the store holds.
func (s *Store) modifyOne(w *writer, r *modRequest, seq uint64, entries map[uint64]LogEntry) (uint64, error) {
	t := r.t
	if r.key != "" {
		kk := logKey(t.Number, logKeys, []byte(r.key))
		if op, mine := w.ops.lookup(kk); mine {
			return 0, &LogKeyError{Entry: entries[binary.BigEndian.Uint64(op.Value)]}
		}
		if used, found, err := logSeqOf(w.txn, t.Number, r.key); err != nil {
			return 0, fmt.Errorf("columndb: modify %s: %w", t.Name, err)
		} else if found {
			e, err := readLogEntry(w.txn, t.Number, used)
			if err != nil {
				return 0, fmt.Errorf("columndb: modify %s: %w", t.Name, err)
			}
			return 0, &LogKeyError{Entry: e}
		}
	}
	pkb := appendTuple(nil, r.pk...)
	cur, found, err := w.get(t, pkb)
	if err != nil {
		return 0, fmt.Errorf("columndb: modify %s: %w", t.Name, err)
	}
	next, value, err := decide(r.fn, cur, found, seq)
	if err != nil {
		return 0, err
	}
	if got, col, ok := t.pkBytes(next); !ok || !bytes.Equal(got, pkb) {
		return 0, fmt.Errorf("%w: %s: a modified row must keep its primary key (column %s)", ErrInvalidRow, t.Name, col)
	}
	if col, ok := t.missingRequired(next); !ok {
		return 0, fmt.Errorf("%w: %s: required column %s missing", ErrInvalidRow, t.Name, col)
	}
	stKey := logKey(t.Number, logRows, pkb)
	st, hasState, err := w.rowState(stKey)
	if err != nil {
		return 0, fmt.Errorf("columndb: modify %s: %w", t.Name, err)
	}
	if col, err := w.putRow(t, pkb, cur, found, next); err != nil {
		if errors.Is(err, errUnique) {
			return 0, fmt.Errorf("%w: %s: column %s", ErrDuplicate, t.Name, col)
		}
		return 0, fmt.Errorf("columndb: modify %s: %w", t.Name, err)
	}
	if !found {
		w.count++
	}
	if hasState && (!found || fingerprint(t, cur) != st.print) {
		// Written by another since the last entry: that entry and every
		// one before it on this row were overwritten.
		st.overwritten = st.last
	}
	st.last, st.print = seq, fingerprint(t, next)
	w.ops.b.Put(logKey(t.Number, logEntries, binary.BigEndian.AppendUint64(nil, seq)), encodeLogEntry(r.key, pkb, value))
	if r.key != "" {
		w.set(logKey(t.Number, logKeys, []byte(r.key)), binary.BigEndian.AppendUint64(nil, seq))
	}
	w.set(stKey, st.encode())
	e := LogEntry{Seq: seq, Key: r.key, PK: slices.Clone(r.pk), Value: value}
	entries[seq] = e
	r.e = e
	return seq, nil
}

// rowState reads a row's log state as the writer's batch sees it.
func (w *writer) rowState(key []byte) (rowState, bool, error) {
	if op, mine := w.ops.lookup(key); mine {
		st, err := decodeRowState(op.Value)
		return st, err == nil, err
	}
	st, has, err := readRowStateKey(w.txn, key)
	return st, has, err
}

// ErrModifyPanicked reports a ModifyFunc that panicked; nothing of its
// modification was written.
var ErrModifyPanicked = errors.New("columndb: modify: the change panicked")

// decide calls fn for one request. fn runs on the leader's goroutine, for
// others too: a panic in it fails that request alone, instead of leaving
// the requests queued behind it (and the table's queue) waiting forever.
func decide(fn ModifyFunc, cur Row, found bool, seq uint64) (next Row, value []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			next, value, err = Row{}, nil, fmt.Errorf("%w: %v", ErrModifyPanicked, p)
		}
	}()
	return fn(cur, found, seq)
}
