package ivr

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tonebase/tonebase/columndb"
)

// ErrNoRow reports a row that is not stored.
var ErrNoRow = errors.New("ivr: no such row")

// RowProblems says, by column id, why an edited row's values were refused.
type RowProblems map[string]string

func (p RowProblems) Error() string {
	ids := make([]string, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + ": " + p[id]
	}
	return "ivr: invalid row: " + strings.Join(parts, "; ")
}

// GetRow returns one row by its primary-key values, in key column order.
func (s *Service) GetRow(cid, dbid int64, pk []string) (map[string]string, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return nil, err
	}
	if len(pk) != len(t.PrimaryKey()) {
		return nil, ErrNoRow
	}
	r, err := s.store.Get(t, pk...)
	if errors.Is(err, columndb.ErrNotFound) {
		return nil, ErrNoRow
	}
	if err != nil {
		return nil, err
	}
	return r.Map(t), nil
}

// SaveRow writes a row as an admin edited it: values by column id, an
// empty value meaning none. Every value goes through its column's type, and
// every refusal is returned at once as RowProblems. The row then holds
// exactly these values: one a stored row had and the form cleared is gone.
func (s *Service) SaveRow(cid, dbid int64, values map[string]string) error {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return err
	}
	r := columndb.NewRow(len(t.Columns))
	problems := RowProblems{}
	for i := range t.Columns {
		col := callerColumn(t, i)
		raw := values[col.ID]
		if strings.TrimSpace(raw) == "" {
			if col.Required {
				problems[col.ID] = "required"
			}
			continue
		}
		v, err := col.Normalize(raw)
		if err != nil {
			problems[col.ID] = err.Error()
			continue
		}
		r.Set(i, v)
	}
	if len(problems) > 0 {
		return problems
	}
	pk := make([]string, 0, len(t.PrimaryKey()))
	for _, pos := range t.PrimaryKey() {
		v, _ := r.Get(pos)
		pk = append(pk, v)
	}
	if old, err := s.store.Get(t, pk...); err == nil {
		for i := range t.Columns {
			_, has := r.Get(i)
			if _, had := old.Get(i); had && !has {
				// An upsert keeps values it is not given, so clearing one
				// means writing the row afresh.
				if _, err := s.store.Delete(t, []columndb.Row{old}); err != nil {
					return fmt.Errorf("ivr: save row: %w", err)
				}
				break
			}
		}
	} else if !errors.Is(err, columndb.ErrNotFound) {
		return fmt.Errorf("ivr: save row: %w", err)
	}
	res, err := s.store.Upsert(t, []columndb.Row{r})
	if err != nil {
		return fmt.Errorf("ivr: save row: %w", err)
	}
	for _, e := range res.Invalid {
		problems[e.Column] = e.Error
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// DeleteRow deletes one row by its primary-key values.
func (s *Service) DeleteRow(cid, dbid int64, pk []string) error {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return err
	}
	keys := t.PrimaryKey()
	if len(pk) != len(keys) {
		return ErrNoRow
	}
	r := columndb.NewRow(len(t.Columns))
	for i, pos := range keys {
		r.Set(pos, pk[i])
	}
	res, err := s.store.Delete(t, []columndb.Row{r})
	if err != nil {
		return fmt.Errorf("ivr: delete row: %w", err)
	}
	if res.Deleted == 0 {
		return ErrNoRow
	}
	return nil
}

// searchScanLimit bounds the rows one search page reads when the column
// searched is not the first key column and so has no ordered range.
const searchScanLimit = 20000

// SearchRows pages rows whose identifier column colID starts with prefix.
// On the first key column it is a range scan; on a later one it filters a
// scan, reading at most searchScanLimit rows per page, so a page may hold
// fewer than limit rows while next says there is more to look through.
func (s *Service) SearchRows(cid, dbid int64, colID, prefix, after string, limit int) ([]map[string]string, string, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return nil, "", err
	}
	keys := t.PrimaryKey()
	pos, ok := t.ColumnIndex(colID)
	if colID == "" || prefix == "" {
		pos, ok = keys[0], true
	}
	if !ok || !t.Columns[pos].PrimaryKey {
		return nil, "", fmt.Errorf("%w: %s is not an identifier column", ErrInvalid, colID)
	}
	if pos == keys[0] {
		return s.catalog.Rows(cid, dbid, prefix, after, limit)
	}
	var out []map[string]string
	scanned := 0
	for {
		page, err := s.store.Scan(t, "", after, limit)
		if errors.Is(err, columndb.ErrCursor) {
			return nil, "", fmt.Errorf("%w: after is not a cursor this server handed out", ErrInvalid)
		}
		if err != nil {
			return nil, "", err
		}
		for _, r := range page.Rows {
			if v, _ := r.Get(pos); strings.HasPrefix(v, prefix) {
				out = append(out, r.Map(t))
			}
		}
		scanned += len(page.Rows)
		after = page.Next
		if after == "" || len(out) >= limit || scanned >= searchScanLimit {
			return out, after, nil
		}
	}
}
