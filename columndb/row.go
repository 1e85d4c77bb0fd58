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

// NewRow returns an empty row for a table of n columns. A row of the usual
// width is one allocation, not two: every lookup decodes one.
func NewRow(n int) Row {
	if n <= 16 {
		m := new(struct {
			vals [16]string
			set  [16]bool
		})
		return Row{vals: m.vals[:n:n], set: m.set[:n:n]}
	}
	return Row{vals: make([]string, n), set: make([]bool, n)}
}

// RowSlab hands out the rows of one batch from shared blocks, so that
// parsing thousands of rows makes a few allocations rather than one a row.
// A block lives while any of its rows is referenced: a slab is for rows
// that go away with their batch. The zero value is ready to use.
type RowSlab struct {
	vals []string
	set  []bool
}

// slabRows is the rows a block holds: enough to make the allocation rare,
// few enough that a batch of a handful of rows does not carry a large one.
const slabRows = 64

// New returns an empty row for a table of n columns.
func (a *RowSlab) New(n int) Row {
	if len(a.vals) < n {
		a.vals, a.set = make([]string, n*slabRows), make([]bool, n*slabRows)
	}
	r := Row{vals: a.vals[:n:n], set: a.set[:n:n]}
	a.vals, a.set = a.vals[n:], a.set[n:]
	return r
}

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
// schema no longer has are dropped. The values share one copy of b, so a
// row costs one string allocation however many columns it has.
//
// encodeRow writes columns in table order, so each id is first compared
// with the column after the last one found; only a row written under
// another column order pays a map lookup per column. Every lookup and
// every upsert of an existing row decodes one.
func decodeRow(t *Table, b []byte) (Row, error) {
	r := NewRow(len(t.Columns))
	all := string(b)
	next := 0
	for off := 0; off < len(all); {
		idLo, idHi, ok := chunkAt(b, off)
		if !ok {
			return Row{}, errCorruptRow
		}
		valLo, valHi, ok := chunkAt(b, idHi)
		if !ok {
			return Row{}, errCorruptRow
		}
		off = valHi
		id := all[idLo:idHi]
		i, found := next, false
		for ; i < len(t.Columns) && i < next+4; i++ { // past columns the row does not carry
			if t.Columns[i].ID == id {
				found = true
				break
			}
		}
		if !found {
			if i, found = t.byID[id]; !found {
				continue
			}
		}
		r.Set(i, all[valLo:valHi])
		next = i + 1
	}
	return r, nil
}

// chunkAt reads the length-prefixed chunk that starts at b[off:] and
// returns where its bytes start and end.
func chunkAt(b []byte, off int) (int, int, bool) {
	n, w := binary.Uvarint(b[off:])
	if w <= 0 || uint64(len(b)-off-w) < n {
		return 0, 0, false
	}
	return off + w, off + w + int(n), true
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
func readChunk(b []byte) ([]byte, []byte, bool) {
	lo, hi, ok := chunkAt(b, 0)
	if !ok {
		return nil, nil, false
	}
	return b[lo:hi], b[hi:], true
}
