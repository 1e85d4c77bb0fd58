package ivr

import (
	"fmt"

	"github.com/tonebase/tonebase/columndb"
)

// Codes of the caller-database rules, beside the engine's own.
const (
	CodeRoleType  = "role_type"  // the column's type cannot play its role
	CodeRoleOrder = "role_order" // a ref is defined without the ones asked before it
	CodeRange     = "range"      // a digit range outside what a keypad allows
)

// checkColumns checks a caller database's columns against every schema
// rule and returns all the problems found, each naming its column (its id,
// or "column N" when the id is what is wrong) and the field at fault. The
// columns are normalised first.
func checkColumns(cols []Column) []columndb.Problem {
	var p []columndb.Problem
	add := func(col, field, code, format string, args ...any) {
		p = append(p, columndb.Problem{Column: col, Field: field, Code: code, Reason: fmt.Sprintf(format, args...)})
	}
	if len(cols) == 0 {
		return []columndb.Problem{{Code: columndb.CodeMissing, Reason: "a database needs at least one column"}}
	}
	seen := map[string]bool{}
	roles := map[Role]string{}
	pk := 0
	for i, c := range cols {
		label := c.ID
		if _, ok := columndb.CanonicalColumnID(c.ID); !ok {
			label = fmt.Sprintf("column %d", i+1)
			add(label, "id", columndb.CodeInvalid, "id %q must be col followed by one or two letters (colA, colAB)", c.ID)
		} else if seen[c.ID] {
			add(label, "id", columndb.CodeDuplicate, "id is used twice")
		}
		seen[c.ID] = true
		if c.Name == "" {
			add(label, "name", columndb.CodeRequired, "name is required")
		} else if len(c.Name) > 100 {
			add(label, "name", columndb.CodeTooLong, "name is longer than 100 characters")
		}
		if !oneOf(c.Type, columndb.Types()) {
			add(label, "type", columndb.CodeInvalid, "type %q must be one of %s", c.Type, columndb.List(columndb.Types()))
		}
		if c.Type == columndb.TypeDate && !oneOf(c.Format, columndb.DateFormats()) {
			add(label, "format", columndb.CodeInvalid, "format %q must be one of %s", c.Format, columndb.List(columndb.DateFormats()))
		}
		if c.Type != columndb.TypeDate && c.Format != "" {
			add(label, "format", columndb.CodeNotApplic, "format applies only to date columns")
		}
		if c.PrimaryKey {
			pk++
			if !c.Required {
				add(label, "required", columndb.CodeRequired, "a primary key column must be required")
			}
		}
		if !oneOf(c.IVRField, Roles()) {
			add(label, "ivr_field", columndb.CodeInvalid, "ivr_field %q must be one of %s", c.IVRField, columndb.List(Roles()))
			continue
		}
		if c.IVRField != RoleNone {
			if other, dup := roles[c.IVRField]; dup {
				add(label, "ivr_field", columndb.CodeDuplicate, "ivr_field %s is already played by %s", c.IVRField, other)
			}
			roles[c.IVRField] = label
		}
		switch {
		case c.IVRField.IsRef():
			if c.Type != columndb.TypeNumeric && c.Type != columndb.TypeDate {
				add(label, "type", CodeRoleType, "%s is keyed on a phone keypad, so its type must be numeric or date", c.IVRField)
			}
			if !c.Required {
				add(label, "required", columndb.CodeRequired, "%s must be required: a row without it can never be found by a caller", c.IVRField)
			}
			if c.MinDTMF < 1 || c.MinDTMF > MaxDTMFLimit || c.MaxDTMF < 1 || c.MaxDTMF > MaxDTMFLimit {
				add(label, "max_dtmf", CodeRange, "min_dtmf and max_dtmf must be between 1 and %d", MaxDTMFLimit)
			} else if c.MinDTMF > c.MaxDTMF {
				add(label, "max_dtmf", CodeRange, "min_dtmf %d is more than max_dtmf %d", c.MinDTMF, c.MaxDTMF)
			} else if c.Type == columndb.TypeDate && (c.MinDTMF != 8 || c.MaxDTMF != 8) {
				add(label, "max_dtmf", CodeRange, "a date is keyed as 8 digits, so min_dtmf and max_dtmf must be 8")
			}
		case c.IVRField != RoleNone:
			if c.Type != columndb.TypeCurrency {
				add(label, "type", CodeRoleType, "%s is an amount, so its type must be currency", c.IVRField)
			}
			fallthrough
		default:
			if c.MinDTMF != 0 || c.MaxDTMF != 0 {
				add(label, "max_dtmf", columndb.CodeNotApplic, "min_dtmf and max_dtmf apply only to ref1, ref2 and ref3 columns")
			}
		}
	}
	if pk == 0 {
		add("", "primary_key", columndb.CodeMissing, "at least one column must be a primary key (identifier)")
	}
	if roles[RoleRef3] != "" && roles[RoleRef2] == "" {
		add("", "ivr_field", CodeRoleOrder, "ref3 needs a ref2: callers are asked for refs in order")
	}
	if roles[RoleRef2] != "" && roles[RoleRef1] == "" {
		add("", "ivr_field", CodeRoleOrder, "ref2 needs a ref1: callers are asked for refs in order")
	}
	return p
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
