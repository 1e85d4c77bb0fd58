package customer

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds; the handlers map each to one HTTP status in one place.
var (
	ErrNotFound     = errors.New("customer: not found")
	ErrInvalid      = errors.New("customer: invalid input")
	ErrConflict     = errors.New("customer: conflict")
	ErrIdempotency  = errors.New("customer: Idempotency-Key reused with a different request")
	ErrNoVault      = errors.New("customer: card and bank account storage is off")
	ErrUnauthorized = errors.New("customer: unauthorized")
)

// Problem is one wrong field and why.
type Problem struct {
	Field  string `json:"Field"`
	Reason string `json:"Reason"`
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

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// addErr records a parser's error, dropping its package prefix.
func (p *problems) addErr(field string, err error) {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	p.add(field, "%s", msg)
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
	What string
	ID   string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("this %s is already stored for the customer as %s", e.What, e.ID)
}

// Unwrap lets errors.Is match ErrConflict.
func (e *DuplicateError) Unwrap() error { return ErrConflict }

func notFound(what, id string) error { return fmt.Errorf("%w: no %s %s", ErrNotFound, what, id) }

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}
