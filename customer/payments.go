package customer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
)

// Payment types as the API numbers them (and as the integer column stores them).
const (
	TypeCard = "2"
	TypeBank = "3"
)

// Bank account types the API defines.
var bankAccountTypes = map[string]bool{"0": true, "1": true, "2": true} // personal savings, personal checking, business checking

func typeName(typ string) string {
	if typ == TypeBank {
		return "bank account"
	}
	return "card"
}

// PaymentItem is a payment method as GetPayments lists it: fields that do
// not apply to its type are null, as the API shows them.
type PaymentItem struct {
	ID            string  `json:"Id"`
	CompanyID     int64   `json:"CompanyId"`
	CustomerID    string  `json:"CustomerId"`
	IsPrimary     bool    `json:"isPrimary"`
	ExpDate       *string `json:"ExpDate"`
	Address       *string `json:"Address"`
	ZipCode       *string `json:"ZipCode"`
	FullName      string  `json:"FullName"`
	RoutingNumber *string `json:"RoutingNumber"`
	AccountType   *string `json:"AccountType"`
	AccountNumber *string `json:"AccountNumber"`
	Description   string  `json:"Description"`
	PaymentType   int     `json:"PaymentType"`
	CardNumber    *string `json:"CardNumber"`
}

// CardInfo is GetPaymentInfo's answer for a card.
type CardInfo struct {
	ID          string `json:"Id"`
	CustomerID  string `json:"CustomerId"`
	CardNumber  string `json:"CardNumber"`
	ExpDate     string `json:"ExpDate"`
	Description string `json:"Description"`
	FullName    string `json:"FullName"`
	Address     string `json:"Address"`
	ZipCode     string `json:"ZipCode"`
	IsPrimary   bool   `json:"isPrimary"`
}

// BankInfo is GetPaymentInfo's answer for a bank account.
type BankInfo struct {
	ID            string `json:"Id"`
	CustomerID    string `json:"CustomerId"`
	RoutingNumber string `json:"RoutingNumber"`
	AccountNumber string `json:"AccountNumber"`
	Description   string `json:"Description"`
	FullName      string `json:"FullName"`
	AccountType   string `json:"AccountType"`
	IsPrimary     bool   `json:"isPrimary"`
}

func ptr(s string) *string { return &s }

func paymentItem(cid int64, x rec) PaymentItem {
	it := PaymentItem{ID: x.get("Id"), CompanyID: cid, CustomerID: x.get("CustomerId"), IsPrimary: x.has("PrimaryOf"),
		FullName: x.get("FullName"), Description: x.get("Description")}
	it.PaymentType, _ = strconv.Atoi(x.get("PaymentType"))
	if x.get("PaymentType") == TypeCard {
		it.ExpDate, it.Address, it.ZipCode = ptr(x.get("ExpDate")), ptr(x.get("Address")), ptr(x.get("ZipCode"))
		it.CardNumber = ptr(x.get("Masked"))
	} else {
		it.RoutingNumber, it.AccountType = ptr(field.MaskLast4(x.get("RoutingNumber"))), ptr(x.get("AccountType"))
		it.AccountNumber = ptr(x.get("Masked"))
	}
	return it
}

func paymentInfo(x rec) any {
	if x.get("PaymentType") == TypeCard {
		return CardInfo{ID: x.get("Id"), CustomerID: x.get("CustomerId"), CardNumber: x.get("Masked"),
			ExpDate: x.get("ExpDate"), Description: x.get("Description"), FullName: x.get("FullName"),
			Address: x.get("Address"), ZipCode: x.get("ZipCode"), IsPrimary: x.has("PrimaryOf")}
	}
	return BankInfo{ID: x.get("Id"), CustomerID: x.get("CustomerId"), RoutingNumber: field.MaskLast4(x.get("RoutingNumber")),
		AccountNumber: x.get("Masked"), Description: x.get("Description"), FullName: x.get("FullName"),
		AccountType: x.get("AccountType"), IsPrimary: x.has("PrimaryOf")}
}

// paymentAAD binds a sealed number to its tenant and record.
func paymentAAD(cid int64, id string) []byte {
	return []byte(fmt.Sprintf("tonebase/customer/%d/payment/%s/number", cid, id))
}

