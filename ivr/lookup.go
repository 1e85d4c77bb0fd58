package ivr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return Result{}, err
	}
	refs := t.RefColumns()
	if len(refs) == 0 {
		return Result{}, fmt.Errorf("%w: database %d has no ref1 column to look callers up by", ErrInvalid, dbid)
	}
	var valArr [3]string // ref1..ref3: the values stay on the stack
	vals := valArr[:len(refs)]
	for i, pos := range refs {
		col := &t.Columns[pos]
		raw, present := q.Param(col.ID)
		if !present {
			raw, present = q.Param(string(col.IVRField))
		}
		v, inErr := ParseDTMF(col.IVRField, col, raw, present)
		if inErr != nil {
			return Result{Status: StatusInvalidInput, Input: inErr}, nil
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
		return Result{Status: StatusLocked, RetryAfter: wait}, nil
	}
	row, n, err := s.find(t, refs, vals)
	if err != nil {
		return Result{}, err
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
		return Result{Status: StatusNotFound}, nil
	case 1:
		return answer(t, row), nil
	}
	return Result{Status: StatusAmbiguous}, nil
}

// find returns the row whose refs equal vals and how many rows do, counting
// no further than two. A database keyed by its refs is read by primary key,
// one point read; any other goes through the lookup index. Neither scans.
func (s *Service) find(t *columndb.Table, refs []int, vals []string) (columndb.Row, int, error) {
	if !t.KeyedByRefs() {
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

// answer builds a found row's reply. A missing minimum is one penny and a
// missing maximum is the balance: a caller may always pay what they owe.
// Every text it formats goes into one buffer that becomes one string: this
// runs on every successful lookup.
func answer(t *columndb.Table, r columndb.Row) Result {
	res := Result{Status: StatusFound}
	amount := func(f columndb.IVRField) (int64, bool) {
		pos, ok := t.Field(f)
		if !ok {
			return 0, false
		}
		v, ok := r.Get(pos)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	balance, hasBalance := amount(columndb.IVRBalance)
	minPay, hasMin := amount(columndb.IVRMinPayment)
	maxPay, hasMax := amount(columndb.IVRMaxPayment)
	if !hasMin {
		minPay = 1
	}
	if !hasMax {
		maxPay = balance
	}
	switch {
	case !hasBalance || balance <= 0 || maxPay <= 0:
		res.Status, res.Reason = StatusNotPayable, ReasonNoBalance
	case minPay > maxPay:
		res.Status, res.Reason = StatusNotPayable, ReasonMinOverMax
	}

	// Every text is formatted into one stack buffer that becomes one
	// string; ends records where each piece stops, in the order they are
	// handed out below (the amounts, then the currency fields).
	var (
		buf     [512]byte
		endsArr [32]int
		currArr [16]int
	)
	b, ends, curr := buf[:0], endsArr[:0], currArr[:0]
	if hasBalance {
		for _, m := range [3]int64{balance, minPay, maxPay} {
			b = columndb.AppendMinor(b, m)
			ends = append(ends, len(b))
			b = AppendSay(b, m)
			ends = append(ends, len(b))
		}
	}
	visible := 0
	for i, c := range t.Columns {
		if _, ok := r.Get(i); ok && c.Visible {
			visible++
		}
	}
	res.Fields = make([]Field, 0, visible)
	for i, c := range t.Columns {
		v, ok := r.Get(i)
		if !ok || !c.Visible {
			continue
		}
		res.Fields = append(res.Fields, Field{ID: c.ID, Name: c.Name, Value: v})
		if c.Type == columndb.TypeCurrency {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				b = columndb.AppendMinor(b, n)
				ends = append(ends, len(b))
				curr = append(curr, len(res.Fields)-1)
			}
		}
	}
	all := string(b)
	from := 0
	next := func() string {
		s := all[from:ends[0]]
		from, ends = ends[0], ends[1:]
		return s
	}
	if hasBalance {
		amounts := &[3]Amount{{Minor: balance}, {Minor: minPay}, {Minor: maxPay}}
		for i := range amounts {
			amounts[i].Amount, amounts[i].Say = next(), next()
		}
		res.Balance, res.MinPayment, res.MaxPayment = &amounts[0], &amounts[1], &amounts[2]
	}
	for _, f := range curr {
		res.Fields[f].Value = next()
	}
	return res
}
