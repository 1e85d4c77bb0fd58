package ivr

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"io"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/httpx"
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
	// InvalidMore counts the refused rows past the first maxListed.
	InvalidMore int `json:"invalid_more,omitempty"`
}

// DeleteResult is the answer to a delete upload.
type DeleteResult struct {
	Received int                 `json:"received"`
	Deleted  int                 `json:"deleted"`
	NotFound int                 `json:"not_found"`
	Invalid  []columndb.RowError `json:"invalid"`
	// InvalidMore counts the refused rows past the first maxListed.
	InvalidMore int `json:"invalid_more,omitempty"`
}

// Signed identifies an upload: who claims to send it and their signature.
type Signed struct {
	CID, DBID int64
	Hash      string
	Auth      RequestAuth // what else a signature may cover (auth_upload.go)
}

// authorize checks an upload's client, database and signature, in that
// order, and claims the signature (auth_upload.go): the caller calls the
// claim's applied once the rows are on disk, and release in any case.
func (s *Service) authorize(u Signed, method, mode string, body []byte) (*columndb.Table, *claim, error) {
	t, password, err := s.uploadKey(u)
	if err != nil {
		return nil, nil, err
	}
	cl, err := s.admitBody(t, u, password, method, mode, body)
	if err != nil {
		return nil, nil, err
	}
	return t, cl, nil
}

// Upload applies a signed upsert upload given whole. Invalid rows are
// reported and skipped; when it returns without error every valid row is
// on disk.
func (s *Service) Upload(u Signed, body []byte) (UploadResult, error) {
	t, cl, err := s.authorize(u, "POST", "upsert", body)
	if err != nil {
		return UploadResult{}, err
	}
	defer cl.release()
	return applied(s.upsertRows(t, heldBody(body)))(cl)
}

// UploadFrom is Upload of a body read from r, of size bytes (-1 if not
// announced). The client, the database and the form of the hash are
// checked before a byte of it is read, so a sender without them costs
// nothing; the body is then received (in memory if small, else on disk)
// while its hash is computed, and only a body whose hash holds is parsed,
// a batch at a time.
func (s *Service) UploadFrom(u Signed, r io.Reader, size int64) (UploadResult, error) {
	t, body, cl, err := s.receive(u, "POST", "upsert", r, size)
	if err != nil {
		return UploadResult{}, err
	}
	defer body.Discard()
	defer cl.release()
	return applied(s.upsertRows(t, body))(cl)
}

// DeleteUpload deletes the rows whose primary keys a signed body carries.
func (s *Service) DeleteUpload(u Signed, body []byte) (DeleteResult, error) {
	t, cl, err := s.authorize(u, "DELETE", "delete", body)
	if err != nil {
		return DeleteResult{}, err
	}
	defer cl.release()
	return applied(s.deleteRows(t, heldBody(body)))(cl)
}

// DeleteFrom is DeleteUpload of a body read from r, received as UploadFrom
// receives one.
func (s *Service) DeleteFrom(u Signed, r io.Reader, size int64) (DeleteResult, error) {
	t, body, cl, err := s.receive(u, "DELETE", "delete", r, size)
	if err != nil {
		return DeleteResult{}, err
	}
	defer body.Discard()
	defer cl.release()
	return applied(s.deleteRows(t, body))(cl)
}

// receive checks what a signed upload can be checked by before its body
// arrives (client, database, the signature's form and freshness), then
// receives the body while its signature is computed, and admits it: a
// signature that holds and was never applied is claimed. The caller calls
// the claim's applied once the rows are on disk, and release in any case.
func (s *Service) receive(u Signed, method, mode string, r io.Reader, size int64) (*columndb.Table, *httpx.Received, *claim, error) {
	t, password, err := s.uploadKey(u)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := s.prove(t, u, password, method, EndpointDatabase, mode)
	if err != nil {
		return nil, nil, nil, err
	}
	body, err := httpx.Receive(s.cfg.Spools, r, size, s.maxUpload(), p, s.memBodies)
	if err != nil {
		return nil, nil, nil, err
	}
	if b, held := body.Bytes(); held { // Receive tees only what it spools
		_, _ = p.Write(b)
	}
	cl, err := p.admit()
	if err != nil {
		body.Discard()
		return nil, nil, nil, err
	}
	body.Proven()
	return t, body, cl, nil
}

