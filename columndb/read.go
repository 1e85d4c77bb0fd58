package columndb

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"

	"github.com/dgraph-io/badger/v4"
)

// Get returns the row with the given primary-key values, in key column order.
func (s *Store) Get(t *Table, pk ...string) (Row, error) {
	var buf [128]byte // the key is built on the stack: this is every caller lookup
	key := appendTuple(appendRowPrefix(buf[:0], t.Number), pk...)
	// The cache is asked first, and its generation taken, before the read
	// timestamp: a commit that lands in between then shows as a changed
	// generation, and what this read finds is not cached.
	var gen uint64
	if s.rows.on() {
		var vb [512]byte
		v, g, ok := s.rows.get(key, vb[:0])
		if ok {
			r, err := decodeRow(t, v)
			if err != nil {
				return Row{}, fmt.Errorf("columndb: get row: %w", err)
			}
			return r, nil
		}
		gen = g
	}
	return s.readRow(t, bytes.Clone(key), gen)
}

// readRow reads a row from Badger and caches it: apart from Get so that
// the key of a cache hit stays on Get's stack.
func (s *Store) readRow(t *Table, key []byte, gen uint64) (Row, error) {
	var r Row
	err := s.view(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if r, err = decodeRow(t, v); err != nil {
				return err
			}
			if s.rows.on() {
				s.rows.fill(key, v, gen)
			}
			return nil
		})
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Row{}, errRowNotFound
	}
	if err != nil {
		return Row{}, fmt.Errorf("columndb: get row: %w", err)
	}
	return r, nil
}

// errRowNotFound is one value, not built per miss: a caller keying a wrong
// date of birth is an everyday miss on the lookup path.
var errRowNotFound = fmt.Errorf("columndb: row: %w", ErrNotFound)

