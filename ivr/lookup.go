package ivr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// Lookup statuses, as the IVR receives them.
const (
	StatusFound        = "found"
	StatusNotPayable   = "not_payable"
	StatusNotFound     = "not_found"
	StatusAmbiguous    = "ambiguous"
	StatusInvalidInput = "invalid_input"
	StatusLocked       = "locked"
)

// Result is the answer to one lookup, as every format renders it (see
// Format). It knows nothing of any wire: which HTTP status a Status
// answers with is the handler's business.
type Result struct {
	Status     string
	Reason     string        // not_payable: why the caller cannot pay
	Input      *InputError   // invalid_input: the ref refused, and why
	RetryAfter time.Duration // locked: how long until the caller may try again
	Record     Record        // found and not_payable: the caller's row
}

// RetrySeconds is RetryAfter in whole seconds, rounded up: telephony
// platforms and Retry-After count in seconds, and a caller told to wait
// 0 seconds would be refused again.
func (r *Result) RetrySeconds() int { return int((r.RetryAfter + time.Second - 1) / time.Second) }

// Reasons a found caller is not payable.
const (
	ReasonNoBalance  = "no_balance"
	ReasonMinOverMax = "min_over_max"
)

// Query carries what the platform sent: parameters by name (a column id in
// any case, or ref1..ref3) and the caller's number if it passed one.
type Query struct {
	Param  func(name string) (string, bool)
	Caller string
}

// Lookup finds the caller whose keyed refs match one row of the database.
// The refs go through the same normalisation as uploaded values and are
// found through the lookup index; repeated misses lock the caller and the
// ref1 value out. A found caller's Result reads the row as it is rendered:
// this is every call to a payment line, and it builds nothing to encode.
func (s *Service) Lookup(cid, dbid int64, q Query) (Result, error) {
	t, row, res, err := s.match(cid, dbid, q)
	if err != nil || res.Status != "" {
		return res, err
	}
	return found(s.plans.get(t), row), nil
}

// match finds the one row the caller's refs name. When there is none, or
// the input or the caller is refused, it returns that answer instead, with
// its Status set.
func (s *Service) match(cid, dbid int64, q Query) (*columndb.Table, columndb.Row, Result, error) {
	var none columndb.Row
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return nil, none, Result{}, err
	}
	refs := refColumns(t)
	if len(refs) == 0 {
		return nil, none, Result{}, fmt.Errorf("%w: database %d has no ref1 column to look callers up by", ErrInvalid, dbid)
	}
	var valArr [3]string // ref1..ref3: the values stay on the stack
	vals := valArr[:len(refs)]
	if inErr := parseRefs(t, refs, q, vals); inErr != nil {
		return nil, none, Result{Status: StatusInvalidInput, Input: inErr}, nil
	}
	var ks [2]lockKey
	ks[0] = lockKey{cid: cid, dbid: dbid, value: vals[0]}
	keys := ks[:1]
	if q.Caller != "" {
		ks[1] = lockKey{cid: cid, dbid: dbid, caller: true, value: q.Caller}
		keys = ks[:2]
	}
	if locked, wait := s.lockout.Locked(cid, keys...); locked {
		return nil, none, Result{Status: StatusLocked, RetryAfter: wait}, nil
	}
	row, n, err := s.find(t, refs, vals)
	if err != nil {
		return nil, none, Result{}, err
	}
	switch n {
	case 0:
		// The lockout keeps what it counts, so it gets copies: the
		// query's own strings then need not outlive a lookup that finds.
		var kept [2]lockKey
		for i, k := range keys {
			kept[i] = lockKey{cid: k.cid, dbid: k.dbid, caller: k.caller, value: strings.Clone(k.value)}
		}
		s.lockout.Fail(cid, kept[:len(keys)]...)
		return nil, none, Result{Status: StatusNotFound}, nil
	case 1:
		return t, row, Result{}, nil
	}
	return nil, none, Result{Status: StatusAmbiguous}, nil
}

// parseRefs reads the refs at positions refs from q, by column id or ivr
// field, into vals, as stored and indexed; or says which ref is refused.
func parseRefs(t *columndb.Table, refs []int, q Query, vals []string) *InputError {
	for i, pos := range refs {
		col := callerColumn(t, pos)
		raw, present := q.Param(col.ID)
		if !present {
			raw, present = q.Param(string(col.IVRField))
		}
		v, inErr := ParseDTMF(col.IVRField, col, raw, present)
		if inErr != nil {
			return inErr
		}
		vals[i] = v
	}
	return nil
}

// find returns the row whose refs equal vals and how many rows do, counting
// no further than two. A database keyed by its refs is read by primary key,
// one point read; any other goes through the lookup index. Neither scans.
func (s *Service) find(t *columndb.Table, refs []int, vals []string) (columndb.Row, int, error) {
	if !keyedByRefs(t) {
		rows, err := s.store.Lookup(t, columndb.LookupIndex, slices.Clone(vals), 2)
		if err != nil || len(rows) == 0 {
			return columndb.Row{}, 0, err
		}
		return rows[0], len(rows), nil
	}
	var pkb [4]string
	pk := pkb[:0]
	for _, p := range t.PrimaryKey() {
		pk = append(pk, vals[slices.Index(refs, p)])
	}
	r, err := s.store.Get(t, pk...)
	if errors.Is(err, columndb.ErrNotFound) {
		return columndb.Row{}, 0, nil
	}
	if err != nil {
		return columndb.Row{}, 0, err
	}
	for i, pos := range refs {
		if v, _ := r.Get(pos); v != vals[i] {
			return columndb.Row{}, 0, nil
		}
	}
	return r, 1, nil
}

// lockKey is what the lockout counts misses against: a ref1 value, or a
// caller's number, in one database. A caller locked out of one merchant's
// line is not locked out of another's.
type lockKey struct {
	cid, dbid int64
	caller    bool
	value     string
}
