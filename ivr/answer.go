package ivr

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// answerPlan is what every answer from one table definition shares: where
// the amounts are, which columns the caller's record shows, and what each
// format made of those columns once (Record.Prepared). A found caller's
// answer is then written straight from the row, without building anything
// to encode: with decoding the row, that was a third of the lookup
// handler's work in the server.
type answerPlan struct {
	balance, minPay, maxPay int // column positions; -1 when the table has none
	shown                   []ShownColumn
	pos                     []int          // shown[i] is column pos[i] of the row
	lang                    money.Language // what the amounts' phrases are spoken in
	cur                     money.Currency

	mu       sync.Mutex // serialises makers of prepared; readers only Load
	prepared atomic.Pointer[[]preparedBy]
}

// preparedBy is what one Preparer made of a plan's shown columns.
type preparedBy struct {
	by Preparer
	v  any
}

func newAnswerPlan(t *columndb.Table) *answerPlan {
	pos := func(f Role) int {
		if i, ok := roleColumn(t, f); ok {
			return i
		}
		return -1
	}
	p := &answerPlan{balance: pos(RoleBalance), minPay: pos(RoleMinPayment), maxPay: pos(RoleMaxPayment)}
	p.lang, p.cur = moneyStyle(t)
	for i, c := range t.Columns {
		if !c.Visible {
			continue
		}
		p.shown = append(p.shown, ShownColumn{ID: c.ID, Name: c.Name, Currency: c.Type == columndb.TypeCurrency})
		p.pos = append(p.pos, i)
	}
	return p
}

// plans keeps one answerPlan per table definition. A definition the admin
// changes is a new *Table, so a plan never outlives what it was made from;
// the old ones go when the set grows past what any server's tables need.
type plans struct {
	m sync.Map // *columndb.Table → *answerPlan
	n atomic.Int64
}

const maxPlans = 4096

func (ps *plans) get(t *columndb.Table) *answerPlan {
	if p, ok := ps.m.Load(t); ok {
		return p.(*answerPlan)
	}
	p := newAnswerPlan(t)
	if ps.n.Add(1) > maxPlans {
		ps.m.Clear()
		ps.n.Store(1)
	}
	ps.m.Store(t, p)
	return p
}

// amounts are a found row's sums in minor units. A missing minimum is one
// penny and a missing maximum is the balance: a caller may always pay what
// they owe.
type amounts struct {
	balance, minPay, maxPay int64
	hasBalance              bool
}

func (p *answerPlan) amounts(r columndb.Row) amounts {
	get := func(pos int) (int64, bool) {
		v, ok := r.Get(pos) // false for -1
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	var a amounts
	var hasMin, hasMax bool
	a.balance, a.hasBalance = get(p.balance)
	a.minPay, hasMin = get(p.minPay)
	a.maxPay, hasMax = get(p.maxPay)
	if !hasMin {
		a.minPay = 1
	}
	if !hasMax {
		a.maxPay = a.balance
	}
	return a
}

// status says whether the caller can pay, and if not, why.
func (a amounts) status() (string, string) {
	switch {
	case !a.hasBalance || a.balance <= 0 || a.maxPay <= 0:
		return StatusNotPayable, ReasonNoBalance
	case a.minPay > a.maxPay:
		return StatusNotPayable, ReasonMinOverMax
	}
	return StatusFound, ""
}

// found is the answer for a caller's row.
func found(p *answerPlan, r columndb.Row) Result {
	a := p.amounts(r)
	status, reason := a.status()
	return Result{Status: status, Reason: reason, Record: Record{plan: p, row: r, a: a}}
}

// Found is the answer a lookup gives when it finds row r of table t: for
// tests and tools that render an answer without a store. The service
// makes a table's plan once; this makes one a call.
func Found(t *columndb.Table, r columndb.Row) Result { return found(newAnswerPlan(t), r) }

// prepare returns what by made of the shown columns, asking it the first
// time only. Lookups read the list without a lock: it is replaced, never
// changed, and holds one entry a format.
func (p *answerPlan) prepare(by Preparer) any {
	if list := p.prepared.Load(); list != nil {
		for _, e := range *list {
			if e.by == by {
				return e.v
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var list []preparedBy
	if old := p.prepared.Load(); old != nil {
		for _, e := range *old {
			if e.by == by { // made while this call waited for the lock
				return e.v
			}
		}
		list = append(list, *old...)
	}
	v := by.Prepare(p.shown)
	list = append(list, preparedBy{by: by, v: v})
	p.prepared.Store(&list)
	return v
}
