package ivr

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/lowprio"
)

// ImportMode says what an imported file does to the rows already stored.
type ImportMode string

// Import modes, as the admin page words them: "add new data to existing
// records" and "replace existing records".
const (
	ImportUpsert  ImportMode = "upsert"
	ImportReplace ImportMode = "replace"
)

// ParseImportMode reads a mode; empty means upsert.
func ParseImportMode(s string) (ImportMode, bool) {
	switch ImportMode(strings.ToLower(strings.TrimSpace(s))) {
	case "", ImportUpsert:
		return ImportUpsert, true
	case ImportReplace:
		return ImportReplace, true
	}
	return "", false
}

// ImportFormat is how a debtor file is written.
type ImportFormat string

// The file formats an import reads.
const (
	FormatCSV  ImportFormat = "csv"  // no header row, columns in the database's order
	FormatJSON ImportFormat = "json" // the signed upload's body: a row object or an array of them
)

// LineError is a refused line of an imported file.
type LineError struct {
	Index  int    `json:"index"` // 0-based record, as the JSON upload counts
	Line   int    `json:"line"`  // 1-based line of a CSV file; the record number of a JSON one
	Column string `json:"column,omitempty"`
	Error  string `json:"error"`
	// Fields are the line's values in column order, for the rejected-lines file.
	Fields []string `json:"-"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Received  int         `json:"received"`
	Inserted  int         `json:"inserted"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Deleted   int         `json:"deleted"`
	Invalid   []LineError `json:"invalid"`
}

// ImportOptions tune an import.
type ImportOptions struct {
	Mode ImportMode
	// Batch is the rows handed to the store at a time: big enough to run at
	// the upload API's speed, small enough that a million-row file never
	// sits in memory as rows.
	Batch int
	// Progress, if set, is called after each batch with the bytes of input
	// consumed (0 while unknown) and the records read.
	Progress func(bytes int64, records int)
	// Counts, if set, is called with Progress with what the import has
	// done so far (Invalid left empty): a page can show it live.
	Counts func(ImportResult)
	// Invalid, if set, receives every refused line and Result.Invalid stays
	// empty, so a file of a million bad lines need not be held in memory.
	Invalid func(LineError)
}

const defaultImportBatch = 5000

// Import reads a debtor file into a database, streaming: rows are parsed
// and written a batch at a time. In replace mode the database afterwards
// holds exactly the file's valid rows: stored rows the file does not carry
// are deleted, and a value the file leaves empty is cleared.
func (s *Service) Import(cid, dbid int64, format ImportFormat, r io.Reader, opt ImportOptions) (ImportResult, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return ImportResult{}, err
	}
	return s.importInto(t, format, r, opt)
}

// importInto parses at a lowered priority and writes each batch at
// normal priority, as uploads do (eachBatch).
func (s *Service) importInto(t *columndb.Table, format ImportFormat, r io.Reader, opt ImportOptions) (res ImportResult, err error) {
	lowprio.Bulk(func() { res, err = s.importNow(t, format, r, opt) })
	return res, err
}

func (s *Service) importNow(t *columndb.Table, format ImportFormat, r io.Reader, opt ImportOptions) (ImportResult, error) {
	if opt.Batch <= 0 {
		opt.Batch = defaultImportBatch
	}
	if opt.Mode == "" {
		opt.Mode = ImportUpsert
	}
	im := &importer{s: s, t: t, opt: opt, pk: t.PrimaryKey()}
	if opt.Mode == ImportReplace {
		im.seen = map[string]struct{}{}
		// All or nothing: a refused line is checked for before any row moves.
		checked, err := s.checkReplace(t, format, r, opt)
		if err != nil {
			return ImportResult{}, err
		}
		r = checked
	}
	var err error
	switch format {
	case FormatCSV:
		err = im.csv(r)
	case FormatJSON:
		err = im.json(r)
	default:
		err = fmt.Errorf("%w: format must be csv or json", ErrInvalid)
	}
	if err == nil {
		lowprio.Normal(func() { err = im.flush() })
	}
	if err == nil && im.seen != nil {
		lowprio.Normal(func() { err = im.sweep() })
	}
	if err != nil {
		return ImportResult{}, err
	}
	im.progress()
	return im.res, nil
}

