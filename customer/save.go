package customer

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// CustomerAction is what a save does with the customer its number names.
type CustomerAction int

// Customer actions. The zero value writes no customer.
const (
	// KeepCustomer leaves the customer as stored; it must exist.
	KeepCustomer CustomerAction = iota
	// UpsertCustomer adds the customer, or updates the stored one with the
	// fields sent.
	UpsertCustomer
	// AddCustomerIfAbsent adds the customer; a stored one is left as it is.
	AddCustomerIfAbsent
	// AddNewCustomer adds the customer; a stored one refuses the save
	// (NumberTakenError).
	AddNewCustomer
)

// FirstAutoNumber is the first customer number the service assigns when a
// save asks it to (Save.AutoNumber).
const FirstAutoNumber = 100000

// MethodSave is the payment method of a save: a new one, or, with Token, a
// stored one of the customer to change (its fields, or made primary).
type MethodSave struct {
	Token string
	// In is the method; its CustomerID is the save's customer and is not read.
	In PaymentInput
}

// Save is a customer named by its number, and maybe a payment method of it,
// written in one transaction.
type Save struct {
	Customer CustomerInput
	// AutoNumber asks the service to give a new customer the next free
	// number of the client from FirstAutoNumber on; Customer.Number is then
	// not read.
	AutoNumber bool
	Action     CustomerAction
	// Check, when set, is the wire's own check of the customer as it would
	// be stored (c), given what was sent and whether the save creates it.
	// It runs after the domain's checks, under the tenant's lock, so it sees
	// the stored record the write changes; its problems refuse the save.
	Check  func(c Customer, sent CustomerInput, creating bool) []Problem
	Method *MethodSave
}

// CustomerOutcome is what a save did with its customer.
type CustomerOutcome int

// Customer outcomes.
const (
	CustomerFound   CustomerOutcome = iota // stored, and not asked to change
	CustomerCreated                        // added
	CustomerUpdated                        // stored, and updated
	CustomerKept                           // stored, and left as it was though the save sent fields
)

// MethodOutcome is what a save did with its payment method.
type MethodOutcome int

// Method outcomes.
const (
	NoMethod            MethodOutcome = iota // the save named none
	MethodAdded                              // stored as a new method
	MethodChanged                            // the stored method its token names was changed
	MethodAlreadyStored                      // the customer had this number stored: that method is answered
)

// Saved is what a save wrote: the customer and the method as stored.
type Saved struct {
	Customer        Customer
	CustomerOutcome CustomerOutcome
	Method          PaymentMethod
	MethodOutcome   MethodOutcome
}

// Save writes a customer named by its number and the payment method in, in
// one transaction: a refusal of either writes neither.
func (s *Service) Save(cid int64, in Save) (Saved, error) {
	var out Saved
	if in.Method != nil && s.ring == nil {
		return out, s.noVaultErr()
	}
	var auto int64
	_, err := s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		out = Saved{}
		c, found, err := s.saveCustomer(ts, in, &out, &auto)
		if err != nil {
			return prepared{}, err
		}
		var puts []columndb.Row
		if in.Method != nil {
			if puts, err = s.saveMethod(ts, c, found, *in.Method, &out); err != nil {
				return prepared{}, err
			}
		}
		var changes []columndb.Change
		switch out.CustomerOutcome {
		case CustomerCreated:
			// Numbers are taken only once nothing can refuse the write, so
			// refusals leave no gaps.
			c.Seq = ts.nextSeq
			ts.nextSeq++
			if in.AutoNumber {
				ts.nextAuto = auto + 1
			}
			fallthrough
		case CustomerUpdated:
			changes = append(changes, columndb.Change{Table: ts.customers, Put: []columndb.Row{ts.cust.encode(c)}})
		}
		out.Customer = c
		if len(puts) > 0 {
			changes = append(changes, columndb.Change{Table: ts.payments, Put: puts})
		}
		return prepared{id: c.ID, changes: changes}, nil
	})
	if err == nil && auto != 0 {
		// The high-water mark is kept beside the commit, not in it: lost to
		// a crash, it is the stored customer itself that keeps its number
		// from being given again.
		err = s.store.ReserveID(autoSeq(cid), auto)
	}
	return out, err
}

// saveCustomer decides the save's customer: the stored one, or the one
// to create or update, with the outcome. found says it is stored.
func (s *Service) saveCustomer(ts *tenantState, in Save, out *Saved, auto *int64) (Customer, bool, error) {
	number := in.Customer.Number.V
	var c Customer
	found := false
	if in.AutoNumber {
		n, err := s.autoNumber(ts)
		if err != nil {
			return c, false, err
		}
		number, *auto = strconv.FormatInt(n, 10), n
	} else if number != "" {
		rows, err := s.store.Lookup(ts.customers, schema.IdxNumber, []string{number}, 1)
		if err != nil {
			return c, false, err
		}
		if found = len(rows) > 0; found {
			c = ts.cust.decode(rows[0])
		}
	}
	creating := !found && in.Action != KeepCustomer
	switch {
	case !found && in.Action == KeepCustomer:
		return c, false, &InputError{Problems: []Problem{{Field: FieldNumber, Code: CodeNotFound, Reason: "no customer has this number"}}}
	case found && in.Action == AddNewCustomer:
		return c, true, &NumberTakenError{Number: number, ID: c.ID}
	case found && in.Action == AddCustomerIfAbsent:
		out.CustomerOutcome = CustomerKept
		return c, true, nil
	case found && in.Action == KeepCustomer:
		out.CustomerOutcome = CustomerFound
		return c, true, nil
	}
	ci := in.Customer
	ci.Number = Some(number)
	if creating {
		c = Customer{ID: NewID(), Created: s.now()}
	}
	p := problems{}
	if err := p.merge(applyCustomer(&c, ci, creating)); err != nil {
		return c, found, err
	}
	if in.Check != nil {
		p = append(p, in.Check(c, in.Customer, creating)...)
	}
	if err := p.err(); err != nil {
		return c, found, err
	}
	if creating {
		out.CustomerOutcome = CustomerCreated
	} else {
		out.CustomerOutcome = CustomerUpdated
	}
	return c, found, nil
}