// applied records an upload's signature as used once its rows are on
// disk, so the answer is given only with the record kept.
func applied[R any](res R, err error) func(*claim) (R, error) {
	return func(cl *claim) (R, error) {
		var zero R
		if err != nil {
			return zero, err
		}
		if err := cl.applied(); err != nil {
			return zero, err
		}
		return res, nil
	}
}

// hashSum decodes h if it can be a signature at all: a SHA-512 digest in
// the URL-token form, 87 characters ending in a digit. prove checks it
// before a byte of the body is read.
func hashSum(h string) ([]byte, bool) {
	b, err := hash.UrlTokenDecode(h)
	return b, err == nil && len(b) == sha512.Size
}

func (s *Service) upsertRows(t *columndb.Table, body rowSource) (UploadResult, error) {
	var res UploadResult
	var refused refusals
	received, err := s.eachBatch(t, body, false, func(d *decoded) error {
		r, err := s.store.Upsert(t, d.rows)
		if err != nil {
			return fmt.Errorf("ivr: upload to %s: %w", t.Name, err)
		}
		res.Inserted += r.Inserted
		res.Updated += r.Updated
		res.Unchanged += r.Unchanged
		refused.add(mergeInvalid(d.invalid, r.Invalid, d.origin))
		return nil
	})
	if err != nil {
		return UploadResult{}, err
	}
	res.Received, res.Invalid, res.InvalidMore = received, refused.listed(), refused.more
	return res, nil
}

func (s *Service) deleteRows(t *columndb.Table, body rowSource) (DeleteResult, error) {
	var res DeleteResult
	var refused refusals
	received, err := s.eachBatch(t, body, true, func(d *decoded) error {
		r, err := s.store.Delete(t, d.rows)
		if err != nil {
			return fmt.Errorf("ivr: delete from %s: %w", t.Name, err)
		}
		res.Deleted += r.Deleted
		res.NotFound += r.NotFound
		refused.add(mergeInvalid(d.invalid, r.Invalid, d.origin))
		return nil
	})
	if err != nil {
		return DeleteResult{}, err
	}
	res.Received, res.Invalid, res.InvalidMore = received, refused.listed(), refused.more
	return res, nil
}

// maxListed is how many refused rows an answer lists; the rest are only
// counted, so a body of a million bad rows has an answer of kilobytes.
const maxListed = 1000

// refusals are the refused rows an answer lists, and the count of the rest.
type refusals struct {
	list []columndb.RowError
	more int
}

// listed is the list, [] rather than null when empty, as answers have it.
func (r *refusals) listed() []columndb.RowError {
	if r.list == nil {
		return []columndb.RowError{}
	}
	return r.list
}

func (r *refusals) add(es []columndb.RowError) {
	n := min(len(es), maxListed-len(r.list))
	r.list = append(r.list, es[:n]...)
	r.more += len(es) - n
}

// decoded is a batch of an upload body turned into rows.
type decoded struct {
	rows     []columndb.Row
	origin   []int // each row's index in the body
	invalid  []columndb.RowError
	received int
	slab     columndb.RowSlab
}

// add turns one element of the body into a row of t, or a refusal.
func (d *decoded) add(t *columndb.Table, keysOnly bool, i int, fields []rawField, ok bool) {
	d.received++
	if !ok {
		d.invalid = append(d.invalid, columndb.RowError{Index: i, Error: "expected an object of column values"})
		return
	}
	r, rerr := rowOf(&d.slab, t, fields, keysOnly)
	if rerr != nil {
		rerr.Index = i
		d.invalid = append(d.invalid, *rerr)
		return
	}
	d.rows = append(d.rows, r)
	d.origin = append(d.origin, i)
}

// decodeRows turns a body into rows of t. Rows with a value the column
// refuses are reported with their index in the body; keysOnly keeps just the
// primary-key columns (a delete need not carry valid other values).
func decodeRows(t *columndb.Table, body []byte, keysOnly bool, step func()) (rows []columndb.Row, origin []int, invalid []columndb.RowError, received int, err error) {
	var d decoded
	err = parseRows(body, func(i int, fields []rawField, ok bool) {
		d.add(t, keysOnly, i, fields, ok)
		if d.received%256 == 0 {
			step()
		}
	})
	if err != nil {
		return nil, nil, nil, 0, err
	}
	return d.rows, d.origin, d.invalid, d.received, nil
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
