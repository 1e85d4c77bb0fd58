package ivr

import (
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// Export is the rows a search found, ready to write out in the import's
// own form: each row's values in column order, amounts as the database's
// uploads write them, so the file imports back unchanged.
type Export struct {
	s  *Service
	t  *columndb.Table
	cq columndb.Query
}

// Exporter checks a search and returns its export; nothing is read until
// Each runs.
func (s *Service) Exporter(cid, dbid int64, q RowSearch) (*Export, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return nil, err
	}
	cq, err := searchQuery(t, q)
	if err != nil {
		return nil, err
	}
	return &Export{s: s, t: t, cq: cq}, nil
}

// Each calls fn with every matching row's fields in key order, reading
// from one snapshot a row at a time, so a million rows never sit in
// memory. fields is reused between calls. It returns how many rows it
// gave fn.
func (e *Export) Each(fn func(fields []string) error) (int, error) {
	cols := schemaOf(e.t).cols
	fields := make([]string, len(cols))
	var buf []byte
	n := 0
	err := e.s.store.Each(e.t, func(r columndb.Row) (bool, error) {
		if !e.matches(r) {
			return true, nil
		}
		for i := range cols {
			v, _ := r.Get(i)
			if v != "" && cols[i].Type == columndb.TypeCurrency {
				buf = exportAmount(buf[:0], &cols[i], v)
				v = string(buf)
			}
			fields[i] = v
		}
		n++
		return true, fn(fields)
	})
	if err != nil {
		return n, fmt.Errorf("ivr: export: %w", err)
	}
	return n, nil
}

// matches applies the search's Contains and Where to a decoded row.
func (e *Export) matches(r columndb.Row) bool {
	for _, c := range e.cq.Contains {
		pos, _ := e.t.ColumnIndex(c.Columns[0])
		v, _ := r.Get(pos)
		if !strings.Contains(strings.ToLower(v), strings.ToLower(c.Text)) {
			return false
		}
	}
	return e.cq.Where == nil || e.cq.Where(r)
}

// exportAmount writes stored minor units as an upload of the column's
// database writes them: the currency's sign, and the language's decimal
// comma where it has one (€12,50 for German), which Normalize reads back
// to the same minor units.
func exportAmount(dst []byte, col *Column, stored string) []byte {
	lang, cur := money.EnGB, money.GBP
	if col.amountsIn != nil {
		lang, cur = col.amountsIn.Language, col.amountsIn.Currency
	}
	if cur == "" {
		cur = money.GBP
	}
	neg := strings.HasPrefix(stored, "-")
	if neg {
		dst = append(dst, '-')
		stored = stored[1:]
	}
	dst = append(dst, cur.Symbol()...)
	for len(stored) < 3 {
		stored = "0" + stored
	}
	dst = append(dst, stored[:len(stored)-2]...)
	if lang == money.EsES || lang == money.FrFR || lang == money.DeDE {
		dst = append(dst, ',')
	} else {
		dst = append(dst, '.')
	}
	return append(dst, stored[len(stored)-2:]...)
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
	err = s.store.Each(e.t, func(r columndb.Row) (bool, error) {
		if e.matches(r) {
			k := columndb.NewRow(len(e.t.Columns))
			for _, pos := range keys {
				v, _ := r.Get(pos)
				k.Set(pos, strings.Clone(v))
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