// applyPayment checks the fields in and lays them over x (a new method when
// creating). It seals a new card or account number and sets its fingerprint
// and mask. The number itself never leaves this function except sealed.
func (s *Service) applyPayment(cid int64, x rec, in Input, creating bool) error {
	var p problems
	in.checkScalar(&p)
	typ := x.get("PaymentType")
	text := func(name string, max int) {
		if v, ok := in.text(name); ok {
			if field.Len(v) > max {
				p.add(name, "longer than %d characters", max)
			} else {
				x.set(name, v)
			}
		}
	}
	text("FullName", 50)
	text("Description", 50)
	notFor := func(names ...string) {
		for _, n := range names {
			if v, ok := in.text(n); ok && v != "" {
				p.add(n, "applies only to a %s", map[string]string{TypeCard: "bank account", TypeBank: "card"}[typ])
			}
		}
	}
	var number, fpParts string
	switch typ {
	case TypeCard:
		notFor("RoutingNumber", "AccountNumber", "BankNumber")
		text("Address", 50)
		if v, ok := in.text("ZipCode"); ok {
			if field.Len(v) > 9 {
				p.add("ZipCode", "longer than 9 characters")
			} else {
				x.set("ZipCode", v)
			}
		}
		if v, ok := in.text("CardNumber"); ok || creating {
			d, err := field.ParseCard(v)
			if err != nil {
				p.addErr("CardNumber", err)
			} else {
				number, fpParts = d, "card\x00"+d
				x.set("Masked", field.MaskCard(d))
			}
		}
		if v, ok := in.text("ExpDate"); ok || creating {
			e, err := field.ParseExpiry(v, s.now())
			if err != nil {
				p.addErr("ExpDate", err)
			} else {
				x.set("ExpDate", e)
			}
		}
	case TypeBank:
		notFor("CardNumber", "ExpDate")
		text("BankNumber", 50)
		routing := x.get("RoutingNumber")
		if v, ok := in.text("RoutingNumber"); ok || creating {
			d, err := field.ParseRouting(v)
			if err != nil {
				p.addErr("RoutingNumber", err)
			}
			routing = d
			x.set("RoutingNumber", d)
		}
		v, sent := in.text("AccountNumber")
		if sent || creating {
			d, err := field.ParseAccount(v)
			if err != nil {
				p.addErr("AccountNumber", err)
			} else {
				number = d
				x.set("Masked", field.MaskLast4(d))
			}
		} else if _, changed := in.text("RoutingNumber"); changed {
			p.add("AccountNumber", "is required with a new RoutingNumber")
		}
		if number != "" {
			fpParts = "bank\x00" + routing + "\x00" + number
		}
		if v, ok := in.text("AccountType"); ok || creating {
			if !bankAccountTypes[v] {
				p.add("AccountType", "must be 0 (personal savings), 1 (personal checking) or 2 (business checking)")
			} else {
				x.set("AccountType", v)
			}
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	if number != "" {
		sealed, err := s.ring.Seal([]byte(number), paymentAAD(cid, x.get("Id")))
		if err != nil {
			return err
		}
		x.set("Secret", sealed)
		x.set("Fingerprint", s.ring.Fingerprint(strconv.FormatInt(cid, 10), fpParts))
	}
	return nil
}

// parseType reads PaymentType: 2 (card) or 3 (bank account).
func parseType(v string, required bool, p *problems) string {
	v = strings.TrimSpace(v)
	switch {
	case v == TypeCard || v == TypeBank:
		return v
	case v == "" && !required:
		return ""
	}
	p.add("PaymentType", "must be 2 (card) or 3 (bank account)")
	return ""
}

// methods returns a customer's payment methods of one type, oldest first.
func (s *Service) methods(ts *tenantState, customerID, typ string) ([]rec, error) {
	rows, err := s.store.Lookup(ts.payments, idxCustomer, []string{customerID, typ}, maxPerCustomer+1)
	if err != nil {
		return nil, err
	}
	out := make([]rec, len(rows))
	for i, r := range rows {
		out[i] = rec{ts.payments, r}
	}
	slices.SortStableFunc(out, func(a, b rec) int {
		if c := cmp.Compare(a.int("Created"), b.int("Created")); c != 0 {
			return c
		}
		return strings.Compare(a.get("Id"), b.get("Id"))
	})
	return out, nil
}

// duplicate refuses a number the customer already has stored as another method.
func (s *Service) duplicate(ts *tenantState, x rec) error {
	rows, err := s.store.Lookup(ts.payments, idxFingerprint, []string{x.get("CustomerId"), x.get("Fingerprint")}, 1)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		if other := (rec{ts.payments, rows[0]}).get("Id"); other != x.get("Id") {
			return &DuplicateError{What: typeName(x.get("PaymentType")), ID: other}
		}
	}
	return nil
}

func primaryKey(customerID, typ string) string { return customerID + "/" + typ }

// CreatePayment stores a card or bank account for a customer and answers
// its id. The customer's first method of a type is its primary.
func (s *Service) CreatePayment(cid int64, in Input, idem Idem) (Reply, error) {
	if s.ring == nil {
		return Reply{}, fmt.Errorf("%w: %s", ErrNoVault, s.noVault)
	}
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		var p problems
		customerID, _ := in.text("CustomerId")
		customerID = normID(customerID)
		typeText, _ := in.text("PaymentType")
		typ := parseType(typeText, true, &p)
		primary, ok := in["isPrimary"].Bool()
		if !ok {
			p.add("isPrimary", "must be true, false, 1 or 0")
		}
		if id, ok := in.text("Id"); ok && id != "" {
			p.add("Id", "is assigned by the server; use PUT PaymentDetails/{id} to update")
		}
		if customerID == "" {
			p.add("CustomerId", "is required")
		} else if _, err := s.getCustomer(ts, customerID); errors.Is(err, ErrNotFound) {
			p.add("CustomerId", "no such customer")
		} else if err != nil {
			return prepared{}, err
		}
		x := newRec(ts.payments)
		id := NewID()
		x.set("Id", id)
		x.set("CustomerId", customerID)
		x.set("PaymentType", typ)
		if typ != "" {
			if err := s.applyPayment(cid, x, in, true); err != nil {
				var ie *InputError
				if !errors.As(err, &ie) {
					return prepared{}, err
				}
				p = append(p, ie.Problems...)
			}
		}
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		if err := s.duplicate(ts, x); err != nil {
			return prepared{}, err
		}
		existing, err := s.methods(ts, customerID, typ)
		if err != nil {
			return prepared{}, err
		}
		// Created orders "newest" for promotion, so it must increase even
		// when two methods arrive within the clock's resolution.
		created := s.now().UnixNano()
		for _, m := range existing {
			created = max(created, m.int("Created")+1)
		}
		x.setInt("Created", created)
		if len(existing) >= maxPerCustomer {
			return prepared{}, conflict("the customer already has %d stored %ss", maxPerCustomer, typeName(typ))
		}
		var puts []columndb.Row
		if primary || len(existing) == 0 {
			puts = demote(existing)
			x.set("PrimaryOf", primaryKey(customerID, typ))
		}
		puts = append(puts, x.r)
		return prepared{text: id, changes: []columndb.Change{{Table: ts.payments, Put: puts}}}, nil
	})
}

