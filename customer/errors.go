package customer

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds; each wire maps them to its own answers in one place.
var (
	ErrNotFound     = errors.New("customer: not found")
	ErrInvalid      = errors.New("customer: invalid input")
	ErrConflict     = errors.New("customer: conflict")
	ErrIdempotency  = errors.New("customer: idempotency key reused with a different request")
	ErrNoVault      = errors.New("customer: card and bank account storage is off")
	ErrUnauthorized = errors.New("customer: unauthorized")
)

// Problem codes: what is wrong with a field, for a program to act on.
const (
	CodeRequired      = "required"       // missing or empty
	CodeInvalid       = "invalid"        // present but malformed
	CodeTooLong       = "too_long"       // over the field's length
	CodeNotApplicable = "not_applicable" // does not apply to this kind of record
	CodeNotFound      = "not_found"      // names a record that does not exist
	CodeMismatch      = "mismatch"       // contradicts another field or the record
	CodeImmutable     = "immutable"      // cannot change once stored
	CodePast          = "past"           // a date before today
	CodeTooSmall      = "too_small"      // below the least allowed
	CodePastHorizon   = "past_horizon"   // a date after the last day schedules cover
	CodeNotAllowed    = "not_allowed"    // holds characters or a value the field never takes
	// CodeRequiredWithRouting: a new routing number needs its account number.
	CodeRequiredWithRouting = "required_with_routing"
	// CodeCountUnlessUnlimited: a limited recurring plan needs a count.
	CodeCountUnlessUnlimited = "count_unless_unlimited"
	// CodeCountWithUnlimited: an unlimited plan was also sent a count.
	CodeCountWithUnlimited = "count_with_unlimited"
	// CodeKindIsCard and CodeKindIsBank: the method is of another kind than the plan says.
	CodeKindIsCard = "kind_is_card"
	CodeKindIsBank = "kind_is_bank"
)

// Problem is one wrong field: its domain name, a code and why, in words.
type Problem struct {
	Field, Code, Reason string
}

// InputError lists every wrong field of a request, so a developer fixes them
// in one go; it matches ErrInvalid.
type InputError struct{ Problems []Problem }

func (e *InputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *InputError) Unwrap() error { return ErrInvalid }

// problems collects field errors while a request is checked.
type problems []Problem

func (p *problems) add(field, code, format string, args ...any) {
	*p = append(*p, Problem{Field: field, Code: code, Reason: fmt.Sprintf(format, args...)})
}

// addErr records a parser's error, dropping its package prefix.
func (p *problems) addErr(field string, err error) {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	p.add(field, CodeInvalid, "%s", msg)
}

// merge takes in the problems of another check.
func (p *problems) merge(err error) error {
	var ie *InputError
	if !errors.As(err, &ie) {
		return err
	}
	*p = append(*p, ie.Problems...)
	return nil
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &InputError{Problems: p}
}

// DuplicateError refuses a card or account the customer already has stored;
// ID is the stored one's, so the integration can use it instead.
type DuplicateError struct {
	Kind PaymentKind
	ID   string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("this %s is already stored for the customer as %s", e.Kind, e.ID)
}

// Unwrap lets errors.Is match ErrConflict.
func (e *DuplicateError) Unwrap() error { return ErrConflict }

// NumberTakenError refuses a customer number another customer has.
type NumberTakenError struct {
	Number, ID string
}

func (e *NumberTakenError) Error() string {
	return fmt.Sprintf("customer number %q is already used by customer %s", e.Number, e.ID)
}

// Unwrap lets errors.Is match ErrConflict.
func (e *NumberTakenError) Unwrap() error { return ErrConflict }

func notFound(what, id string) error { return fmt.Errorf("%w: no %s %s", ErrNotFound, what, id) }

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}
