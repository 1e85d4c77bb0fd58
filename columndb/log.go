package columndb

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// A table's log: entries its owner appends with Modify, each written in
// the same commit as the row change it records, numbered from 1 in commit
// order and never changed. An entry may carry a key unique in the table's
// log, so a writer retrying a change finds the entry its first try wrote
// instead of making the change twice. All of a table's log lives under
// one prefix, kept by backups and dropped with the table:
//
//	'l' number(4) 0x00 seq(8) → entry (key, row's primary key, value)
//	'l' number(4) 0x01 key     → seq(8)
//	'l' number(4) 0x02 pk      → row state: last seq(8), overwritten up to seq(8), fingerprint(32)
//	'l' number(4) 0x03         → last seq(8)
//
// The row state is how a reader learns that a row was written by
// something other than the log after an entry (an upsert, a delete): the
// fingerprint is of the row as the log's last entry left it.
const spaceLog = 'l'

const (
	logEntries = 0x00
	logKeys    = 0x01
	logRows    = 0x02
	logHead    = 0x03
)

// MaxLogKey bounds an entry's unique key.
const MaxLogKey = 256

// LogEntry is one entry of a table's log.
type LogEntry struct {
	Seq   uint64
	Key   string   // unique in the table's log; empty for none
	PK    []string // the primary key of the row the entry was written with
	Value []byte
	// Overwritten: the row was written after this entry by something other
	// than the log (an upsert or a delete), or is gone. Only LogAfter sets it.
	Overwritten bool
}

// ErrLogKeyUsed reports a Modify whose key an earlier entry holds; errors.As
// gives the LogKeyError with that entry.
var ErrLogKeyUsed = errors.New("columndb: log key already used")

// LogKeyError carries the entry already holding a key.
type LogKeyError struct{ Entry LogEntry }

func (e *LogKeyError) Error() string {
	return fmt.Sprintf("columndb: log key already used by entry %d", e.Entry.Seq)
}

// Unwrap lets errors.Is match ErrLogKeyUsed.
func (e *LogKeyError) Unwrap() error { return ErrLogKeyUsed }

// ModifyFunc decides a row's next values from its current ones, and the
// log entry that records the change, given the entry's number. An error
// it returns is returned by Modify as it is, and nothing is written.
type ModifyFunc func(cur Row, found bool, seq uint64) (next Row, entry []byte, err error)

// Modify is a read-modify-write of one row with a log entry: under the
// table's write lock, which every writer of the table takes, it reads the
// row with primary key pk, lets fn decide its next values, and commits the
// row (with its index entries) and the entry at once, durably. Concurrent
// modifications of a row therefore each see the one before; none is lost.
// If key is not empty and an entry already holds it, fn is not called and
// the error is a *LogKeyError with that entry. A schema changed since t was
// read answers ErrStale: the caller reads the table again and retries.
//
// Modifications of one table that arrive together are committed together
// (modqueue.go), so fn may run on another caller's goroutine; it must not
// keep cur.
func (s *Store) Modify(t *Table, pk []string, key string, fn ModifyFunc) (LogEntry, error) {
	if len(key) > MaxLogKey {
		return LogEntry{}, fmt.Errorf("columndb: modify %s: log key longer than %d bytes", t.Name, MaxLogKey)
	}
	e, err := s.modify(t, pk, key, fn)
	if err != nil {
		return LogEntry{}, err
	}
	if err := s.Sync(); err != nil {
		return LogEntry{}, err
	}
	return e, nil
}

