package columndb

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// CreateTable stores a new table. Its columns are canonicalised and checked
// for the rules every table shares; rules of a particular kind of table
// (what its owner's attributes mean) are its owner's to check first.
func (s *Store) CreateTable(t Table) (*Table, error) {
	t.Columns, t.Indexes = slices.Clone(t.Columns), cloneIndexes(t.Indexes)
	NormalizeColumns(t.Columns)
	t.index() // a copy of another table would carry its positions
	if err := checkTable(&t); err != nil {
		return nil, err
	}
	number, err := s.NextID("table", 0)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	t.Number, t.Created, t.Updated = uint32(number), now, now
	b, err := json.Marshal(&t)
	if err != nil {
		return nil, fmt.Errorf("columndb: encode table: %w", err)
	}
	key := catalogKey(t.Tenant, t.Name)
	err = s.prepare(func(view *badger.Txn, batch *Batch) error {
		if _, err := view.Get(key); err == nil {
			return ErrExists
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		batch.Put(key, b)
		batch.schema(key, &t)
		batch.created = append(batch.created, t.Number)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columndb: create table %s: %w", t.Name, err)
	}
	return &t, nil
}

// checkTable applies the rules every table shares.
func checkTable(t *Table) error {
	var p []Problem
	if t.Name == "" || strings.IndexByte(t.Name, 0) >= 0 {
		p = append(p, Problem{Field: "name", Code: CodeInvalid, Reason: "table name must be non-empty text"})
	}
	ids := map[string]bool{}
	pk := 0
	for i, c := range t.Columns {
		if c.ID == "" || ids[c.ID] {
			p = append(p, Problem{Column: fmt.Sprintf("column %d", i+1), Field: "id", Code: CodeDuplicate,
				Reason: fmt.Sprintf("id %q is empty or used twice", c.ID)})
		}
		ids[c.ID] = true
		if !oneOf(c.Type, Types()) {
			p = append(p, Problem{Column: c.ID, Field: "type", Code: CodeInvalid, Reason: fmt.Sprintf("unknown type %q", c.Type)})
		}
		if c.PrimaryKey {
			pk++
		}
	}
	if pk == 0 {
		p = append(p, Problem{Field: "primary_key", Code: CodeMissing, Reason: "at least one column must be a primary key"})
	}
	if len(t.Indexes) > 250 {
		p = append(p, Problem{Code: CodeInvalid, Reason: "too many indexes"})
	}
	names := map[string]bool{}
	for _, idx := range t.Indexes {
		if idx.Name == "" || names[idx.Name] || len(idx.Columns) == 0 {
			p = append(p, Problem{Code: CodeInvalid, Reason: fmt.Sprintf("index %q: needs a unique name and at least one column", idx.Name)})
		}
		names[idx.Name] = true
		for _, id := range idx.Columns {
			if !ids[id] {
				p = append(p, Problem{Code: CodeMissing, Reason: fmt.Sprintf("index %s: no column %q", idx.Name, id)})
			}
		}
	}
	if len(p) > 0 {
		return &SchemaError{Problems: p}
	}
	return nil
}

// GetTable returns a table's schema. The result is shared and must not be
// modified; it stays valid after later changes, which replace it.
func (s *Store) GetTable(tenant int64, name string) (*Table, error) {
	var buf [64]byte // every lookup finds its table here first
	key := appendCatalogKey(buf[:0], tenant, name)
	s.mu.RLock()
	t, ok := s.tables[string(key)]
	s.mu.RUnlock()
	if ok {
		return t, nil
	}
	return s.loadTable(bytes.Clone(key), name)
}

// loadTable reads a table's schema into the cache: apart from GetTable so
// that the hit path's key stays on the stack.
func (s *Store) loadTable(key []byte, name string) (*Table, error) {
	for {
		t, drops, err := s.readTable(key, name)
		if err != nil {
			return nil, err
		}
		if cur, ok := s.cacheRead(key, t, drops); ok {
			return cur, nil
		}
	}
}

// readTable reads a table's schema from Badger, with the count of drops
// before the read for cacheRead.
func (s *Store) readTable(key []byte, name string) (*Table, uint64, error) {
	s.mu.RLock()
	drops := s.drops
	s.mu.RUnlock()
	t := &Table{}
	err := s.view(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error { return json.Unmarshal(b, t) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("columndb: table %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("columndb: read table %s: %w", name, err)
	}
	t.index()
	return t, drops, nil
}

// cacheRead caches a schema readTable returned and returns the one every
// reader is to share, or false if it must be read again.
func (s *Store) cacheRead(key []byte, t *Table, drops uint64) (*Table, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Two first reads of a table after a restart can race here. The one
	// cached first must be the one both get: a writer holding the other
	// would find its table no longer current and refuse the upload.
	if cur, ok := s.tables[string(key)]; ok {
		return cur, true
	}
	// A table dropped since the read may have been this one: caching what
	// was read would bring it back for every later reader.
	if s.drops != drops {
		return nil, false
	}
	s.tables[string(key)] = t
	return t, true
}

// lockCurrent returns a table's schema with its write lock held, read again
// under the lock: a schema change or drop that held it first would
// otherwise be overwritten or undone with what was read before it.
func (s *Store) lockCurrent(tenant int64, name string) (*Table, *sync.Mutex, error) {
	for {
		t, err := s.GetTable(tenant, name)
		if err != nil {
			return nil, nil, err
		}
		lock := s.tableLock(t.Number)
		lock.Lock()
		if s.checkCurrent(t) == nil {
			return t, lock, nil
		}
		lock.Unlock()
	}
}

// ListTables returns the tenant's tables whose names start with prefix, in
// name order.
func (s *Store) ListTables(tenant int64, prefix string) ([]*Table, error) {
	var out []*Table
	p := catalogKey(tenant, prefix)
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Seek(p); it.ValidForPrefix(p); it.Next() {
			t := &Table{}
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, t) }); err != nil {
				return err
			}
			t.index()
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columndb: list tables: %w", err)
	}
	return out, nil
}

// RowCount returns the number of rows in a table.
func (s *Store) RowCount(t *Table) (int64, error) {
	var n int64
	err := s.view(func(txn *badger.Txn) error {
		var err error
		n, err = readCount(txn, t.Number)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("columndb: count %s: %w", t.Name, err)
	}
	return n, nil
}

func readCount(txn *badger.Txn, number uint32) (int64, error) {
	item, err := txn.Get(tablePrefix(spaceCount, number))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return errCorruptRow
		}
		n = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return n, err
}

// ChangeRule is an owner's rule for a column kept through a schema change
// on a table that holds rows: the problems the stored values would have
// with next, of which old is the current definition. The engine knows
// which changes its own types survive; what the owner's attributes promise
// about stored values (a range of lengths, say) only the owner knows.
type ChangeRule func(old, next *Column) []Problem

// UpdateTable replaces a table's description, columns and indexes. On a table
// that holds rows, a change the rows would not survive, by the engine's
// rules or by any of rules, is refused with an IncompatibleError (matching
// ErrIncompatible); indexes whose definition changed are rebuilt from the
// rows before the new schema is visible.
func (s *Store) UpdateTable(next Table, rules ...ChangeRule) (*Table, error) {
	var t *Table
	err := redecide(func() (err error) {
		t, err = s.updateTable(next, rules)
		return err
	})
	return t, err
}

func (s *Store) updateTable(next Table, rules []ChangeRule) (*Table, error) {
	next.Columns, next.Indexes = slices.Clone(next.Columns), cloneIndexes(next.Indexes)
	NormalizeColumns(next.Columns)
	next.index() // a copy of the current table would carry its positions
	if err := checkTable(&next); err != nil {
		return nil, err
	}
	cur, lock, err := s.lockCurrent(next.Tenant, next.Name)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	op := s.newOp()
	n, err := s.RowCount(cur)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		if problems := incompatible(cur, &next, rules); len(problems) > 0 {
			return nil, &IncompatibleError{Problems: problems}
		}
	}
	next.Number, next.Created = cur.Number, cur.Created
	next.Updated = time.Now().UTC().Truncate(time.Second)
	var rebuild []int
	for i, idx := range next.Indexes {
		if i < len(cur.Indexes) && slices.Equal(cur.Indexes[i].Columns, idx.Columns) && cur.Indexes[i].Unique == idx.Unique {
			continue
		}
		if err := s.checkRebuild(&next, idx); err != nil {
			return nil, err
		}
		rebuild = append(rebuild, i)
	}
	for _, i := range rebuild {
		if err := s.rebuildIndex(op, &next, i); err != nil {
			return nil, err
		}
	}
	var gone [][]byte
	for i := len(next.Indexes); i < len(cur.Indexes); i++ {
		gone = append(gone, indexPrefix(spaceIndex, cur.Number, i), indexPrefix(spaceUnique, cur.Number, i))
	}
	b, err := json.Marshal(&next)
	if err != nil {
		return nil, fmt.Errorf("columndb: encode table: %w", err)
	}
	key := catalogKey(next.Tenant, next.Name)
	err = s.prepareIn(op, []string{tableDomain(cur.Number)}, func(_ *badger.Txn, batch *Batch) error {
		batch.Put(key, b)
		batch.schema(key, &next)
		batch.Drops = gone // entries of indexes no definition has any more
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columndb: update table %s: %w", next.Name, err)
	}
	return &next, nil
}

// incompatible lists the changes stored rows would not survive, column by
// column in the new order, then the columns removed.
func incompatible(cur, next *Table, rules []ChangeRule) []Problem {
	var r []Problem
	add := func(col, field, format string, args ...any) {
		r = append(r, Problem{Column: col, Field: field, Code: CodeIncompatible, Reason: fmt.Sprintf(format, args...)})
	}
	old := map[string]Column{}
	for _, c := range cur.Columns {
		old[c.ID] = c
	}
	if !slices.Equal(pkIDs(cur), pkIDs(next)) {
		add("", "primary_key", "the primary key would change from %v to %v", pkIDs(cur), pkIDs(next))
	}
	kept := map[string]bool{}
	for i := range next.Columns {
		c := &next.Columns[i]
		o, ok := old[c.ID]
		kept[c.ID] = true
		switch {
		case !ok:
			if c.Required {
				add(c.ID, "required", "a new column must be optional while rows exist")
			}
			continue
		case o.Type != c.Type:
			add(c.ID, "type", "data type would change from %s to %s", o.Type, c.Type)
		case o.Format != c.Format:
			add(c.ID, "format", "date format would change from %s to %s", o.Format, c.Format)
		}
		if c.Required && !o.Required {
			add(c.ID, "required", "stored rows may lack it, so it cannot become required")
		}
		for _, rule := range rules {
			r = append(r, rule(&o, c)...)
		}
	}
	for _, c := range cur.Columns {
		if !kept[c.ID] {
			add(c.ID, "", "a column cannot be removed while rows exist")
		}
	}
	return r
}

func pkIDs(t *Table) []string {
	var ids []string
	for _, i := range t.PrimaryKey() {
		ids = append(ids, t.Columns[i].ID)
	}
	return ids
}

// DropTable deletes a table with its rows, indexes and log.
func (s *Store) DropTable(tenant int64, name string) error {
	return redecide(func() error { return s.dropTable(tenant, name) })
}

func (s *Store) dropTable(tenant int64, name string) error {
	t, lock, err := s.lockCurrent(tenant, name)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	key := catalogKey(tenant, name)
	err = s.prepareIn(nil, []string{tableDomain(t.Number)}, func(_ *badger.Txn, b *Batch) error {
		b.Remove(key)
		b.schema(key, nil)
		// The catalog entry goes first, so nothing reaches these keys any
		// more; a crash before they are dropped leaves only unreachable
		// garbage.
		b.Drops = [][]byte{tablePrefix(spaceRow, t.Number), tablePrefix(spaceIndex, t.Number),
			tablePrefix(spaceUnique, t.Number), tablePrefix(spaceCount, t.Number), tablePrefix(spaceLog, t.Number)}
		return nil
	})
	if err != nil {
		return fmt.Errorf("columndb: drop table %s: %w", name, err)
	}
	return nil
}

func (s *Store) dropRanges(prefixes ...[]byte) error {
	if err := s.db.DropPrefix(prefixes...); err != nil {
		return fmt.Errorf("columndb: drop keys: %w", err)
	}
	return nil
}

func cloneIndexes(idx []Index) []Index {
	out := slices.Clone(idx)
	for i := range out {
		out[i].Columns = slices.Clone(out[i].Columns)
	}
	return out
}
