package ivr

import (
	"github.com/tonebase/tonebase/columndb"
)

// Reasons an input is refused, as the IVR receives them.
const (
	ReasonMissing   = "missing"
	ReasonNotDigits = "not_digits"
	ReasonTooShort  = "too_short"
	ReasonTooLong   = "too_long"
	ReasonBadDate   = "bad_date"
)

// InputError says which keyed field was wrong and why, with the bounds the
// IVR can read back to the caller.
type InputError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
	Min    int    `json:"min"`
	Max    int    `json:"max"`
}

func (e *InputError) Error() string { return "ivr: " + e.Field + ": " + e.Reason }

// ParseDTMF applies a ref column's keypad rules to what the platform sent
// and returns the value as it is stored. One trailing '#' is dropped (it
// terminates input on most platforms); '*', Amazon Connect's "Timeout" and
// anything else that is not a digit is invalid input, never a lookup.
func ParseDTMF(field Role, col *Column, raw string, present bool) (string, *InputError) {
	// The error is built only on failure: this runs for every ref of every
	// lookup.
	fail := func(reason string) (string, *InputError) {
		return "", &InputError{Field: string(field), Reason: reason, Min: col.MinDTMF, Max: col.MaxDTMF}
	}
	if len(raw) > 0 && raw[len(raw)-1] == '#' {
		raw = raw[:len(raw)-1]
	}
	if !present || raw == "" {
		return fail(ReasonMissing)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return fail(ReasonNotDigits)
		}
	}
	switch {
	case len(raw) < col.MinDTMF:
		return fail(ReasonTooShort)
	case len(raw) > col.MaxDTMF:
		return fail(ReasonTooLong)
	}
	v, err := col.Normalize(raw)
	if err != nil {
		// Digits of the right length that still fail are a date that does
		// not exist (31022000) or, for numeric, cannot happen.
		if col.Type != columndb.TypeDate {
			return fail(ReasonNotDigits)
		}
		return fail(ReasonBadDate)
	}
	return v, nil
}
