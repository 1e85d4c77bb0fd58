package ivr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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
	vals := make([]string, len(refs))
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
	rows, err := s.find(t, refs, vals)
	if err != nil {
		return Result{}, err
	}
	switch len(rows) {
	case 0:
		s.lockout.Fail(keys...)
		return Result{Status: StatusNotFound}, nil
	case 1:
		return answer(t, rows[0]), nil
	}
	return Result{Status: StatusAmbiguous}, nil
}

// find returns the rows whose refs equal vals, at most two. A database keyed
// by its refs is read by primary key, one point read; any other goes
// through the lookup index. Neither scans.
func (s *Service) find(t *columndb.Table, refs []int, vals []string) ([]columndb.Row, error) {
	if !t.KeyedByRefs() {
		return s.store.Lookup(t, columndb.LookupIndex, vals, 2)
	}
	var pkb [4]string
	pk := pkb[:0]
	for _, p := range t.PrimaryKey() {
		pk = append(pk, vals[slices.Index(refs, p)])
	}
	r, err := s.store.Get(t, pk...)
	if errors.Is(err, columndb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for i, pos := range refs {
		if v, _ := r.Get(pos); v != vals[i] {
			return nil, nil
		}
	}
	return []columndb.Row{r}, nil
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

	var tb textBuf
	tb.init()
	if hasBalance {
		amounts := &[3]Amount{{Minor: balance}, {Minor: minPay}, {Minor: maxPay}}
		for i := range amounts {
			tb.b = columndb.AppendMinor(tb.b, amounts[i].Minor)
			tb.mark(&amounts[i].Amount)
			tb.b = AppendSay(tb.b, amounts[i].Minor)
			tb.mark(&amounts[i].Say)
		}
		res.Balance, res.MinPayment, res.MaxPayment = &amounts[0], &amounts[1], &amounts[2]
	}
	visible := 0
	for i, c := range t.Columns {
		if _, ok := r.Get(i); ok && c.Visible {
			visible++
		}
	}
	res.Fields = make([]Field, 0, visible) // exact: tb keeps pointers into it
	for i, c := range t.Columns {
		v, ok := r.Get(i)
		if !ok || !c.Visible {
			continue
		}
		res.Fields = append(res.Fields, Field{ID: c.ID, Name: c.Name, Value: v})
		if c.Type == columndb.TypeCurrency {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				tb.b = columndb.AppendMinor(tb.b, n)
				tb.mark(&res.Fields[len(res.Fields)-1].Value)
			}
		}
	}
	tb.finish()
	return res
}

// textBuf formats several strings into one buffer and hands each out as a
// substring of a single allocation.
type textBuf struct {
	b    []byte
	dst  []*string
	ends []int
	arr  struct {
		b    [512]byte
		dst  [16]*string
		ends [16]int
	}
}

func (t *textBuf) init() { t.b, t.dst, t.ends = t.arr.b[:0], t.arr.dst[:0], t.arr.ends[:0] }

// mark says that the bytes written since the last mark are *dst's value.
func (t *textBuf) mark(dst *string) {
	t.dst = append(t.dst, dst)
	t.ends = append(t.ends, len(t.b))
}

func (t *textBuf) finish() {
	all := string(t.b)
	from := 0
	for i, d := range t.dst {
		*d = all[from:t.ends[i]]
		from = t.ends[i]
	}
}
