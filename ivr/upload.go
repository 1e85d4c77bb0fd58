package ivr

import (
	"errors"
	"fmt"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
)

// Upload errors, in the order they are checked, with the ActivePay wording:
// their texts are answered as they are, so they keep the guide's capitals.
var (
	ErrInvalidClient   = errors.New("Invalid clientid")    //lint:ignore ST1005 ActivePay's wire text
	ErrInvalidDatabase = errors.New("Invalid database ID") //lint:ignore ST1005 ActivePay's wire text
	ErrInvalidHash     = errors.New("Invalid hash")        //lint:ignore ST1005 ActivePay's wire text
)

// UploadResult is the answer to an upsert upload.
type UploadResult struct {
	Received  int                 `json:"received"`
	Inserted  int                 `json:"inserted"`
	Updated   int                 `json:"updated"`
	Unchanged int                 `json:"unchanged"`
	Invalid   []columndb.RowError `json:"invalid"`
}

// DeleteResult is the answer to a delete upload.
type DeleteResult struct {
	Received int                 `json:"received"`
	Deleted  int                 `json:"deleted"`
	NotFound int                 `json:"not_found"`
	Invalid  []columndb.RowError `json:"invalid"`
}

// Signed identifies an upload: who claims to send it and their signature.
type Signed struct {
	CID, DBID int64
	Hash      string
}

// authorize checks an upload's client, database and hash, in that order.
func (s *Service) authorize(u Signed, body []byte) (*columndb.Table, error) {
	t, password, err := s.uploadKey(u)
	if err != nil {
		return nil, err
	}
	if !hash.Verify(u.CID, u.DBID, password, body, u.Hash) {
		return nil, ErrInvalidHash
	}
	return t, nil
}

// Upload applies a signed upsert upload. Invalid rows are reported and
// skipped; when it returns without error every valid row is on disk.
func (s *Service) Upload(u Signed, body []byte) (UploadResult, error) {
	t, err := s.authorize(u, body)
	if err != nil {
		return UploadResult{}, err
	}
	d, release, err := s.decodeHeld(t, body, false)
	defer release()
	if err != nil {
		return UploadResult{}, err
	}
	res, err := s.store.Upsert(t, d.rows)
	if err != nil {
		return UploadResult{}, fmt.Errorf("ivr: upload to %d/%d: %w", u.CID, u.DBID, err)
	}
	return UploadResult{Received: d.received, Inserted: res.Inserted, Updated: res.Updated, Unchanged: res.Unchanged,
		Invalid: mergeInvalid(d.invalid, res.Invalid, d.origin)}, nil
}

// DeleteUpload deletes the rows whose primary keys a signed body carries.
func (s *Service) DeleteUpload(u Signed, body []byte) (DeleteResult, error) {
	t, err := s.authorize(u, body)
	if err != nil {
		return DeleteResult{}, err
	}
	d, release, err := s.decodeHeld(t, body, true)
	defer release()
	if err != nil {
		return DeleteResult{}, err
	}
	res, err := s.store.Delete(t, d.rows)
	if err != nil {
		return DeleteResult{}, fmt.Errorf("ivr: delete from %d/%d: %w", u.CID, u.DBID, err)
	}
	return DeleteResult{Received: d.received, Deleted: res.Deleted, NotFound: res.NotFound,
		Invalid: mergeInvalid(d.invalid, res.Invalid, d.origin)}, nil
}

// decoded is an upload body turned into rows.
type decoded struct {
	rows     []columndb.Row
	origin   []int // each row's index in the body
	invalid  []columndb.RowError
	received int
}

// decodeHeld decodes body and returns holding an ingest slot, which the
// caller releases by calling the func, whatever the error.
func (s *Service) decodeHeld(t *columndb.Table, body []byte, keysOnly bool) (decoded, func(), error) {
	var d decoded
	var err error
	release := s.parseThenIngest(func() {
		d.rows, d.origin, d.invalid, d.received, err = decodeRows(t, body, keysOnly, s.cfg.Pacer.Steps())
	})
	return d, release, err
}

// decodeRows turns a body into rows of t. Rows with a value the column
// refuses are reported with their index in the body; keysOnly keeps just the
// primary-key columns (a delete need not carry valid other values).
func decodeRows(t *columndb.Table, body []byte, keysOnly bool, step func()) (rows []columndb.Row, origin []int, invalid []columndb.RowError, received int, err error) {
	var slab columndb.RowSlab
	err = parseRows(body, func(i int, fields []rawField, ok bool) {
		received++
		if received%256 == 0 {
			// A large body takes tens of milliseconds to parse: lookups
			// waiting for this core go first now and then.
			step()
		}
		if !ok {
			invalid = append(invalid, columndb.RowError{Index: i, Error: "expected an object of column values"})
			return
		}
		r, rerr := rowOf(&slab, t, fields, keysOnly)
		if rerr != nil {
			rerr.Index = i
			invalid = append(invalid, *rerr)
			return
		}
		rows = append(rows, r)
		origin = append(origin, i)
	})
	if err != nil {
		return nil, nil, nil, 0, err
	}
	return rows, origin, invalid, received, nil
}

func rowOf(slab *columndb.RowSlab, t *columndb.Table, fields []rawField, keysOnly bool) (columndb.Row, *columndb.RowError) {
	r := slab.New(len(t.Columns))
	cols := schemaOf(t).cols
	for _, f := range fields {
		pos, ok := t.ColumnIndex(f.key)
		if !ok {
			return r, &columndb.RowError{Column: f.key, Error: "no such column"}
		}
		col := &cols[pos]
		if _, dup := r.Get(pos); dup {
			return r, &columndb.RowError{Column: col.ID, Error: "column given twice"}
		}
		if keysOnly && !col.PrimaryKey {
			continue
		}
		switch f.kind {
		case kindNull:
			continue // a null leaves the stored value as it is
		case kindOther:
			return r, &columndb.RowError{Column: col.ID, Error: "expected a string or number"}
		}
		v, err := col.Normalize(f.val)
		if err != nil {
			return r, &columndb.RowError{Column: col.ID, Error: err.Error()}
		}
		r.Set(pos, v)
	}
	return r, nil
}

// mergeInvalid reports the store's refusals by body index, in body order.
func mergeInvalid(parsed, stored []columndb.RowError, origin []int) []columndb.RowError {
	out := make([]columndb.RowError, 0, len(parsed)+len(stored))
	for _, e := range stored {
		e.Index = origin[e.Index]
		out = append(out, e)
	}
	out = append(out, parsed...)
	sortRowErrors(out)
	return out
}