// LogByKey returns the entry holding key, or ErrNotFound.
func (s *Store) LogByKey(t *Table, key string) (LogEntry, error) {
	var e LogEntry
	err := s.view(func(txn *badger.Txn) error {
		seq, found, err := logSeqOf(txn, t.Number, key)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		e, err = readLogEntry(txn, t.Number, seq)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return LogEntry{}, fmt.Errorf("columndb: %s: log key: %w", t.Name, ErrNotFound)
	}
	if err != nil {
		return LogEntry{}, fmt.Errorf("columndb: %s: log key: %w", t.Name, err)
	}
	return e, nil
}

// LogAfter returns up to limit entries numbered after after, oldest first,
// each with Overwritten set, and whether more follow.
func (s *Store) LogAfter(t *Table, after uint64, limit int) ([]LogEntry, bool, error) {
	var out []LogEntry
	more := false
	err := s.view(func(txn *badger.Txn) error {
		prefix := logKey(t.Number, logEntries, nil)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(limit+1, 256)})
		defer it.Close()
		for it.Seek(logKey(t.Number, logEntries, binary.BigEndian.AppendUint64(nil, after+1))); it.ValidForPrefix(prefix); it.Next() {
			if len(out) == limit {
				more = true
				break
			}
			k := it.Item().Key()
			if len(k) != len(prefix)+8 {
				return errCorruptLog
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			e, err := decodeLogEntry(binary.BigEndian.Uint64(k[len(prefix):]), v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return s.markOverwritten(txn, t, out)
	})
	if err != nil {
		return nil, false, fmt.Errorf("columndb: %s: read log: %w", t.Name, err)
	}
	return out, more, nil
}

// markOverwritten sets Overwritten on the entries whose row something
// other than the log wrote after them: one row-state read and one row read
// per row the entries name.
func (s *Store) markOverwritten(txn *badger.Txn, t *Table, es []LogEntry) error {
	type rowInfo struct {
		st      rowState
		changed bool // the row differs now from what the log's last entry left
	}
	rows := map[string]rowInfo{}
	for i := range es {
		pkb := appendTuple(nil, es[i].PK...)
		ri, ok := rows[string(pkb)]
		if !ok {
			st, has, err := readRowState(txn, t.Number, pkb)
			if err != nil {
				return err
			}
			if !has {
				return errCorruptLog
			}
			ri.st = st
			item, err := txn.Get(rowKey(t.Number, pkb))
			switch {
			case errors.Is(err, badger.ErrKeyNotFound):
				ri.changed = true
			case err != nil:
				return err
			default:
				var r Row
				if err := item.Value(func(v []byte) error { r, err = decodeRow(t, v); return err }); err != nil {
					return err
				}
				ri.changed = fingerprint(t, r) != st.print
			}
			rows[string(pkb)] = ri
		}
		es[i].Overwritten = ri.changed || es[i].Seq <= ri.st.overwritten
	}
	return nil
}

var errCorruptLog = errors.New("columndb: corrupt log")

func logKey(number uint32, part byte, rest []byte) []byte {
	k := make([]byte, 0, 6+len(rest))
	k = append(binary.BigEndian.AppendUint32(append(k, spaceLog), number), part)
	return append(k, rest...)
}

func logSeqOf(txn *badger.Txn, number uint32, key string) (uint64, bool, error) {
	seq, err := readU64(txn, logKey(number, logKeys, []byte(key)))
	return seq, seq > 0, err
}

// readU64 reads an 8-byte number; 0 if the key is absent.
func readU64(txn *badger.Txn, key []byte) (uint64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return errCorruptLog
		}
		n = binary.BigEndian.Uint64(v)
		return nil
	})
	return n, err
}

func readLogEntry(txn *badger.Txn, number uint32, seq uint64) (LogEntry, error) {
	item, err := txn.Get(logKey(number, logEntries, binary.BigEndian.AppendUint64(nil, seq)))
	if err != nil {
		if errors.Is(err, badger.ErrKeyNotFound) {
			return LogEntry{}, errCorruptLog // a key names an entry that is not there
		}
		return LogEntry{}, err
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return LogEntry{}, err
	}
	return decodeLogEntry(seq, v)
}

func encodeLogEntry(key string, pk, value []byte) []byte {
	b := make([]byte, 0, 4+len(key)+len(pk)+len(value))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(pk)))
	b = append(b, pk...)
	return append(b, value...)
}

func decodeLogEntry(seq uint64, b []byte) (LogEntry, error) {
	key, rest, ok := readChunk(b)
	if !ok {
		return LogEntry{}, errCorruptLog
	}
	pkb, value, ok := readChunk(rest)
	if !ok {
		return LogEntry{}, errCorruptLog
	}
	pk, ok := decodeTuple(pkb)
	if !ok {
		return LogEntry{}, errCorruptLog
	}
	return LogEntry{Seq: seq, Key: string(key), PK: pk, Value: value}, nil
}

// rowState is what the log knows of a row it has written.
type rowState struct {
	last, overwritten uint64
	print             [sha256.Size]byte
}

func (st rowState) encode() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 16+sha256.Size), st.last)
	b = binary.BigEndian.AppendUint64(b, st.overwritten)
	return append(b, st.print[:]...)
}

func readRowState(txn *badger.Txn, number uint32, pk []byte) (rowState, bool, error) {
	return readRowStateKey(txn, logKey(number, logRows, pk))
}

func readRowStateKey(txn *badger.Txn, key []byte) (rowState, bool, error) {
	var st rowState
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	err = item.Value(func(v []byte) error {
		var err error
		st, err = decodeRowState(v)
		return err
	})
	return st, err == nil, err
}

func decodeRowState(v []byte) (rowState, error) {
	var st rowState
	if len(v) != 16+sha256.Size {
		return st, errCorruptLog
	}
	st.last, st.overwritten = binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
	copy(st.print[:], v[16:])
	return st, nil
}

// fingerprint identifies a row's values whatever order its columns are in:
// an admin moving a column is not a write to the row.
func fingerprint(t *Table, r Row) [sha256.Size]byte {
	ids := make([]int, 0, len(t.Columns))
	for i := range t.Columns {
		if _, ok := r.Get(i); ok {
			ids = append(ids, i)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return t.Columns[ids[a]].ID < t.Columns[ids[b]].ID })
	var b []byte
	for _, i := range ids {
		v, _ := r.Get(i)
		b = appendTuple(b, t.Columns[i].ID, v)
	}
	return sha256.Sum256(b)
}

// CloneRow returns a copy of r that can be changed without changing r.
func CloneRow(r Row) Row {
	out := NewRow(len(r.vals))
	copy(out.vals, r.vals)
	copy(out.set, r.set)
	return out
}
