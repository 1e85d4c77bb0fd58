package ivr

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// answerPlan is what every answer from one table definition shares: where
// the amounts are, which columns the caller's record shows, and those
// columns' ids and names already rendered. A found caller's answer is then
// written straight from the row, without building a Result and encoding it:
// with decoding the row, that was a third of the lookup handler's work in
// the server.
type answerPlan struct {
	balance, minPay, maxPay int // column positions; -1 when the table has none
	fields                  []planField
}

// planField is a visible column and its rendered openings.
type planField struct {
	pos      int
	id, name string
	currency bool
	json     string // {"id":…,"name":…,"value":
	kv       string // id=
}

func newAnswerPlan(t *columndb.Table) *answerPlan {
	pos := func(f Role) int {
		if i, ok := roleColumn(t, f); ok {
			return i
		}
		return -1
	}
	p := &answerPlan{balance: pos(RoleBalance), minPay: pos(RoleMinPayment), maxPay: pos(RoleMaxPayment)}
	for i, c := range t.Columns {
		if !c.Visible {
			continue
		}
		j := appendJSONString(append([]byte(nil), `{"id":`...), c.ID)
		j = appendJSONString(append(j, `,"name":`...), c.Name)
		j = append(j, `,"value":`...)
		p.fields = append(p.fields, planField{pos: i, id: c.ID, name: c.Name, currency: c.Type == columndb.TypeCurrency,
			json: string(j), kv: c.ID + "="})
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

// value is what a field shows: a currency column's minor units as an
// amount, anything else as stored.
func (f *planField) value(b []byte, v string) ([]byte, bool) {
	if f.currency {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return money.AppendMinor(b, n), true
		}
	}
	return b, false
}

// answer builds a found row's reply as a Result: for callers that want the
// structure (the admin's lookup tester). The IVR endpoint renders the same
// answer with appendJSON or appendKV, which a test holds byte for byte to
// this Result's rendering.
func answer(p *answerPlan, r columndb.Row) Result {
	a := p.amounts(r)
	res := Result{}
	res.Status, res.Reason = a.status()
	if a.hasBalance {
		amount := func(m int64) *Amount {
			return &Amount{Minor: m, Amount: money.FormatMinor(m), Say: money.Say(m)}
		}
		res.Balance, res.MinPayment, res.MaxPayment = amount(a.balance), amount(a.minPay), amount(a.maxPay)
	}
	for i := range p.fields {
		f := &p.fields[i]
		v, ok := r.Get(f.pos)
		if !ok {
			continue
		}
		if b, ok := f.value(nil, v); ok {
			v = string(b)
		}
		res.Fields = append(res.Fields, Field{ID: f.id, Name: f.name, Value: v})
	}
	return res
}

// appendJSON appends a found row's answer as Result.AppendJSON would
// render answer(p, r).
func (p *answerPlan) appendJSON(b []byte, r columndb.Row, a amounts) []byte {
	status, reason := a.status()
	b = append(b, `{"status":"`...)
	b = append(b, status...) // statuses and reasons are plain ASCII words
	b = append(b, '"')
	if reason != "" {
		b = append(b, `,"reason":"`...)
		b = append(b, reason...)
		b = append(b, '"')
	}
	if a.hasBalance {
		b = appendAmountDirect(b, `,"balance":`, a.balance)
		b = appendAmountDirect(b, `,"min_payment":`, a.minPay)
		b = appendAmountDirect(b, `,"max_payment":`, a.maxPay)
	}
	n := 0
	for i := range p.fields {
		f := &p.fields[i]
		v, ok := r.Get(f.pos)
		if !ok {
			continue
		}
		if n == 0 {
			b = append(b, `,"fields":[`...)
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, f.json...)
		if nb, ok := f.value(append(b, '"'), v); ok { // an amount needs no escaping
			b = append(nb, '"')
		} else {
			b = appendJSONString(b, v)
		}
		b = append(b, '}')
	}
	if n > 0 {
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendAmountDirect writes an amount whose texts need no escaping: digits,
// a point and a sign, and the spoken words.
func appendAmountDirect(b []byte, key string, minor int64) []byte {
	b = append(b, key...)
	b = append(b, `{"minor":`...)
	b = strconv.AppendInt(b, minor, 10)
	b = append(b, `,"amount":"`...)
	b = money.AppendMinor(b, minor)
	b = append(b, `","say":"`...)
	b = money.AppendSay(b, minor)
	return append(b, `"}`...)
}

// appendKV appends a found row's answer as Result.AppendKV would render
// answer(p, r).
func (p *answerPlan) appendKV(b []byte, r columndb.Row, a amounts) []byte {
	status, reason := a.status()
	b = append(b, "status="...)
	b = append(b, status...) // letters and '_' need no escaping
	if reason != "" {
		b = append(b, "&reason="...)
		b = append(b, reason...)
	}
	if a.hasBalance {
		b = appendAmountKV(b, "&balance=", "&balance_minor=", "&balance_say=", a.balance)
		b = appendAmountKV(b, "&min_payment=", "&min_payment_minor=", "&min_payment_say=", a.minPay)
		b = appendAmountKV(b, "&max_payment=", "&max_payment_minor=", "&max_payment_say=", a.maxPay)
	}
	for i := range p.fields {
		f := &p.fields[i]
		v, ok := r.Get(f.pos)
		if !ok {
			continue
		}
		b = append(b, '&')
		b = append(b, f.kv...)
		if nb, ok := f.value(b, v); ok {
			b = nb
		} else {
			b = appendQueryEscape(b, v)
		}
	}
	return b
}

func appendAmountKV(b []byte, amountKey, minorKey, sayKey string, minor int64) []byte {
	b = append(b, amountKey...)
	b = money.AppendMinor(b, minor) // digits, '.', '-': unreserved
	b = append(b, minorKey...)
	b = strconv.AppendInt(b, minor, 10)
	b = append(b, sayKey...)
	start := len(b)
	b = money.AppendSay(b, minor)
	for i := start; i < len(b); i++ { // the words are letters and spaces
		if b[i] == ' ' {
			b[i] = '+'
		}
	}
	return b
}