// demote returns the current primary among methods, no longer primary; it
// comes first in a commit so the unique primary index is free for the new one.
func demote(methods []rec) []columndb.Row {
	for _, m := range methods {
		if m.has("PrimaryOf") {
			c := m.clone()
			c.unset("PrimaryOf")
			return []columndb.Row{c.r}
		}
	}
	return nil
}

func (s *Service) getPayment(ts *tenantState, id string) (rec, error) {
	if !ValidID(id) {
		return rec{}, notFound("payment method", id)
	}
	r, err := s.store.Get(ts.payments, id)
	if errors.Is(err, columndb.ErrNotFound) {
		return rec{}, notFound("payment method", id)
	}
	if err != nil {
		return rec{}, err
	}
	return rec{ts.payments, r}, nil
}

// UpdatePayment changes the fields in sends. isPrimary true makes the method
// primary; false never demotes it, because integrations following the API's
// samples send false on every update: the primary changes only when another
// method is made primary or it is deleted.
func (s *Service) UpdatePayment(cid int64, id string, in Input, idem Idem) (Reply, error) {
	if s.ring == nil {
		return Reply{}, fmt.Errorf("%w: %s", ErrNoVault, s.noVault)
	}
	id = normID(id)
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		old, err := s.getPayment(ts, id)
		if err != nil {
			return prepared{}, err
		}
		var p problems
		if v, ok := in.text("Id"); ok && v != "" && normID(v) != id {
			p.add("Id", "differs from the id in the path")
		}
		if v, ok := in.text("CustomerId"); ok && v != "" && normID(v) != old.get("CustomerId") {
			p.add("CustomerId", "a payment method cannot move to another customer")
		}
		if v, ok := in.text("PaymentType"); ok && v != "" && v != old.get("PaymentType") {
			p.add("PaymentType", "cannot change; delete this method and add a new one")
		}
		primary, ok := in["isPrimary"].Bool()
		if !ok {
			p.add("isPrimary", "must be true, false, 1 or 0")
		}
		x := old.clone()
		if err := s.applyPayment(cid, x, in, false); err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				return prepared{}, err
			}
			p = append(p, ie.Problems...)
		}
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		if err := s.duplicate(ts, x); err != nil {
			return prepared{}, err
		}
		var puts []columndb.Row
		if primary && !x.has("PrimaryOf") {
			existing, err := s.methods(ts, x.get("CustomerId"), x.get("PaymentType"))
			if err != nil {
				return prepared{}, err
			}
			puts = demote(existing)
			x.set("PrimaryOf", primaryKey(x.get("CustomerId"), x.get("PaymentType")))
		}
		puts = append(puts, x.r)
		return prepared{text: "OK", changes: []columndb.Change{{Table: ts.payments, Put: puts}}}, nil
	})
}

