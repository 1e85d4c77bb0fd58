package columndb

import (
	"encoding/binary"
	"errors"
)

// Row holds a row's values by column position. A column the row does not
// carry is absent, which differs from an empty text value: an upsert leaves
// absent columns as they were.
type Row struct {
	vals []string
	set  []bool
}

// NewRow returns an empty row for a table of n columns.
func NewRow(n int) Row { return Row{vals: make([]string, n), set: make([]bool, n)} }

// Set stores a normalised value at column position i.
func (r Row) Set(i int, v string) { r.vals[i], r.set[i] = v, true }

// Unset removes the value at column position i.
func (r Row) Unset(i int) { r.vals[i], r.set[i] = "", false }

// Get returns the value at column position i and whether the row carries it.
func (r Row) Get(i int) (string, bool) {
	if i < 0 || i >= len(r.vals) {
		return "", false
	}
	return r.vals[i], r.set[i]
}

// Len is the number of column positions.
func (r Row) Len() int { return len(r.vals) }

// Map returns the carried values by column id.
func (r Row) Map(t *Table) map[string]string {
	m := make(map[string]string, len(r.vals))
	for i, c := range t.Columns {
		if i < len(r.set) && r.set[i] {
			m[c.ID] = r.vals[i]
		}
	}
	return m
}

var errCorruptRow = errors.New("columndb: corrupt row encoding")

// encodeRow writes (id, value) pairs rather than positions so a stored row
// survives an admin reordering or adding columns.
func encodeRow(dst []byte, t *Table, r Row) []byte {
	for i, c := range t.Columns {
		if !r.set[i] {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(c.ID)))
		dst = append(dst, c.ID...)
		dst = binary.AppendUvarint(dst, uint64(len(r.vals[i])))
		dst = append(dst, r.vals[i]...)
	}
	return dst
}

// decodeRow reads a stored row into table positions; values of columns the
// schema no longer has are dropped.
func decodeRow(t *Table, b []byte) (Row, error) {
	r := NewRow(len(t.Columns))
	for len(b) > 0 {
		id, rest, ok := readChunk(b)
		if !ok {
			return Row{}, errCorruptRow
		}
		val, rest, ok := readChunk(rest)
		if !ok {
			return Row{}, errCorruptRow
		}
		b = rest
		if i, ok := t.byID[string(id)]; ok {
			r.Set(i, string(val))
		}
	}
	return r, nil
}

func readChunk(b []byte) ([]byte, []byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, nil, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}

// equalRows reports whether two rows carry the same values.
func equalRows(a, b Row) bool {
	for i := range a.vals {
		if a.set[i] != b.set[i] || a.vals[i] != b.vals[i] {
			return false
		}
	}
	return true
}

// merge lays the values r carries over base and returns the result.
func merge(base, r Row) Row {
	out := NewRow(len(base.vals))
	copy(out.vals, base.vals)
	copy(out.set, base.set)
	for i := range r.vals {
		if r.set[i] {
			out.Set(i, r.vals[i])
		}
	}
	return out
}
