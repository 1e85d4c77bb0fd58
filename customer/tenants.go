package customer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// tenant returns the tenant's tables, creating them on first use.
func (s *Service) tenant(cid int64) (*tenantState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts, ok := s.tenants[cid]; ok {
		return ts, nil
	}
	ts := &tenantState{cid: cid}
	var err error
	for _, x := range []struct {
		dst **columndb.Table
		def columndb.Table
	}{{&ts.customers, schema.CustomerTable(cid)}, {&ts.payments, schema.PaymentTable(cid)},
		{&ts.plans, schema.PlanTable(cid)}, {&ts.idem, schema.IdempotencyTable(cid)}, {&ts.counters, schema.CounterTable(cid)}} {
		if *x.dst, err = ensureTable(s.store, x.def); err != nil {
			return nil, err
		}
	}
	ts.cust, ts.pay, ts.plan, ts.idemC = customerCodec{ts.customers}, paymentCodec{ts.payments}, planCodec{ts.plans}, idemCodec{ts.idem}
	for _, upgrade := range []func(*tenantState) error{s.numberCustomers, s.tokenMethods} {
		if err := decideAgain(func() error { return upgrade(ts) }); err != nil {
			return nil, err
		}
	}
	if err := s.store.PutDoc(collTenants, strconv.FormatInt(cid, 10), struct{}{}, false); err != nil {
		return nil, fmt.Errorf("customer: register tenant: %w", err)
	}
	s.tenants[cid] = ts
	return ts, nil
}

// eachTenant calls fn for every tenant that has customer tables.
func (s *Service) eachTenant(fn func(ts *tenantState) error) error {
	var cids []int64
	err := s.store.EachDoc(collTenants, func(key string, _ []byte) error {
		cid, err := strconv.ParseInt(key, 10, 64)
		if err == nil {
			cids = append(cids, cid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("customer: list tenants: %w", err)
	}
	for _, cid := range cids {
		ts, err := s.tenant(cid)
		if err != nil {
			return err
		}
		if err := fn(ts); err != nil {
			return err
		}
	}
	return nil
}

// ensureTable returns the table, creating it on a tenant's first use and
// bringing its columns up to what this code defines.
func ensureTable(store *columndb.Store, def columndb.Table) (*columndb.Table, error) {
	t, err := store.GetTable(def.Tenant, def.Name)
	if errors.Is(err, columndb.ErrNotFound) {
		t, err = store.CreateTable(def)
		if errors.Is(err, columndb.ErrExists) {
			t, err = store.GetTable(def.Tenant, def.Name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("customer: table %s: %w", def.Name, err)
	}
	if !slices.EqualFunc(t.Columns, def.Columns, func(a, b columndb.Column) bool { return a == b }) ||
		!slices.EqualFunc(t.Indexes, def.Indexes, func(a, b columndb.Index) bool {
			return a.Name == b.Name && a.Unique == b.Unique && slices.Equal(a.Columns, b.Columns)
		}) {
		if t, err = store.UpdateTable(def); err != nil {
			return nil, fmt.Errorf("customer: upgrade table %s: %w", def.Name, err)
		}
	}
	return t, nil
}

// decideAgain runs fn again while its commit is refused because another
// node of a cluster changed what it read (columndb.ErrConflict).
func decideAgain(fn func() error) error {
	for try := 1; ; try++ {
		err := fn()
		if !errors.Is(err, columndb.ErrConflict) || try == maxDecisions {
			return err
		}
		columndb.Backoff(try)
	}
}

// numberCustomers gives every stored customer without a Seq one (customers
// stored before Seq existed), oldest first, and sets where new ones start.
// It runs once, when the tenant is opened, before any write can start on
// this node; in a cluster another node may be opening the tenant too, so
// the numbers commit only if the table is as this node read it.
func (s *Service) numberCustomers(ts *tenantState) error {
	mark := s.store.Mark()
	next := int64(FirstSeq)
	var missing []Customer
	err := s.store.Each(ts.customers, func(r columndb.Row) (bool, error) {
		c := ts.cust.decode(r)
		if c.Seq == 0 {
			missing = append(missing, c)
		}
		next = max(next, c.Seq+1)
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("customer: number customers: %w", err)
	}
	// The counter may be ahead of the rows (a create that took its Seq
	// and then failed); a number it passed is not given again.
	stored, _, err := s.counter(ts, schema.NextSeq)
	if err != nil {
		return fmt.Errorf("customer: number customers: %w", err)
	}
	next = max(next, stored)
	slices.SortFunc(missing, func(a, b Customer) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	for len(missing) > 0 {
		n := min(len(missing), reencryptBatch)
		puts := make([]columndb.Row, n)
		for i := range n {
			missing[i].Seq = next
			next++
			puts[i] = ts.cust.encode(missing[i])
		}
		ts.nextSeq = next
		if err := s.store.CommitSince(mark, columndb.Change{Table: ts.customers, Put: puts}, s.nextSeqChange(ts)); err != nil {
			return fmt.Errorf("customer: number customers: %w", err)
		}
		missing = missing[n:]
	}
	ts.nextSeq = next
	return s.store.Sync()
}
