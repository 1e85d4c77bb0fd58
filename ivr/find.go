package ivr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
)

// Match is how a search compares a column with what was typed.
type Match string

// The ways to match.
const (
	MatchPrefix   Match = "prefix"
	MatchExact    Match = "exact"
	MatchContains Match = "contains"
)

// RowSearch finds rows of a caller database by any column.
type RowSearch struct {
	Column string // a column id; empty with Value empty lists every row
	Match  Match
	Value  string
	Sort   string // a column id to sort by; empty keeps key order
	Desc   bool
	Offset int
	Limit  int
}

// FindRows returns the page of rows the search selects and how many
// match in all. Case is ignored; a value typed as people write it (a date
// with separators, an amount with its sign) is compared as stored.
func (s *Service) FindRows(cid, dbid int64, q RowSearch) ([]map[string]string, int, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return nil, 0, err
	}
	cq, err := searchQuery(t, q)
	if err != nil {
		return nil, 0, err
	}
	if q.Sort != "" {
		if _, ok := t.ColumnIndex(q.Sort); !ok {
			return nil, 0, fmt.Errorf("%w: there is no column %q to sort by", ErrInvalid, q.Sort)
		}
		cq.Order = []columndb.Order{{Column: q.Sort, Desc: q.Desc}}
	}
	cq.Offset, cq.Limit = q.Offset, q.Limit
	res, err := s.store.Query(t, cq)
	if errors.Is(err, columndb.ErrNotFound) {
		return nil, 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("ivr: find rows: %w", err)
	}
	out := make([]map[string]string, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = r.Map(t)
	}
	return out, res.Total, nil
}

// searchQuery is the filter of q on t: Contains narrows on the stored
// bytes, Where decides on the decoded row.
func searchQuery(t *columndb.Table, q RowSearch) (columndb.Query, error) {
	var cq columndb.Query
	value := strings.TrimSpace(q.Value)
	if value != "" {
		pos, ok := t.ColumnIndex(q.Column)
		if !ok {
			return columndb.Query{}, fmt.Errorf("%w: there is no column %q to search", ErrInvalid, q.Column)
		}
		col := callerColumn(t, pos)
		value = storedForm(col, q.Match, value)
		// The stored bytes must contain the value whatever the match, so
		// Contains narrows first and only its rows are decoded.
		cq.Contains = []columndb.Contains{{Columns: []string{col.ID}, Text: value}}
		switch q.Match {
		case MatchContains:
		case MatchPrefix, MatchExact:
			exact := q.Match == MatchExact
			cq.Where = func(r columndb.Row) bool {
				v, _ := r.Get(pos)
				if exact {
					return strings.EqualFold(v, value)
				}
				return len(v) >= len(value) && strings.EqualFold(v[:len(value)], value)
			}
		default:
			return columndb.Query{}, fmt.Errorf("%w: match must be prefix, exact or contains", ErrInvalid)
		}
	}
	return cq, nil
}

// storedForm is a typed search value as the column stores it: a whole
// amount or date normalised by the column's own rules, the digits of a
// partial date, anything else as typed.
func storedForm(col *Column, m Match, v string) string {
	switch col.Type {
	case columndb.TypeCurrency, columndb.TypeInteger:
		if m == MatchExact {
			if n, err := col.Normalize(v); err == nil {
				return n
			}
		}
	case columndb.TypeDate:
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, v)
		if digits != "" {
			return digits
		}
	}
	return v
}
