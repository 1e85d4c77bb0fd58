package ivr

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// Export is the rows a search found, ready to write out in the import's
// own form: each row's values in column order, amounts as the database's
// uploads write them, so the file imports back unchanged.
type Export struct {
	s     *Service
	t     *columndb.Table
	pos   int // the column searched; -1 for every row
	match Match
	value []byte // as stored; lower case for MatchContains
}

// Exporter checks a search and returns its export; nothing is read until
// Each runs.
func (s *Service) Exporter(cid, dbid int64, q RowSearch) (*Export, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return nil, err
	}
	if _, err := searchQuery(t, q); err != nil {
		return nil, err
	}
	e := &Export{s: s, t: t, pos: -1, match: q.Match}
	if v := strings.TrimSpace(q.Value); v != "" {
		e.pos, _ = t.ColumnIndex(q.Column)
		v = storedForm(callerColumn(t, e.pos), q.Match, v)
		if q.Match == MatchContains {
			v = strings.ToLower(v)
		}
		e.value = []byte(v)
	}
	return e, nil
}

// matches reports whether a row's stored values are found by the search.
func (e *Export) matches(vals [][]byte) bool {
	if e.pos < 0 {
		return true
	}
	v := vals[e.pos]
	switch e.match {
	case MatchExact:
		return bytes.EqualFold(v, e.value)
	case MatchPrefix:
		return len(v) >= len(e.value) && bytes.EqualFold(v[:len(e.value)], e.value)
	}
	return bytes.Contains(bytes.ToLower(v), e.value)
}

// Each calls fn with every matching row's fields in key order, reading
// from one snapshot a row at a time without copying it (fields and their
// bytes are valid only during the call), so a million rows never sit in
// memory nor leave garbage behind. It returns how many rows it gave fn.
func (e *Export) Each(fn func(fields [][]byte) error) (int, error) {
	cols := schemaOf(e.t).cols
	out := make([][]byte, len(cols))
	amounts := make([][]byte, len(cols))
	n := 0
	err := e.s.store.EachValues(e.t, func(vals [][]byte) (bool, error) {
		if !e.matches(vals) {
			return true, nil
		}
		for i, v := range vals {
			if len(v) > 0 && cols[i].Type == columndb.TypeCurrency {
				amounts[i] = exportAmount(amounts[i][:0], &cols[i], v)
				v = amounts[i]
			}
			out[i] = v
		}
		n++
		return true, fn(out)
	})
	if err != nil {
		return n, fmt.Errorf("ivr: export: %w", err)
	}
	return n, nil
}

// exportAmount writes stored minor units as an upload of the column's
// database writes them: the currency's sign, and the language's decimal
// comma where it has one (€12,50 for German), which Normalize reads back
// to the same minor units.
func exportAmount(dst []byte, col *Column, stored []byte) []byte {
	lang, cur := money.EnGB, money.GBP
	if col.amountsIn != nil {
		lang, cur = col.amountsIn.Language, col.amountsIn.Currency
	}
	if cur == "" {
		cur = money.GBP
	}
	if len(stored) > 0 && stored[0] == '-' {
		dst = append(dst, '-')
		stored = stored[1:]
	}
	dst = append(dst, cur.Symbol()...)
	switch len(stored) { // minor units: at least "0.0d"
	case 1:
		dst = append(dst, "0.0"...)
		dst[len(dst)-2] = decimalMark(lang)
		return append(dst, stored...)
	case 2:
		dst = append(dst, '0', decimalMark(lang))
		return append(dst, stored...)
	}
	dst = append(dst, stored[:len(stored)-2]...)
	dst = append(dst, decimalMark(lang))
	return append(dst, stored[len(stored)-2:]...)
}

// decimalMark is how lang writes the point of 12.50.
func decimalMark(lang money.Language) byte {
	if lang == money.EsES || lang == money.FrFR || lang == money.DeDE {
		return ','
	}
	return '.'
}

// DeleteFound deletes every row a search finds and returns how many. The
// keys are gathered first, then deleted a thousand at a time, each batch
// its own write, so lookups keep their turns.
func (s *Service) DeleteFound(cid, dbid int64, q RowSearch) (int, error) {
	e, err := s.Exporter(cid, dbid, q)
	if err != nil {
		return 0, err
	}
	keys := e.t.PrimaryKey()
	var found []columndb.Row
	err = s.store.EachValues(e.t, func(vals [][]byte) (bool, error) {
		if e.matches(vals) {
			k := columndb.NewRow(len(e.t.Columns))
			for _, pos := range keys {
				k.Set(pos, string(vals[pos]))
			}
			found = append(found, k)
		}
		return true, nil
	})
	if err != nil {
		return 0, fmt.Errorf("ivr: delete found rows: %w", err)
	}
	deleted := 0
	for len(found) > 0 {
		n := min(len(found), 1000)
		release := s.ingesting()
		res, err := s.store.Delete(e.t, found[:n])
		release()
		deleted += res.Deleted
		if err != nil {
			return deleted, fmt.Errorf("ivr: delete found rows: %w", err)
		}
		found = found[n:]
	}
	return deleted, nil
}
