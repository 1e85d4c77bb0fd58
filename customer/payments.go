package customer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// Limits of a payment method's text fields.
const (
	maxHolderName  = 50
	maxDescription = 50
	maxCardAddress = 50
	maxCardZip     = 9
	maxBankNumber  = 50
)

// paymentAAD binds a sealed number to its tenant and record.
func paymentAAD(cid int64, id string) []byte {
	return []byte(fmt.Sprintf("tonebase/customer/%d/payment/%s/number", cid, id))
}

// applyPayment checks in and lays it over m (a new method when creating).
// It seals a new card or account number and sets its fingerprint and mask.
// The number itself never leaves this function except sealed.
func (s *Service) applyPayment(cid int64, m *storedMethod, in PaymentInput, creating bool) error {
	var p problems
	text := func(name string, v Opt[string], max int, dst *string) { applyText(&p, name, v, max, dst) }
	text(FieldHolderName, in.HolderName, maxHolderName, &m.HolderName)
	text(FieldDescription, in.Description, maxDescription, &m.Description)
	notFor := func(fields map[string]Opt[string], order ...string) {
		other := map[PaymentKind]string{KindCard: "bank account", KindBank: "card"}[m.Kind]
		for _, n := range order {
			if v := fields[n]; v.Set && v.V != "" {
				p.add(n, CodeNotApplicable, "applies only to a %s", other)
			}
		}
	}
	var number, fpParts string
	switch m.Kind {
	case KindCard:
		notFor(map[string]Opt[string]{FieldBankRouting: in.Routing, FieldBankAccount: in.Account, FieldBankNumber: in.BankNumber},
			FieldBankRouting, FieldBankAccount, FieldBankNumber)
		text(FieldCardAddress, in.CardAddress, maxCardAddress, &m.Card.Address)
		text(FieldCardZip, in.CardZip, maxCardZip, &m.Card.Zip)
		if in.CardNumber.Set || creating {
			d, err := field.ParseCard(in.CardNumber.V)
			if err != nil {
				p.addErr(FieldCardNumber, err)
			} else {
				number, fpParts = d, "card\x00"+d
				m.Masked = field.MaskCard(d)
			}
		}
		if in.CardExpiry.Set || creating {
			e, err := field.ParseExpiry(in.CardExpiry.V, s.now())
			if err != nil {
				p.addErr(FieldCardExpiry, err)
			} else {
				m.Card.Expiry = e
			}
		}
	case KindBank:
		notFor(map[string]Opt[string]{FieldCardNumber: in.CardNumber, FieldCardExpiry: in.CardExpiry},
			FieldCardNumber, FieldCardExpiry)
		text(FieldBankNumber, in.BankNumber, maxBankNumber, &m.Bank.BankNumber)
		applyBankExtras(m, in, &p)
		if in.Routing.Set || creating {
			d, err := field.ParseRouting(in.Routing.V)
			if err != nil {
				p.addErr(FieldBankRouting, err)
			}
			m.Bank.Routing = d
		}
		if in.Account.Set || creating {
			d, err := field.ParseAccount(in.Account.V)
			if err != nil {
				p.addErr(FieldBankAccount, err)
			} else {
				number = d
				m.Masked = field.MaskLast4(d)
			}
		} else if in.Routing.Set {
			p.add(FieldBankAccount, CodeRequiredWithRouting, "is required with a new routing number")
		}
		if number != "" {
			fpParts = "bank\x00" + m.Bank.Routing + "\x00" + number
		}
		switch {
		case in.AccountKind.Set && !in.AccountKind.V.Valid():
			p.add(FieldBankKind, CodeInvalid, "must be savings, checking or business")
		case in.AccountKind.Set:
			m.Bank.AccountKind = in.AccountKind.V
		case creating:
			p.add(FieldBankKind, CodeRequired, "is required: savings, checking or business")
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	if number != "" {
		sealed, err := s.ring.Seal([]byte(number), paymentAAD(cid, m.ID))
		if err != nil {
			return err
		}
		m.secret = sealed
		m.Fingerprint = s.ring.Fingerprint(strconv.FormatInt(cid, 10), fpParts)
	}
	return nil
}

// methods returns a customer's payment methods of one kind, oldest first.
func (s *Service) methods(ts *tenantState, customerID string, k PaymentKind) ([]storedMethod, error) {
	rows, err := s.store.Lookup(ts.payments, schema.IdxCustomer, []string{customerID, storedKind(k)}, maxPerCustomer+1)
	if err != nil {
		return nil, err
	}
	out := make([]storedMethod, len(rows))
	for i, r := range rows {
		out[i] = ts.pay.decode(r)
	}
	slices.SortStableFunc(out, func(a, b storedMethod) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// duplicate refuses a number the customer already has stored as another method.
func (s *Service) duplicate(ts *tenantState, m storedMethod) error {
	rows, err := s.store.Lookup(ts.payments, schema.IdxFingerprint, []string{m.CustomerID, m.Fingerprint}, 1)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		if other := ts.pay.decode(rows[0]); other.ID != m.ID {
			return &DuplicateError{Kind: m.Kind, ID: other.ID}
		}
	}
	return nil
}

func (s *Service) noVaultErr() error { return fmt.Errorf("%w: %s", ErrNoVault, s.noVault) }

// CreatePayment stores a card or bank account for a customer; the result is
// its id. The customer's first method of a kind is its primary.
func (s *Service) CreatePayment(cid int64, in PaymentInput, idem Idem) (Result, error) {
	if s.ring == nil {
		return Result{}, s.noVaultErr()
	}
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		p := problems(append([]Problem(nil), in.Unread...))
		customerID := NormID(in.CustomerID.V)
		if !in.Kind.V.Valid() {
			p.add(FieldKind, CodeRequired, "is required: card or bank account")
		}
		if in.ID.Set && in.ID.V != "" {
			p.add(FieldID, CodeAssigned, "is assigned by the server")
		}
		if customerID == "" {
			p.add(FieldCustomerID, CodeRequired, "is required")
		} else if _, err := s.getCustomer(ts, customerID); errors.Is(err, ErrNotFound) {
			p.add(FieldCustomerID, CodeNotFound, "no such customer")
		} else if err != nil {
			return prepared{}, err
		}
		m, puts, err := s.addMethod(ts, customerID, in, p)
		if err != nil {
			return prepared{}, err
		}
		return prepared{id: m.ID, changes: []columndb.Change{{Table: ts.payments, Put: puts}}}, nil
	})
}

// addMethod checks a new method of the customer customerID (known to
// exist, or made in the same commit) and returns it, with its token, and
// the rows to put: the customer's primary of its kind demoted first, when
// it takes that place. p holds the problems met so far.
func (s *Service) addMethod(ts *tenantState, customerID string, in PaymentInput, p problems) (storedMethod, []columndb.Row, error) {
	m := storedMethod{PaymentMethod: PaymentMethod{ID: NewID(), CustomerID: customerID, Kind: in.Kind.V}}
	if m.Kind.Valid() {
		if err := p.merge(s.applyPayment(ts.cid, &m, in, true)); err != nil {
			return m, nil, err
		}
	}
	if err := p.err(); err != nil {
		return m, nil, err
	}
	if err := s.duplicate(ts, m); err != nil {
		return m, nil, err
	}
	existing, err := s.methods(ts, customerID, m.Kind)
	if err != nil {
		return m, nil, err
	}
	if len(existing) >= maxPerCustomer {
		return m, nil, conflict("the customer already has %d stored %ss", maxPerCustomer, m.Kind)
	}
	if m.Token, err = s.issueToken(ts, m.Masked); err != nil {
		return m, nil, err
	}
	// Created orders "newest" for promotion, so it must increase even
	// when two methods arrive within the clock's resolution.
	created := s.now().UnixNano()
	for _, e := range existing {
		created = max(created, e.Created.UnixNano()+1)
	}
	m.Created = time.Unix(0, created)
	var puts []columndb.Row
	if in.Primary || len(existing) == 0 {
		puts = s.demote(ts, existing)
		m.Primary = true
	}
	return m, append(puts, ts.pay.encode(m)), nil
}

// demote returns the current primary among methods, no longer primary; it
// comes first in a commit so the unique primary index is free for the new one.
func (s *Service) demote(ts *tenantState, methods []storedMethod) []columndb.Row {
	for _, m := range methods {
		if m.Primary {
			m.Primary = false
			return []columndb.Row{ts.pay.encode(m)}
		}
	}
	return nil
}

func (s *Service) getPayment(ts *tenantState, id string) (storedMethod, error) {
	if !ValidID(id) {
		return storedMethod{}, notFound("payment method", id)
	}
	r, err := s.store.Get(ts.payments, id)
	if errors.Is(err, columndb.ErrNotFound) {
		return storedMethod{}, notFound("payment method", id)
	}
	if err != nil {
		return storedMethod{}, err
	}
	return ts.pay.decode(r), nil
}

// UpdatePayment changes the fields in sends. Primary true makes the method
// primary; false never demotes it, because integrations send false on every
// update: the primary changes only when another method is made primary or
// it is deleted.
func (s *Service) UpdatePayment(cid int64, id string, in PaymentInput, idem Idem) (Result, error) {
	if s.ring == nil {
		return Result{}, s.noVaultErr()
	}
	id = NormID(id)
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		old, err := s.getPayment(ts, id)
		if err != nil {
			return prepared{}, err
		}
		p := problems(append([]Problem(nil), in.Unread...))
		if in.ID.Set && in.ID.V != "" && NormID(in.ID.V) != id {
			p.add(FieldID, CodeMismatch, "differs from the id in the path")
		}
		_, puts, err := s.reviseMethod(ts, old, in, p)
		if err != nil {
			return prepared{}, err
		}
		return prepared{id: id, changes: []columndb.Change{{Table: ts.payments, Put: puts}}}, nil
	})
}

