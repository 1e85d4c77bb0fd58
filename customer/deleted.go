package customer

import (
	"errors"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// customerRecord reads a customer, deleted or not.
func (s *Service) customerRecord(ts *tenantState, id string) (Customer, error) {
	if !ValidID(id) {
		return Customer{}, notFound("customer", id)
	}
	r, err := s.store.Get(ts.customers, id)
	if errors.Is(err, columndb.ErrNotFound) {
		return Customer{}, notFound("customer", id)
	}
	if err != nil {
		return Customer{}, err
	}
	return ts.cust.decode(r), nil
}

// CustomerRecord returns a customer by its id, deleted or not, for wires
// that show deleted customers; every write and every other read finds a
// deleted customer nowhere.
func (s *Service) CustomerRecord(cid int64, id string) (Customer, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Customer{}, err
	}
	return s.customerRecord(ts, NormID(id))
}

// DeleteCustomer deletes a customer: its payment methods (their sealed
// numbers go with them) are deleted and its plans cancelled, in one
// transaction. The customer itself is kept, marked deleted, for the record
// and the wires that show deleted customers; its number is freed for reuse.
func (s *Service) DeleteCustomer(cid int64, id string) (Result, error) {
	id = NormID(id)
	return s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		c, err := s.getCustomer(ts, id)
		if err != nil {
			return prepared{}, err
		}
		var methods []columndb.Row
		for _, k := range []PaymentKind{KindCard, KindBank} {
			rows, err := s.store.Lookup(ts.payments, schema.IdxCustomer, []string{id, storedKind(k)}, maxPerCustomer)
			if err != nil {
				return prepared{}, err
			}
			for _, r := range rows {
				methods = append(methods, keyRow(ts.payments, schema.PayID, ts.pay.decode(r).ID))
			}
		}
		plans, err := s.store.Lookup(ts.plans, schema.IdxCustomer, []string{id}, maxPerCustomer)
		if err != nil {
			return prepared{}, err
		}
		now := s.now()
		var cancelled []columndb.Row
		for _, r := range plans {
			if pl := ts.plan.decode(r); !pl.Cancelled {
				pl.Cancelled, pl.CancelledAt = true, now
				cancelled = append(cancelled, ts.plan.encode(pl))
			}
		}
		c.Deleted = now
		return prepared{id: id, changes: []columndb.Change{
			{Table: ts.plans, Put: cancelled},
			{Table: ts.payments, Delete: methods},
			{Table: ts.customers, Put: []columndb.Row{ts.cust.encode(c)}},
		}}, nil
	})
}

// liveCustomer is the Where of a query that must not find deleted customers.
func liveCustomer(t *columndb.Table) func(columndb.Row) bool {
	i, _ := t.ColumnIndex(schema.CustDeleted)
	return func(r columndb.Row) bool { _, deleted := r.Get(i); return !deleted }
}
