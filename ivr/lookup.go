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
	keys := lockKeys(cid, dbid, vals[0], q.Caller)
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
	if !columndb.KeyedByRefs(t.Columns) {
		return s.store.Lookup(t, columndb.LookupIndex, vals, 2)
	}
	var pk []string
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

func lockKeys(cid, dbid int64, ref1, caller string) []string {
	base := strconv.FormatInt(cid, 10) + "/" + strconv.FormatInt(dbid, 10)
	keys := []string{base + "/ref1/" + ref1}
	if caller != "" {
		// Per database and caller: a caller locked out of one merchant's
		// line is not locked out of another's.
		keys = append(keys, base+"/caller/"+caller)
	}
	return keys
}

// answer builds a found row's reply. A missing minimum is one penny and a
// missing maximum is the balance: a caller may always pay what they owe.
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
	if hasBalance {
		res.Balance = amountOf(balance)
		res.MinPayment, res.MaxPayment = amountOf(minPay), amountOf(maxPay)
	}
	switch {
	case !hasBalance || balance <= 0 || maxPay <= 0:
		res.Status, res.Reason = StatusNotPayable, ReasonNoBalance
	case minPay > maxPay:
		res.Status, res.Reason = StatusNotPayable, ReasonMinOverMax
	}
	for i, c := range t.Columns {
		if !c.Visible {
			continue
		}
		v, ok := r.Get(i)
		if !ok {
			continue
		}
		if c.Type == columndb.TypeCurrency {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				v = columndb.FormatMinor(n)
			}
		}
		res.Fields = append(res.Fields, Field{ID: c.ID, Name: c.Name, Value: v})
	}
	return res
}

func amountOf(minor int64) *Amount {
	return &Amount{Minor: minor, Amount: columndb.FormatMinor(minor), Say: SayPounds(minor)}
}