// reviseMethod lays in over the stored method old and returns the method
// and the rows to put. A new number gets a new token: the token names the
// card or account, and this is another one. p holds the problems met so far.
func (s *Service) reviseMethod(ts *tenantState, old storedMethod, in PaymentInput, p problems) (storedMethod, []columndb.Row, error) {
	if in.CustomerID.Set && in.CustomerID.V != "" && NormID(in.CustomerID.V) != old.CustomerID {
		p.add(FieldCustomerID, CodeImmutable, "a payment method cannot move to another customer")
	}
	if in.Kind.Set && in.Kind.V != old.Kind {
		p.add(FieldKind, CodeImmutable, "cannot change; delete this method and add a new one")
	}
	m := old
	if err := p.merge(s.applyPayment(ts.cid, &m, in, false)); err != nil {
		return m, nil, err
	}
	if err := p.err(); err != nil {
		return m, nil, err
	}
	if err := s.duplicate(ts, m); err != nil {
		return m, nil, err
	}
	if m.Fingerprint != old.Fingerprint || m.Token == "" {
		var err error
		if m.Token, err = s.issueToken(ts, m.Masked); err != nil {
			return m, nil, err
		}
	}
	var puts []columndb.Row
	if in.Primary && !m.Primary {
		existing, err := s.methods(ts, m.CustomerID, m.Kind)
		if err != nil {
			return m, nil, err
		}
		puts = s.demote(ts, existing)
		m.Primary = true
	}
	return m, append(puts, ts.pay.encode(m)), nil
}