// importer carries one import's pending batch and tallies.
type importer struct {
	s    *Service
	t    *columndb.Table
	opt  ImportOptions
	pk   []int
	res  ImportResult
	read *countingReader

	batch  []columndb.Row
	slab   columndb.RowSlab // the JSON rows of the batch
	origin []LineError      // where each batch row came from
	seen   map[string]struct{}

	dry            bool // checking a replacing file: nothing is written
	valid, refused int  // a dry run's lines
}

func (im *importer) csv(r io.Reader) error {
	im.read = &countingReader{r: r}
	index := 0
	return readCSV(im.read, func(line int, fields []string, perr error) error {
		le := LineError{Index: index, Line: line}
		index++
		im.res.Received++
		if perr != nil {
			le.Error = "not valid CSV: " + perr.Error()
			im.reject(le)
			return nil
		}
		le.Fields = append([]string(nil), fields...)
		row, col, reason := im.rowOfFields(fields)
		if reason != "" {
			le.Column, le.Error = col, reason
			im.reject(le)
			return nil
		}
		return im.add(le, row)
	})
}

// rowOfFields maps a CSV line onto the columns by position. An empty field
// is no value; fewer fields than columns leave the last ones empty.
func (im *importer) rowOfFields(fields []string) (columndb.Row, string, string) {
	cols := schemaOf(im.t).cols
	r := columndb.NewRow(len(cols))
	if len(fields) > len(cols) {
		return r, "", fmt.Sprintf("%d fields, but the database has %d columns", len(fields), len(cols))
	}
	for i, f := range fields {
		if f == "" {
			continue
		}
		v, err := cols[i].Normalize(f)
		if err != nil {
			return r, cols[i].ID, err.Error()
		}
		r.Set(i, v)
	}
	return r, "", ""
}

func (im *importer) json(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("ivr: read import: %w", err)
	}
	var addErr error
	err = parseRows(body, func(i int, fields []rawField, ok bool) {
		if addErr != nil {
			return
		}
		im.res.Received++
		le := LineError{Index: i, Line: i + 1}
		if !ok {
			le.Error = "expected an object of column values"
			im.reject(le)
			return
		}
		le.Fields = im.fieldsInOrder(fields)
		row, rerr := rowOf(&im.slab, im.t, fields, false)
		if rerr != nil {
			le.Column, le.Error = rerr.Column, rerr.Error
			im.reject(le)
			return
		}
		addErr = im.add(le, row)
	})
	if err != nil {
		return err
	}
	return addErr
}

// fieldsInOrder lays a JSON row's values out in column order, so a
// rejected JSON row reads like a CSV line in the rejected-lines file.
func (im *importer) fieldsInOrder(fields []rawField) []string {
	out := make([]string, len(im.t.Columns))
	for _, f := range fields {
		if pos, ok := im.t.ColumnIndex(f.key); ok {
			out[pos] = f.val
		}
	}
	return out
}

func (im *importer) reject(le LineError) {
	im.refused++
	if im.opt.Invalid != nil {
		im.opt.Invalid(le)
		return
	}
	im.res.Invalid = append(im.res.Invalid, le)
}

func (im *importer) add(le LineError, r columndb.Row) error {
	if im.dry {
		im.checkRow(le, r)
		return nil
	}
	im.batch = append(im.batch, r)
	im.origin = append(im.origin, le)
	if len(im.batch) >= im.opt.Batch {
		var err error
		lowprio.Normal(func() { err = im.flush() })
		return err
	}
	return nil
}

