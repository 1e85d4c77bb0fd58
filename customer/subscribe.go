package customer

import (
	"cmp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// SubscriptionInput is a recurring charge as one request sends it: the
// customer (an existing one, or one to create), the card to charge and
// the plan's terms.
type SubscriptionInput struct {
	// CustomerID names an existing customer; when it is not set, Customer
	// is created as CreateCustomer would create it.
	CustomerID Opt[string]
	Customer   CustomerInput
	// Card is the card to charge; one the customer already has stored is
	// used again rather than stored twice.
	Card PaymentInput
	Plan PlanInput
}

// Subscription is what Subscribe made or reused.
type Subscription struct {
	Customer Customer
	MethodID string
	Plan     Plan
	// NewCustomer and NewMethod say whether they were made by this request.
	NewCustomer, NewMethod bool
}

// Subscribe makes a recurring card plan and, as needed, its customer and
// stored card, in one transaction: every check runs before anything is
// written, so a refused request leaves no customer, card or plan behind.
func (s *Service) Subscribe(cid int64, in SubscriptionInput) (Subscription, error) {
	if s.ring == nil {
		return Subscription{}, s.noVaultErr()
	}
	var out Subscription
	_, err := s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		var p problems
		var c Customer
		if in.CustomerID.Set {
			got, err := s.getCustomer(ts, NormID(in.CustomerID.V))
			if err != nil {
				return prepared{}, err
			}
			c = got
		} else {
			c = Customer{ID: NewID(), Created: s.now()}
			if err := p.merge(applyCustomer(&c, in.Customer, true)); err != nil {
				return prepared{}, err
			}
			if err := s.checkNumberFree(ts, c.Number, c.ID); err != nil {
				return prepared{}, err
			}
			out.NewCustomer = true
		}
		m := storedMethod{PaymentMethod: PaymentMethod{ID: NewID(), CustomerID: c.ID, Kind: KindCard}}
		if err := p.merge(s.applyPayment(cid, &m, in.Card, true)); err != nil {
			return prepared{}, err
		}
		plan := in.Plan
		plan.Kind, plan.MethodKind = Some(PlanRecurring), Some(KindCard)
		var t Terms
		t.overlay(plan, s.today(), &p)
		t.check(plan, &p)
		if err := p.err(); err != nil {
			return prepared{}, err
		}
		var changes []columndb.Change
		if out.NewCustomer {
			c.Seq = ts.nextSeq // taken once nothing can refuse the write
			ts.nextSeq++
			changes = append(changes, columndb.Change{Table: ts.customers, Put: []columndb.Row{ts.cust.encode(c)}})
		}
		reuse, err := s.storedCard(ts, m)
		if err != nil {
			return prepared{}, err
		}
		if reuse == "" {
			existing, err := s.methods(ts, c.ID, KindCard)
			if err != nil {
				return prepared{}, err
			}
			if len(existing) >= maxPerCustomer {
				return prepared{}, conflict("the customer already has %d stored cards", maxPerCustomer)
			}
			created := s.now().UnixNano()
			for _, e := range existing {
				created = max(created, e.Created.UnixNano()+1)
			}
			m.Created, m.Primary = unixNano(created), len(existing) == 0
			changes = append(changes, columndb.Change{Table: ts.payments, Put: []columndb.Row{ts.pay.encode(m)}})
			out.NewMethod = true
		}
		t.CustomerID, t.MethodID = c.ID, cmp.Or(reuse, m.ID)
		pl := Plan{ID: NewID(), Terms: t, Created: s.now()}
		regular, _ := t.Amounts()
		pl.Amount = regular + t.Fee
		changes = append(changes, columndb.Change{Table: ts.plans, Put: []columndb.Row{ts.plan.encode(pl)}})
		out.Customer, out.MethodID, out.Plan = c, t.MethodID, pl
		return prepared{id: pl.ID, changes: changes}, nil
	})
	return out, err
}

// storedCard is the id of the customer's stored method with m's number, or "".
func (s *Service) storedCard(ts *tenantState, m storedMethod) (string, error) {
	rows, err := s.store.Lookup(ts.payments, schema.IdxFingerprint, []string{m.CustomerID, m.Fingerprint}, 1)
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return ts.pay.decode(rows[0]).ID, nil
}