// DeletePayment deletes a method and its sealed number. Deleting the primary
// promotes the newest remaining method of its kind. A method an active plan
// charges is refused: cancel or move the plan first.
func (s *Service) DeletePayment(cid int64, id string) (Result, error) {
	id = NormID(id)
	return s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		m, err := s.getPayment(ts, id)
		if err != nil {
			return prepared{}, err
		}
		return s.removeMethod(ts, m)
	})
}

// removeMethod prepares the deletion of a stored method.
func (s *Service) removeMethod(ts *tenantState, m storedMethod) (prepared, error) {
	id := m.ID
	if planID, err := s.livePlanUsing(ts, id); err != nil {
		return prepared{}, err
	} else if planID != "" {
		return prepared{}, conflict("payment method %s is charged by plan %s; cancel it or move it to another method first", id, planID)
	}
	var puts []columndb.Row
	if m.Primary {
		rest, err := s.methods(ts, m.CustomerID, m.Kind)
		if err != nil {
			return prepared{}, err
		}
		for i := len(rest) - 1; i >= 0; i-- {
			if rest[i].ID != id {
				next := rest[i]
				next.Primary = true
				puts = append(puts, ts.pay.encode(next))
				break
			}
		}
	}
	// The delete comes before the promotion in the commit, which frees
	// the unique primary entry first.
	return prepared{id: id, changes: []columndb.Change{
		{Table: ts.payments, Delete: []columndb.Row{keyRow(ts.payments, schema.PayID, id)}},
		{Table: ts.payments, Put: puts},
	}}, nil
}