func (im *importer) progress() {
	if im.opt.Counts != nil {
		c := im.res
		c.Invalid = nil
		im.opt.Counts(c)
	}
	if im.opt.Progress == nil {
		return
	}
	var n int64
	if im.read != nil {
		n = im.read.n
	}
	im.opt.Progress(n, im.res.Received)
}

// flush writes the pending batch.
func (im *importer) flush() error {
	if len(im.batch) == 0 {
		return nil
	}
	// A batch at a time, like an upload: an import shares the ingest slots
	// with the upload API, so lookups keep their core.
	defer im.s.ingesting()()
	cleared := 0
	if im.seen != nil {
		n, err := im.clearEmptied()
		if err != nil {
			return err
		}
		cleared = n
	}
	res, err := im.s.store.Upsert(im.t, im.batch)
	if err != nil {
		return fmt.Errorf("ivr: import into %s: %w", im.t.Name, err)
	}
	refused := make(map[int]bool, len(res.Invalid))
	for _, e := range res.Invalid {
		refused[e.Index] = true
		le := im.origin[e.Index]
		le.Column, le.Error = e.Column, e.Error
		im.reject(le)
	}
	if im.seen != nil {
		for i, r := range im.batch {
			if !refused[i] {
				im.seen[im.key(r)] = struct{}{}
			}
		}
	}
	// A row deleted to clear its emptied values comes back as an insert,
	// but to the admin it was an update.
	im.res.Inserted += res.Inserted - cleared
	im.res.Updated += res.Updated + cleared
	im.res.Unchanged += res.Unchanged
	im.batch, im.origin = im.batch[:0], im.origin[:0]
	im.progress()
	return nil
}

// clearEmptied deletes the stored rows that hold a value the file now
// leaves empty: an upsert keeps values a row does not carry, and replace
// promises the database holds exactly the file.
func (im *importer) clearEmptied() (int, error) {
	var stale []columndb.Row
	for _, r := range im.batch {
		if !hasUnset(r) {
			continue
		}
		pk, ok := im.pkValues(r)
		if !ok {
			continue // the store reports the missing key
		}
		old, err := im.s.store.Get(im.t, pk...)
		if err != nil {
			continue // not stored yet (or unreadable, which the upsert reports)
		}
		for i := 0; i < r.Len(); i++ {
			_, has := r.Get(i)
			if _, had := old.Get(i); had && !has {
				stale = append(stale, r)
				break
			}
		}
	}
	if len(stale) == 0 {
		return 0, nil
	}
	res, err := im.s.store.Delete(im.t, stale)
	if err != nil {
		return 0, fmt.Errorf("ivr: import into %s: %w", im.t.Name, err)
	}
	return res.Deleted, nil
}

func hasUnset(r columndb.Row) bool {
	for i := 0; i < r.Len(); i++ {
		if _, ok := r.Get(i); !ok {
			return true
		}
	}
	return false
}

func (im *importer) pkValues(r columndb.Row) ([]string, bool) {
	vals := make([]string, len(im.pk))
	for i, pos := range im.pk {
		v, ok := r.Get(pos)
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

// key encodes primary-key values with their lengths, so no two keys of
// several columns can run into each other.
func (im *importer) key(r columndb.Row) string {
	vals, _ := im.pkValues(r)
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// sweep deletes, in replace mode, every stored row the file did not carry.
func (im *importer) sweep() error {
	after := ""
	for {
		page, err := im.s.store.Scan(im.t, "", after, im.opt.Batch)
		if err != nil {
			return fmt.Errorf("ivr: replace %s: %w", im.t.Name, err)
		}
		var gone []columndb.Row
		for _, r := range page.Rows {
			if _, ok := im.seen[im.key(r)]; !ok {
				gone = append(gone, r)
			}
		}
		if len(gone) > 0 {
			res, err := im.s.store.Delete(im.t, gone)
			if err != nil {
				return fmt.Errorf("ivr: replace %s: %w", im.t.Name, err)
			}
			im.res.Deleted += res.Deleted
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}
