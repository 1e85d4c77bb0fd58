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
func ParseDTMF(field columndb.IVRField, col *columndb.Column, raw string, present bool) (string, *InputError) {
	e := &InputError{Field: string(field), Min: col.MinDTMF, Max: col.MaxDTMF}
	if len(raw) > 0 && raw[len(raw)-1] == '#' {
		raw = raw[:len(raw)-1]
	}
	if !present || raw == "" {
		e.Reason = ReasonMissing
		return "", e
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			e.Reason = ReasonNotDigits
			return "", e
		}
	}
	switch {
	case len(raw) < col.MinDTMF:
		e.Reason = ReasonTooShort
		return "", e
	case len(raw) > col.MaxDTMF:
		e.Reason = ReasonTooLong
		return "", e
	}
	v, err := col.Normalize(raw)
	if err != nil {
		// Digits of the right length that still fail are a date that does
		// not exist (31022000) or, for numeric, cannot happen.
		e.Reason = ReasonBadDate
		if col.Type != columndb.TypeDate {
			e.Reason = ReasonNotDigits
		}
		return "", e
	}
	return v, nil
}
