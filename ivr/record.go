package ivr

import (
	"strconv"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// Record is a found caller's row as an answer shows it: the amounts in minor
// units and the visible columns' values. It reads the stored row through
// its table's plan as a format asks, so a lookup copies nothing it will not
// write. The zero Record is no caller: every status but found and
// not_payable carries it.
type Record struct {
	plan *answerPlan
	row  columndb.Row
	a    amounts
}

// ShownColumn is a column a found caller's answer shows: a visible column
// of the caller database.
type ShownColumn struct {
	ID       string // colA…: letters and digits, nothing to escape
	Name     string // the admin's display name: any text
	Currency bool
}

// Value is what a shown column holds in one row. A currency column holding
// minor units is an amount, for the format to write in its own way; any
// other value, a currency column's that predates its type included, is the
// text as stored.
type Value struct {
	Text   string
	Minor  int64
	Amount bool
}

// Amounts are what a found caller owes and may pay, in minor units. A
// missing minimum is one penny and a missing maximum the balance.
type Amounts struct {
	Balance, MinPayment, MaxPayment int64
}

// Preparer makes what a format writes of a table's shown columns in every
// answer, once per table definition (see Record.Prepared). It must be
// comparable, and is best a pointer or a struct of no fields: converting
// anything else to the interface allocates on every answer.
type Preparer interface {
	Prepare(shown []ShownColumn) any
}

// Found reports whether the record is a caller's row.
func (r *Record) Found() bool { return r.plan != nil }

// Amounts returns the caller's amounts, false when the row has no balance.
func (r *Record) Amounts() (Amounts, bool) {
	return Amounts{Balance: r.a.balance, MinPayment: r.a.minPay, MaxPayment: r.a.maxPay}, r.a.hasBalance
}

// AppendSay appends the phrase a TTS engine reads for minor units of the
// caller database's currency, in its language ("twelve pounds and fifty
// pence", "zwölf Euro und fünfzig Cent"). British English pounds for no
// caller.
func (r *Record) AppendSay(b []byte, minor int64) []byte {
	if r.plan == nil {
		return money.AppendSay(b, minor)
	}
	return money.AppendSayIn(b, r.plan.lang, r.plan.cur, minor)
}

// Currency is the caller database's currency; pounds for no caller.
func (r *Record) Currency() money.Currency {
	if r.plan == nil {
		return money.GBP
	}
	return r.plan.cur
}

// Shown returns the columns the answer shows, in column order; Value(i)
// is what the row holds in Shown()[i]. The slice is shared: do not change it.
func (r *Record) Shown() []ShownColumn {
	if r.plan == nil {
		return nil
	}
	return r.plan.shown
}

// Value returns what the row holds in the i-th shown column, false when the
// row does not carry it: such a column is left out of the answer.
func (r *Record) Value(i int) (Value, bool) {
	v, ok := r.row.Get(r.plan.pos[i])
	if !ok {
		return Value{}, false
	}
	if r.plan.shown[i].Currency {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return Value{Minor: n, Amount: true}, true
		}
	}
	return Value{Text: v}, true
}

// Prepared returns what by made of the shown columns of this record's
// table, making it on the first call for that table definition: a format
// renders the names and openings it writes in every answer once, and
// finds them again in a few nanoseconds. Nil when the record is no caller.
func (r *Record) Prepared(by Preparer) any {
	if r.plan == nil {
		return nil
	}
	return r.plan.prepare(by)
}