// DeletePayment deletes a method and its sealed number. Deleting the primary
// promotes the newest remaining method of its type. A method an active plan
// charges is refused: cancel or move the plan first.
func (s *Service) DeletePayment(cid int64, id string) (Reply, error) {
	id = normID(id)
	return s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		x, err := s.getPayment(ts, id)
		if err != nil {
			return prepared{}, err
		}
		if planID, err := s.livePlanUsing(ts, id); err != nil {
			return prepared{}, err
		} else if planID != "" {
			return prepared{}, conflict("payment method %s is charged by plan %s; cancel it or move it to another method first", id, planID)
		}
		var puts []columndb.Row
		if x.has("PrimaryOf") {
			rest, err := s.methods(ts, x.get("CustomerId"), x.get("PaymentType"))
			if err != nil {
				return prepared{}, err
			}
			for i := len(rest) - 1; i >= 0; i-- {
				if rest[i].get("Id") != id {
					next := rest[i].clone()
					next.set("PrimaryOf", x.get("PrimaryOf"))
					puts = append(puts, next.r)
					break
				}
			}
		}
		// The delete comes before the promotion in the commit, which frees
		// the unique primary entry first.
		return prepared{text: "Payment Method Deleted successfully!", changes: []columndb.Change{
			{Table: ts.payments, Delete: []columndb.Row{keyRow(ts.payments, "Id", id)}},
			{Table: ts.payments, Put: puts},
		}}, nil
	})
}

// GetPayments lists a customer's payment methods, of one type or both.
func (s *Service) GetPayments(cid int64, customerID, paymentType, pageSize, pageNumber string) (List[PaymentItem], error) {
	var p problems
	customerID = normID(customerID)
	if customerID == "" {
		p.add("CustomerId", "is required")
	}
	typ := parseType(paymentType, false, &p)
	pg := ParsePage(pageSize, pageNumber, &p)
	if err := p.err(); err != nil {
		return List[PaymentItem]{}, err
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return List[PaymentItem]{}, err
	}
	if _, err := s.getCustomer(ts, customerID); err != nil {
		return List[PaymentItem]{}, err
	}
	var all []rec
	for _, t := range []string{TypeCard, TypeBank} {
		if typ != "" && t != typ {
			continue
		}
		ms, err := s.methods(ts, customerID, t)
		if err != nil {
			return List[PaymentItem]{}, err
		}
		all = append(all, ms...)
	}
	out := List[PaymentItem]{Total: len(all)}
	lo := min(pg.offset(), len(all))
	for _, x := range all[lo:min(lo+pg.Size, len(all))] {
		out.Items = append(out.Items, paymentItem(cid, x))
	}
	return out, nil
}

// GetPaymentInfo returns one method; a PaymentType that does not match it
// answers not found, as the method of that type does not exist.
func (s *Service) GetPaymentInfo(cid int64, id, paymentType string) (any, error) {
	var p problems
	typ := parseType(paymentType, false, &p)
	if err := p.err(); err != nil {
		return nil, err
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return nil, err
	}
	x, err := s.getPayment(ts, normID(id))
	if err != nil {
		return nil, err
	}
	if typ != "" && x.get("PaymentType") != typ {
		return nil, notFound(typeName(typ), id)
	}
	return paymentInfo(x), nil
}

// GetPrimary returns the id of a customer's primary method of a type (a
// card when PaymentType is not given): one index read.
func (s *Service) GetPrimary(cid int64, customerID, paymentType string) (string, error) {
	var p problems
	customerID = normID(customerID)
	if customerID == "" {
		p.add("CustomerId", "is required")
	}
	typ := parseType(paymentType, false, &p)
	if err := p.err(); err != nil {
		return "", err
	}
	if typ == "" {
		typ = TypeCard
	}
	ts, err := s.tenant(cid)
	if err != nil {
		return "", err
	}
	rows, err := s.store.Lookup(ts.payments, idxPrimary, []string{primaryKey(customerID, typ)}, 1)
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("%w: customer %s has no primary %s", ErrNotFound, customerID, typeName(typ))
	}
	return (rec{ts.payments, rows[0]}).get("Id"), nil
}
