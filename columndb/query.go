package columndb

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// Contains holds for a row when any of Columns contains Text, ignoring case.
// Several columns let one condition cover billing and shipping names, or a
// search box that looks at every name a customer has.
type Contains struct {
	Columns []string
	Text    string
}

// Order sorts by one column. Integer and currency columns sort as numbers,
// the rest as text ignoring case.
type Order struct {
	Column string
	Desc   bool
}

// Query filters, sorts and pages a table's rows.
type Query struct {
	// Contains conditions must all hold. They are tested on the stored bytes
	// before a row is decoded, so a filter over a large table decodes only
	// the rows it returns.
	Contains []Contains
	// Where, if set, must also hold; it sees every row the Contains
	// conditions let through, decoded.
	Where func(Row) bool
	// Order sorts the matches; equal rows stay in primary-key order.
	Order []Order
	// Offset skips matches; Limit bounds the page (0: no bound).
	Offset, Limit int
}

// Result is one page of a Query and how many rows matched in all.
type Result struct {
	Rows  []Row
	Total int
}

type queryColumn struct {
	id      string
	numeric bool
}

type match struct {
	pk  []byte
	txt []string
	num []int64
	row *Row
}

// Query returns the page of t's rows that q selects, read from one snapshot.
func (s *Store) Query(t *Table, q Query) (Result, error) {
	conds := make([][]string, len(q.Contains))
	needles := make([]string, len(q.Contains))
	for i, c := range q.Contains {
		for _, id := range c.Columns {
			if _, ok := t.byID[id]; !ok {
				return Result{}, fmt.Errorf("columndb: query %s: no column %q: %w", t.Name, id, ErrNotFound)
			}
		}
		conds[i], needles[i] = c.Columns, strings.ToLower(c.Text)
	}
	order := make([]queryColumn, len(q.Order))
	for i, o := range q.Order {
		pos, ok := t.byID[o.Column]
		if !ok {
			return Result{}, fmt.Errorf("columndb: query %s: no column %q to sort by: %w", t.Name, o.Column, ErrNotFound)
		}
		typ := t.Columns[pos].Type
		order[i] = queryColumn{id: o.Column, numeric: typ == TypeInteger || typ == TypeCurrency}
	}
	var res Result
	err := s.view(func(txn *badger.Txn) error {
		var matches []match
		prefix := tablePrefix(spaceRow, t.Number)
		// No prefetch: it copies every value, and most rows are only looked
		// at in place by the filters.
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		// Unsorted matches come in key order, so only the page's need be
		// kept: the rest are counted. With no filter either, no value is
		// read at all. A page of a million-row table then holds a page.
		unordered, seen := len(order) == 0, 0
		// With no filter and no sort, the stored count is the total and the
		// walk ends with the page.
		counted := int64(-1)
		if unordered && len(conds) == 0 && q.Where == nil && q.Limit > 0 {
			n, err := readCount(txn, t.Number)
			if err != nil {
				return err
			}
			counted = n
		}
		onPage := func() bool {
			i := seen
			seen++
			return i >= q.Offset && (q.Limit <= 0 || i < max(q.Offset, 0)+q.Limit)
		}
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			if unordered && len(conds) == 0 && q.Where == nil {
				if onPage() {
					matches = append(matches, match{pk: it.Item().KeyCopy(nil)})
				}
				if counted >= 0 && seen >= max(q.Offset, 0)+q.Limit {
					break
				}
				continue
			}
			var m match
			var keep bool
			err := it.Item().Value(func(v []byte) error {
				for i, cols := range conds {
					if !anyContains(v, cols, needles[i]) {
						return nil
					}
				}
				if q.Where != nil {
					r, err := decodeRow(t, v)
					if err != nil {
						return err
					}
					if !q.Where(r) {
						return nil
					}
					m.row = &r
				}
				m.txt, m.num = sortKeys(v, order)
				keep = true
				return nil
			})
			if err != nil {
				return err
			}
			if keep && (!unordered || onPage()) {
				m.pk = it.Item().KeyCopy(nil)
				matches = append(matches, m)
			}
		}
		lo, hi := 0, len(matches)
		switch {
		case counted >= 0:
			res.Total = int(counted)
		case unordered:
			res.Total = seen
		default:
			slices.SortStableFunc(matches, func(a, b match) int { return compareKeys(order, q.Order, a, b) })
			res.Total = len(matches)
			lo = min(max(q.Offset, 0), len(matches))
			if q.Limit > 0 {
				hi = min(lo+q.Limit, hi)
			}
		}
		for _, m := range matches[lo:hi] {
			if m.row != nil {
				res.Rows = append(res.Rows, *m.row)
				continue
			}
			item, err := txn.Get(m.pk)
			if err != nil {
				return err
			}
			err = item.Value(func(v []byte) error {
				r, err := decodeRow(t, v)
				res.Rows = append(res.Rows, r)
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("columndb: query %s: %w", t.Name, err)
	}
	return res, nil
}

func anyContains(encoded []byte, cols []string, needle string) bool {
	for _, id := range cols {
		if v, ok := rawField(encoded, id); ok && containsFold(v, needle) {
			return true
		}
	}
	return false
}

// rawField finds a column's value in an encoded row without decoding the rest.
func rawField(b []byte, id string) ([]byte, bool) {
	for len(b) > 0 {
		key, rest, ok := readChunk(b)
		if !ok {
			return nil, false
		}
		val, rest, ok := readChunk(rest)
		if !ok {
			return nil, false
		}
		if string(key) == id {
			return val, true
		}
		b = rest
	}
	return nil, false
}

// containsFold reports whether hay contains needle (already lower case),
// ignoring case. ASCII, nearly every stored value, takes the fast path.
func containsFold(hay []byte, needle string) bool {
	if needle == "" {
		return true
	}
	for _, c := range hay {
		if c >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(string(hay)), needle)
		}
	}
	n := len(needle)
outer:
	for i := 0; i+n <= len(hay); i++ {
		for j := 0; j < n; j++ {
			c := hay[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

func sortKeys(encoded []byte, order []queryColumn) ([]string, []int64) {
	if len(order) == 0 {
		return nil, nil
	}
	txt := make([]string, len(order))
	num := make([]int64, len(order))
	for i, o := range order {
		v, _ := rawField(encoded, o.id)
		if o.numeric {
			num[i], _ = strconv.ParseInt(string(v), 10, 64)
		} else {
			txt[i] = strings.ToLower(string(v))
		}
	}
	return txt, num
}

func compareKeys(order []queryColumn, dirs []Order, a, b match) int {
	for i, o := range order {
		var c int
		if o.numeric {
			c = cmp.Compare(a.num[i], b.num[i])
		} else {
			c = strings.Compare(a.txt[i], b.txt[i])
		}
		if dirs[i].Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