// Lookup returns up to limit rows whose index values equal vals, through the
// named index: no table scan. Two rows where one was expected is how callers
// detect ambiguity.
func (s *Store) Lookup(t *Table, index string, vals []string, limit int) ([]Row, error) {
	i := -1
	for j := range t.Indexes {
		if t.Indexes[j].Name == index {
			i = j
		}
	}
	if i < 0 || len(vals) != len(t.Indexes[i].Columns) {
		return nil, fmt.Errorf("columndb: table %s has no index %s over %d columns: %w", t.Name, index, len(vals), ErrNotFound)
	}
	var rows []Row
	err := s.view(func(txn *badger.Txn) error {
		if t.Indexes[i].Unique {
			item, err := txn.Get(indexKey(spaceUnique, t.Number, i, vals, nil))
			if errors.Is(err, badger.ErrKeyNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			pk, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			return s.appendRow(txn, t, pk, &rows)
		}
		prefix := indexKey(spaceIndex, t.Number, i, vals, nil)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix) && len(rows) < limit; it.Next() {
			if err := s.appendRow(txn, t, it.Item().Key()[len(prefix):], &rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columndb: lookup %s: %w", t.Name, err)
	}
	return rows, nil
}

// appendRow reads an index entry's row in the same snapshot as the entry
// (not from the row cache, which holds the latest commit), so the two agree.
func (s *Store) appendRow(txn *badger.Txn, t *Table, pk []byte, rows *[]Row) error {
	item, err := txn.Get(rowKey(t.Number, pk))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("index entry without row: %w", errCorruptRow)
	}
	if err != nil {
		return err
	}
	return item.Value(func(v []byte) error {
		r, err := decodeRow(t, v)
		if err == nil {
			*rows = append(*rows, r)
		}
		return err
	})
}

// Page is one page of a scan in primary-key order.
type Page struct {
	Rows []Row
	// Next resumes the scan after the last row; empty on the last page.
	Next string
}

// ErrCursor reports a scan cursor this store did not hand out.
var ErrCursor = errors.New("columndb: invalid cursor")

// Scan pages through rows in primary-key order. prefix restricts it to rows
// whose first key column starts with those characters; after is the Next of
// the previous page.
func (s *Store) Scan(t *Table, prefix, after string, limit int) (Page, error) {
	if limit <= 0 {
		limit = 100
	}
	var start []byte
	if after != "" {
		b, err := base64.RawURLEncoding.DecodeString(after)
		if err != nil || len(b) == 0 {
			return Page{}, ErrCursor
		}
		start = append(b, 0xFF) // just past the last row returned
	}
	var page Page
	var last []byte
	err := s.each(t, appendEscaped(nil, prefix), start, func(pk []byte, r Row) (bool, error) {
		if len(page.Rows) == limit {
			page.Next = base64.RawURLEncoding.EncodeToString(last)
			return false, nil
		}
		page.Rows = append(page.Rows, r)
		last = append(last[:0], pk...)
		return true, nil
	})
	if err != nil {
		return Page{}, err
	}
	return page, nil
}

// Each calls fn with every row of t in primary-key order until fn returns
// false or an error.
func (s *Store) Each(t *Table, fn func(Row) (bool, error)) error {
	return s.each(t, nil, nil, func(_ []byte, r Row) (bool, error) { return fn(r) })
}

// each iterates rows whose encoded key starts with pkPrefix, from start (an
// encoded key position) on. fn receives a pk slice valid only for the call.
func (s *Store) each(t *Table, pkPrefix, start []byte, fn func(pk []byte, r Row) (bool, error)) error {
	prefix := rowKey(t.Number, pkPrefix)
	seek := prefix
	if start != nil {
		if k := rowKey(t.Number, start); bytes.Compare(k, prefix) > 0 {
			seek = k
		}
	}
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		base := len(tablePrefix(spaceRow, t.Number))
		for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
			var r Row
			err := it.Item().Value(func(v []byte) error {
				var err error
				r, err = decodeRow(t, v)
				return err
			})
			if err != nil {
				return err
			}
			more, err := fn(it.Item().Key()[base:], r)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("columndb: scan %s: %w", t.Name, err)
	}
	return nil
}

// EachValues calls fn with every row of t in primary-key order, its
// values by table position as slices of the stored bytes, nil where the
// row has none. The slices (and vals itself) are valid only during the
// call: nothing is copied, so a walk over a million rows allocates nothing
// per row (an export streaming them stays flat in memory).
func (s *Store) EachValues(t *Table, fn func(vals [][]byte) (bool, error)) error {
	prefix := rowKey(t.Number, nil)
	vals := make([][]byte, len(t.Columns))
	var read int64
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			var more bool
			if read += it.Item().EstimatedSize(); read >= scanCollectEvery {
				read = 0
				runtime.GC()
			}
			err := it.Item().Value(func(b []byte) error {
				clear(vals)
				if err := splitRow(t, b, vals); err != nil {
					return err
				}
				var err error
				more, err = fn(vals)
				return err
			})
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("columndb: scan %s: %w", t.Name, err)
	}
	return nil
}

// scanCollectEvery is how much of a table a whole scan reads between
// collections. Badger decompresses every block a scan reads into a new
// buffer; the block cache keeps a few and the rest is garbage, which the
// collector, paced by the live heap (the row cache's gigabyte), would let
// grow by a hundred MiB and more before it runs. A scan that collects as
// it goes keeps a whole-table export within a few tens of MiB.
const scanCollectEvery = 16 << 20

// splitRow is decodeRow without the copy: vals[i] is column i's bytes in b.
func splitRow(t *Table, b []byte, vals [][]byte) error {
	next := 0
	for off := 0; off < len(b); {
		idLo, idHi, ok := chunkAt(b, off)
		if !ok {
			return errCorruptRow
		}
		valLo, valHi, ok := chunkAt(b, idHi)
		if !ok {
			return errCorruptRow
		}
		off = valHi
		id := b[idLo:idHi]
		i, found := next, false
		for ; i < len(t.Columns) && i < next+4; i++ {
			if t.Columns[i].ID == string(id) {
				found = true
				break
			}
		}
		if !found {
			if i, found = t.byID[string(id)]; !found {
				continue
			}
		}
		vals[i] = b[valLo:valHi:valHi]
		next = i + 1
	}
	return nil
}