// GetPayments lists a customer's payment methods of one kind (0 for both),
// cards first, each kind oldest first.
func (s *Service) GetPayments(cid int64, customerID string, kind PaymentKind, pg Page) (List[PaymentMethod], error) {
	customerID = NormID(customerID)
	ts, err := s.tenant(cid)
	if err != nil {
		return List[PaymentMethod]{}, err
	}
	if _, err := s.getCustomer(ts, customerID); err != nil {
		return List[PaymentMethod]{}, err
	}
	var all []storedMethod
	for _, k := range []PaymentKind{KindCard, KindBank} {
		if kind != 0 && k != kind {
			continue
		}
		ms, err := s.methods(ts, customerID, k)
		if err != nil {
			return List[PaymentMethod]{}, err
		}
		all = append(all, ms...)
	}
	out := List[PaymentMethod]{Total: len(all)}
	lo := min(pg.offset(), len(all))
	for _, m := range all[lo:min(lo+pg.size(), len(all))] {
		out.Items = append(out.Items, m.PaymentMethod)
	}
	return out, nil
}

// GetPayment returns one method; a kind (0 for any) that does not match it
// answers not found, as the method of that kind does not exist.
func (s *Service) GetPayment(cid int64, id string, kind PaymentKind) (PaymentMethod, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return PaymentMethod{}, err
	}
	m, err := s.getPayment(ts, NormID(id))
	if err != nil {
		return PaymentMethod{}, err
	}
	if kind != 0 && m.Kind != kind {
		return PaymentMethod{}, notFound(kind.String(), id)
	}
	return m.PaymentMethod, nil
}

// PaymentByToken returns a method by its token.
func (s *Service) PaymentByToken(cid int64, token string) (PaymentMethod, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return PaymentMethod{}, err
	}
	rows, err := s.store.Lookup(ts.payments, schema.IdxToken, []string{token}, 1)
	if err != nil {
		return PaymentMethod{}, err
	}
	if len(rows) == 0 {
		return PaymentMethod{}, fmt.Errorf("%w: no payment method with that token", ErrNotFound)
	}
	return ts.pay.decode(rows[0]).PaymentMethod, nil
}

// GetPrimary returns the id of a customer's primary method of a kind: one
// index read.
func (s *Service) GetPrimary(cid int64, customerID string, kind PaymentKind) (string, error) {
	customerID = NormID(customerID)
	ts, err := s.tenant(cid)
	if err != nil {
		return "", err
	}
	rows, err := s.store.Lookup(ts.payments, schema.IdxPrimary, []string{primaryKey(customerID, kind)}, 1)
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("%w: customer %s has no primary %s", ErrNotFound, customerID, kind)
	}
	return ts.pay.decode(rows[0]).ID, nil
}
