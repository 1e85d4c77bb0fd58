package web

import (
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// The pages show values as the people who run a payment line read them:
// counts with thousands separators, amounts with their currency's sign,
// dates with separators in their column's order, outcomes in words. What
// is stored, and what the IVR gets, stays as it was.

// grouped writes n with a comma between each three digits: 200,989.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// number is grouped for any integer a template holds.
func number(v any) string {
	switch n := v.(type) {
	case int:
		return grouped(int64(n))
	case int64:
		return grouped(n)
	case int32:
		return grouped(int64(n))
	}
	return ""
}

// plural is a count and its noun, agreeing: "1 client", "2,000 clients".
func plural(v any, one, many string) string {
	s := number(v)
	if s == "1" {
		return s + " " + one
	}
	return s + " " + many
}

// noun is one or many as a count of n needs.
func noun(v any, one, many string) string {
	if number(v) == "1" {
		return one
	}
	return many
}

// amount is minor units as an admin reads them: £1,250.00, -€3.10.
func amount(cur money.Currency, minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return sign + cur.Symbol() + grouped(minor/100) + "." + strconv.FormatInt(minor%100/10, 10) + strconv.FormatInt(minor%10, 10)
}

// byteSize is a file's size in the unit that reads best.
func byteSize(n int64) string {
	switch {
	case n >= 10<<20:
		return grouped(n>>20) + " MiB"
	case n >= 10<<10:
		return grouped(n>>10) + " KiB"
	}
	return plural(n, "byte", "bytes")
}

// date puts separators into an 8-digit date in its column's order:
// 01/02/1990 for DDMMYYYY and MMDDYYYY, 1990-02-01 for YYYYMMDD. Anything
// else is shown as stored.
func date(f columndb.DateFormat, v string) string {
	if len(v) != 8 || strings.Trim(v, "0123456789") != "" {
		return v
	}
	if f == columndb.YYYYMMDD {
		return v[:4] + "-" + v[4:6] + "-" + v[6:]
	}
	return v[:2] + "/" + v[2:4] + "/" + v[4:]
}

// cell shows a stored value of db's column c as an admin reads it.
func cell(db ivr.Database, c ivr.Column, v string) string {
	if v == "" {
		return v
	}
	switch c.Type {
	case columndb.TypeCurrency:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return amount(currencyOf(db), n)
		}
	case columndb.TypeInteger:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return grouped(n)
		}
	case columndb.TypeDate:
		f := c.Format
		if f == "" {
			f = columndb.DDMMYYYY
		}
		return date(f, v)
	}
	return v
}

// cellOf is cell for the column of db with id; a column since removed
// shows its value as stored.
func cellOf(db ivr.Database, id, v string) string {
	for _, c := range db.Columns {
		if c.ID == id {
			return cell(db, c, v)
		}
	}
	return v
}

// numeric reports whether a column's values line up on the right: amounts
// and counts, not digit strings such as account numbers.
func numeric(c ivr.Column) bool {
	return c.Type == columndb.TypeCurrency || c.Type == columndb.TypeInteger
}

func currencyOf(db ivr.Database) money.Currency {
	if db.Currency == "" {
		return money.GBP
	}
	return db.Currency
}

// outcome names a lookup status in words: "not payable", not not_payable.
func outcome(status string) string {
	if w, ok := outcomeWords[status]; ok {
		return w
	}
	return strings.ReplaceAll(status, "_", " ")
}

var outcomeWords = map[string]string{
	ivr.StatusFound: "found", ivr.StatusNotPayable: "not payable", ivr.StatusNotFound: "not found",
	ivr.StatusAmbiguous: "more than one caller", ivr.StatusInvalidInput: "invalid input",
	ivr.StatusLocked: "locked out", "error": "could not answer",
}
