package columndb

import (
	"errors"
	"strings"
)

// Problem is one rule a schema or a schema change breaks, as a value a
// page can place next to the field it is about instead of parsing text.
type Problem struct {
	// Column names the column: its id, or "column N" when the id itself is
	// what is wrong; empty for a problem of the whole table.
	Column string `json:"column,omitempty"`
	// Field is the column's attribute at fault ("name", "type", or an
	// owner's attribute such as "ivr_field"); empty if none in particular.
	Field string `json:"field,omitempty"`
	// Code says what kind of rule it is, for code to branch on.
	Code string `json:"code"`
	// Reason says it in words an admin can act on.
	Reason string `json:"reason"`
}

// Codes of the rules the engine checks; owners may add their own.
const (
	CodeRequired     = "required"       // a value must be given
	CodeInvalid      = "invalid"        // not one of the allowed values or forms
	CodeDuplicate    = "duplicate"      // used twice where it must be unique
	CodeTooLong      = "too_long"       // longer than allowed
	CodeNotApplic    = "not_applicable" // given where it has no meaning
	CodeMissing      = "missing"        // something the definition needs is absent
	CodeIncompatible = "incompatible"   // stored rows would not survive the change
)

// String is the problem as one line of text: "colB: name is required".
func (p Problem) String() string {
	if p.Column == "" {
		return p.Reason
	}
	return p.Column + ": " + p.Reason
}

// Texts returns every problem as a line of text, in order.
func Texts(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// SchemaError lists every rule a schema breaks, so an admin fixes them in one go.
type SchemaError struct{ Problems []Problem }

func (e *SchemaError) Error() string {
	return "columndb: invalid schema: " + strings.Join(Texts(e.Problems), "; ")
}

// IncompatibleError lists the changes a table's stored rows would not
// survive; it matches ErrIncompatible.
type IncompatibleError struct{ Problems []Problem }

func (e *IncompatibleError) Error() string {
	return ErrIncompatible.Error() + ": " + strings.Join(Texts(e.Problems), "; ")
}

// Unwrap lets errors.Is match ErrIncompatible.
func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// ProblemsOf returns the structured problems an error carries, from a
// SchemaError or an IncompatibleError anywhere in its chain.
func ProblemsOf(err error) ([]Problem, bool) {
	var se *SchemaError
	if errors.As(err, &se) {
		return se.Problems, true
	}
	var ie *IncompatibleError
	if errors.As(err, &ie) {
		return ie.Problems, true
	}
	return nil, false
}
