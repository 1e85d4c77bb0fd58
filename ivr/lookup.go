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

// Amount is a sum of money in the three forms an IVR needs: minor units to
// compute with, a decimal string to display or pass on, and words to speak.
type Amount struct {
	Minor  int64  `json:"minor"`
	Amount string `json:"amount"`
	Say    string `json:"say"`
}

// Field is a visible column of the caller's row.
type Field struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is the answer to one lookup.
type Result struct {
	Status     string        `json:"status"`
	Reason     string        `json:"reason,omitempty"`
	Balance    *Amount       `json:"balance,omitempty"`
	MinPayment *Amount       `json:"min_payment,omitempty"`
	MaxPayment *Amount       `json:"max_payment,omitempty"`
	Fields     []Field       `json:"fields,omitempty"`
	Input      *InputError   `json:"-"`
	RetryAfter time.Duration `json:"-"`
}

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
// ref1 value out.
func (s *Service) Lookup(cid, dbid int64, q Query) (Result, error) {
	t, row, res, err := s.match(cid, dbid, q)
	if err != nil || res.Status != "" {
		return res, err
	}
	return answer(s.plans.get(t), row), nil
}

// Reply is what a rendered lookup answers besides its body.
type Reply struct {
	Status     string
	RetryAfter time.Duration
}

// HTTPStatus is the status the reply answers with.
func (r Reply) HTTPStatus() int { return Result{Status: r.Status}.HTTPStatus() }

// AppendLookup answers as Lookup does and appends the body, JSON or, with
// kv, key=value pairs, to dst. A found caller's answer is written straight
// from the row: this is every call to a payment line.
func (s *Service) AppendLookup(dst []byte, cid, dbid int64, q Query, kv bool) (Reply, []byte, error) {
	t, row, res, err := s.match(cid, dbid, q)
	if err != nil {
		return Reply{}, dst, err
	}
	if res.Status != "" {
		if kv {
			dst = res.AppendKV(dst)
		} else {
			dst = res.AppendJSON(dst)
		}
		return Reply{Status: res.Status, RetryAfter: res.RetryAfter}, dst, nil
	}
	p := s.plans.get(t)
	a := p.amounts(row)
	status, _ := a.status()
	if kv {
		return Reply{Status: status}, p.appendKV(dst, row, a), nil
	}
	return Reply{Status: status}, p.appendJSON(dst, row, a), nil
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
	for i, pos := range refs {
		col := callerColumn(t, pos)
		raw, present := q.Param(col.ID)
		if !present {
			raw, present = q.Param(string(col.IVRField))
		}
		v, inErr := ParseDTMF(col.IVRField, col, raw, present)
		if inErr != nil {
			return nil, none, Result{Status: StatusInvalidInput, Input: inErr}, nil
		}
		vals[i] = v
	}
	var ks [2]lockKey
	ks[0] = lockKey{cid: cid, dbid: dbid, value: vals[0]}
	keys := ks[:1]
	if q.Caller != "" {
		ks[1] = lockKey{cid: cid, dbid: dbid, caller: true, value: q.Caller}
		keys = ks[:2]
	}
	if locked, wait := s.lockout.Locked(keys...); locked {
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
		s.lockout.Fail(kept[:len(keys)]...)
		return nil, none, Result{Status: StatusNotFound}, nil
	case 1:
		return t, row, Result{}, nil
	}
	return nil, none, Result{Status: StatusAmbiguous}, nil
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
