package ivr

import (
	"fmt"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// callerSchema is a caller database's rules read once from a table
// definition: every lookup and upload row reads them from here, never
// from the engine's attributes.
type callerSchema struct {
	cols        []Column // by position, as in the table
	refs        []int    // positions of ref1, ref2, ref3, in that order
	keyedByRefs bool     // the refs hold the whole primary key: one point read finds a caller
	// How the database's amounts are keyed and spoken, read once: the
	// attributes they come from are JSON.
	lang money.Language
	cur  money.Currency
}

// schemaKey keeps the compiled schema with its table definition.
type schemaKey struct{}

func compileSchema(t *columndb.Table) any {
	s := &callerSchema{cols: make([]Column, len(t.Columns))}
	tel := telephonyOf(t)
	for i := range t.Columns {
		s.cols[i] = columnOf(t.Columns[i])
		if s.cols[i].Type == columndb.TypeCurrency && (tel.Language != money.EnGB || tel.Currency != money.GBP) {
			s.cols[i].amountsIn = &tel
		}
	}
	s.lang, s.cur = tel.Language, tel.Currency
	s.refs = refPositions(s.cols)
	s.keyedByRefs = len(s.refs) > 0 && columndb.CoversPrimaryKey(t.Columns, s.refs)
	return s
}

// schemaOf returns t's caller rules, compiled once per definition.
func schemaOf(t *columndb.Table) *callerSchema {
	return t.Derived(schemaKey{}, compileSchema).(*callerSchema)
}

// refColumns returns the positions of the ref columns in the order callers
// are asked for them. The slice is shared: callers must not modify it.
func refColumns(t *columndb.Table) []int { return schemaOf(t).refs }

// moneyStyle returns the language and currency of t's amounts.
func moneyStyle(t *columndb.Table) (money.Language, money.Currency) {
	s := schemaOf(t)
	return s.lang, s.cur
}

// keyedByRefs reports whether the refs a caller keys hold the table's
// whole primary key, so a lookup is one point read.
func keyedByRefs(t *columndb.Table) bool { return schemaOf(t).keyedByRefs }

// callerColumn returns the caller rules of the column at pos. The column
// is shared: callers must not modify it.
func callerColumn(t *columndb.Table, pos int) *Column { return &schemaOf(t).cols[pos] }

// roleColumn returns the position of the column that plays role r.
func roleColumn(t *columndb.Table, r Role) (int, bool) {
	for i, c := range schemaOf(t).cols {
		if c.IVRField == r {
			return i, true
		}
	}
	return 0, false
}

func refPositions(cols []Column) []int {
	var out []int
	for _, r := range RefRoles() {
		for i := range cols {
			if cols[i].IVRField == r {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// lookupIndex is the index a caller database needs for lookups, and false
// if it needs none: with no ref columns, or when the refs hold the primary
// key, which then finds the caller in one point read.
func lookupIndex(cols []columndb.Column, callers []Column) (columndb.Index, bool) {
	return columndb.LookupBy(cols, refPositions(callers))
}

// refChangeRule is what a caller database's stored rows promise about their
// refs: each value was checked against its column's digit range, and only
// against it. A column may leave the refs, and a range may widen, but a
// column whose values were never checked as keypad input cannot become a
// ref, nor can a range narrow, while rows exist.
func refChangeRule(old, next *columndb.Column) []columndb.Problem {
	o, n := columnOf(*old), columnOf(*next)
	var p []columndb.Problem
	if n.IVRField.IsRef() && !o.IVRField.IsRef() {
		p = append(p, columndb.Problem{Column: n.ID, Field: "ivr_field", Code: columndb.CodeIncompatible,
			Reason: fmt.Sprintf("stored values were not checked as keypad input, so it cannot become %s", n.IVRField)})
	}
	if n.IVRField.IsRef() && o.IVRField.IsRef() && (n.MinDTMF > o.MinDTMF || n.MaxDTMF < o.MaxDTMF) {
		p = append(p, columndb.Problem{Column: n.ID, Field: "max_dtmf", Code: columndb.CodeIncompatible,
			Reason: "the DTMF range can widen but not narrow while rows exist"})
	}
	return p
}