// saveMethod prepares the save's payment method for customer c (stored
// when found, else made in the same commit).
func (s *Service) saveMethod(ts *tenantState, c Customer, found bool, ms MethodSave, out *Saved) ([]columndb.Row, error) {
	in := ms.In
	in.CustomerID = Opt[string]{}
	if ms.Token != "" {
		old, err := s.methodOf(ts, c.ID, found, ms.Token, in.Kind.V)
		if err != nil {
			return nil, err
		}
		in.Kind = Opt[PaymentKind]{}
		m, puts, err := s.reviseMethod(ts, old, in, problems(append([]Problem(nil), in.Unread...)))
		if err != nil {
			return nil, err
		}
		out.Method, out.MethodOutcome = m.PaymentMethod, MethodChanged
		return puts, nil
	}
	p := problems(append([]Problem(nil), in.Unread...))
	if !in.Kind.V.Valid() {
		p.add(FieldKind, CodeRequired, "is required: card or bank account")
	}
	m, puts, err := s.addMethod(ts, c.ID, in, p)
	var dup *DuplicateError
	if errors.As(err, &dup) {
		stored, err := s.getPayment(ts, dup.ID)
		if err != nil {
			return nil, err
		}
		out.Method, out.MethodOutcome = stored.PaymentMethod, MethodAlreadyStored
		if !in.Primary || stored.Primary {
			return nil, nil
		}
		// Asked to make it the default, the stored one becomes it.
		made, puts, err := s.reviseMethod(ts, stored, PaymentInput{Primary: true}, nil)
		if err != nil {
			return nil, err
		}
		out.Method = made.PaymentMethod
		return puts, nil
	}
	if err != nil {
		return nil, err
	}
	out.Method, out.MethodOutcome = m.PaymentMethod, MethodAdded
	return puts, nil
}

// methodOf is the stored method a token names, when it is customer
// customerID's and of kind k (0 for any); any other is not found alike, so
// a token of another customer or client tells nothing.
func (s *Service) methodOf(ts *tenantState, customerID string, found bool, token string, k PaymentKind) (storedMethod, error) {
	unknown := &InputError{Problems: []Problem{{Field: FieldToken, Code: CodeNotFound, Reason: "names no payment method of this customer"}}}
	if !found || !ValidToken(token) {
		return storedMethod{}, unknown
	}
	rows, err := s.store.Lookup(ts.payments, schema.IdxToken, []string{token}, 1)
	if err != nil {
		return storedMethod{}, err
	}
	if len(rows) == 0 {
		return storedMethod{}, unknown
	}
	m := ts.pay.decode(rows[0])
	if m.CustomerID != customerID || (k != 0 && m.Kind != k) {
		return storedMethod{}, unknown
	}
	return m, nil
}

// FieldToken names a payment method's token in problems.
const FieldToken = "token"

// DeleteByToken deletes the payment method a token names, which must be
// the method of the customer the number names, and returns the customer
// and the deleted method. Deleting a primary promotes the newest remaining
// method of its kind, as DeletePayment does.
func (s *Service) DeleteByToken(cid int64, number, token string) (Customer, PaymentMethod, error) {
	var c Customer
	var m storedMethod
	_, err := s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		rows, err := s.store.Lookup(ts.customers, schema.IdxNumber, []string{number}, 1)
		if err != nil {
			return prepared{}, err
		}
		if len(rows) == 0 {
			return prepared{}, &InputError{Problems: []Problem{{Field: FieldNumber, Code: CodeNotFound, Reason: "no customer has this number"}}}
		}
		c = ts.cust.decode(rows[0])
		if token == "" {
			return prepared{}, &InputError{Problems: []Problem{{Field: FieldToken, Code: CodeRequired, Reason: "is required: the token of the payment method to delete"}}}
		}
		if m, err = s.methodOf(ts, c.ID, true, token, 0); err != nil {
			return prepared{}, err
		}
		return s.removeMethod(ts, m)
	})
	return c, m.PaymentMethod, err
}

// autoSeq names the sequence that keeps a client's highest automatic
// customer number across restarts.
func autoSeq(cid int64) string { return fmt.Sprintf("customer.auto.%d", cid) }

// autoNumber returns the next automatic customer number: the next after the
// last one given, skipping numbers the merchant's own customers already use.
func (s *Service) autoNumber(ts *tenantState) (int64, error) {
	if ts.nextAuto == 0 {
		// NextID answers one past the stored high-water mark (or
		// FirstAutoNumber) and records it, so it is read once per open.
		n, err := s.store.NextID(autoSeq(ts.cid), FirstAutoNumber-1)
		if err != nil {
			return 0, fmt.Errorf("customer: automatic number: %w", err)
		}
		ts.nextAuto = n
	}
	for n := ts.nextAuto; ; n++ {
		rows, err := s.store.Lookup(ts.customers, schema.IdxNumber, []string{strconv.FormatInt(n, 10)}, 1)
		if err != nil {
			return 0, err
		}
		if len(rows) == 0 {
			return n, nil
		}
	}
}
