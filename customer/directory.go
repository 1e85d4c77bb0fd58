package customer

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
	"github.com/tonebase/tonebase/customer/region"
)

// CustomerFilter selects customers by their billing address and their
// plans, a page at a time from any offset. Texts in Contains match as
// case-insensitive substrings; Exact ones match whole values ignoring case
// (Number exactly); the country matches by any of its names.
type CustomerFilter struct {
	FirstName, LastName, Company, City, Phone, Email string
	Number, Line1, Line2, State, Zip, Country        string
	Seq                                              Opt[int64]
	// PlanID keeps customers with an active plan of that id; ActivePlan
	// those with (true) or without (false) any active plan.
	PlanID     string
	ActivePlan Opt[bool]
	// Deleted lists only deleted customers instead of only live ones.
	Deleted bool
	// Sort is "created", "first_name" or "last_name" (the default); equal
	// values sort by Seq, the same way.
	Sort          string
	Desc          bool
	Offset, Limit int
}

// FindCustomers lists the customers f selects, and how many it selects in all.
func (s *Service) FindCustomers(cid int64, f CustomerFilter) (List[Customer], error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return List[Customer]{}, err
	}
	b := schema.Billing()
	var conds []columndb.Contains
	for col, text := range map[string]string{b.FirstName: f.FirstName, b.LastName: f.LastName, b.Company: f.Company,
		b.City: f.City, b.Phone: f.Phone, b.Email: f.Email} {
		if text = strings.TrimSpace(text); text != "" {
			conds = append(conds, columndb.Contains{Columns: []string{col}, Text: text})
		}
	}
	slices.SortFunc(conds, func(a, b columndb.Contains) int { return strings.Compare(a.Columns[0], b.Columns[0]) })
	var preds []func(Customer) bool
	exact := func(want string, get func(Customer) string) {
		if want = strings.TrimSpace(want); want != "" {
			preds = append(preds, func(c Customer) bool { return strings.EqualFold(get(c), want) })
		}
	}
	exact(f.Line1, func(c Customer) string { return c.Billing.Line1 })
	exact(f.Line2, func(c Customer) string { return c.Billing.Line2 })
	exact(f.State, func(c Customer) string { return c.Billing.State })
	exact(f.Zip, func(c Customer) string { return c.Billing.Zip })
	if n := strings.TrimSpace(f.Number); n != "" {
		preds = append(preds, func(c Customer) bool { return c.Number == n })
	}
	if f.Country = strings.TrimSpace(f.Country); f.Country != "" {
		want, known := region.Country(f.Country)
		preds = append(preds, func(c Customer) bool {
			got, ok := region.Country(c.Billing.Country)
			return known && ok && got == want
		})
	}
	if f.Seq.Set {
		preds = append(preds, func(c Customer) bool { return c.Seq == f.Seq.V })
	}
	if f.PlanID != "" || f.ActivePlan.Set {
		active, err := s.activePlans(ts)
		if err != nil {
			return List[Customer]{}, err
		}
		if f.PlanID != "" {
			owner := active[NormID(f.PlanID)]
			preds = append(preds, func(c Customer) bool { return owner != "" && c.ID == owner })
		}
		if f.ActivePlan.Set {
			with := map[string]bool{}
			for _, cust := range active {
				with[cust] = true
			}
			preds = append(preds, func(c Customer) bool { return with[c.ID] == f.ActivePlan.V })
		}
	}
	delIdx, _ := ts.customers.ColumnIndex(schema.CustDeleted)
	where := func(r columndb.Row) bool {
		if _, deleted := r.Get(delIdx); deleted != f.Deleted {
			return false
		}
		if len(preds) == 0 {
			return true
		}
		c := ts.cust.decode(r)
		for _, p := range preds {
			if !p(c) {
				return false
			}
		}
		return true
	}
	sortBy := map[string]string{"created": schema.CustCreated, "first_name": b.FirstName}[f.Sort]
	if sortBy == "" {
		sortBy = b.LastName
	}
	limit := f.Limit
	if limit < 1 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	return s.queryCustomers(cid, columndb.Query{Contains: conds, Where: where,
		Order:  []columndb.Order{{Column: sortBy, Desc: f.Desc}, {Column: schema.CustSeq, Desc: f.Desc}},
		Offset: max(f.Offset, 0), Limit: limit})
}

// activePlans maps the id of every active plan to its customer's id.
func (s *Service) activePlans(ts *tenantState) (map[string]string, error) {
	today := s.today()
	out := map[string]string{}
	err := s.store.Each(ts.plans, func(r columndb.Row) (bool, error) {
		if pl := ts.plan.decode(r); stateOf(pl, today).Status == StatusActive {
			out[pl.ID] = pl.CustomerID
		}
		return true, nil
	})
	return out, err
}

// CustomerPlans lists a customer's plans, deleted customer or not, oldest first.
func (s *Service) CustomerPlans(cid int64, customerID string) ([]PlanView, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Lookup(ts.plans, schema.IdxCustomer, []string{NormID(customerID)}, maxPerCustomer)
	if err != nil {
		return nil, err
	}
	j, today := newJoiner(s, ts), s.today()
	out := make([]PlanView, len(rows))
	for i, r := range rows {
		out[i] = j.view(ts.plan.decode(r), today)
	}
	slices.SortFunc(out, func(a, b PlanView) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// PlanFilter selects plans with their customers, a page at a time from any
// offset.
type PlanFilter struct {
	CustomerID, CustomerNumber, CustomerLastName string
	Amount                                       Opt[int64]
	Active                                       Opt[bool]
	CreatedAfter, CreatedBefore                  Opt[time.Time]
	// Sort is "created" (default), "customer_first_name",
	// "customer_last_name" or "amount"; equal values sort by id.
	Sort          string
	Desc          bool
	Offset, Limit int
}

// FindPlans lists the plans f selects, and how many it selects in all. A
// plan's Customer is filled in even when the customer is deleted.
func (s *Service) FindPlans(cid int64, f PlanFilter) (List[PlanView], error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return List[PlanView]{}, err
	}
	today := s.today()
	j := newJoiner(s, ts)
	records := map[string]Customer{}
	owner := func(id string) Customer {
		c, ok := records[id]
		if !ok {
			c, _ = s.customerRecord(ts, id)
			records[id] = c
		}
		return c
	}
	var all []PlanView
	err = s.store.Each(ts.plans, func(r columndb.Row) (bool, error) {
		pl := ts.plan.decode(r)
		switch {
		case f.CustomerID != "" && pl.CustomerID != NormID(f.CustomerID),
			f.Amount.Set && pl.Recurring != f.Amount.V,
			f.CreatedAfter.Set && !pl.Created.After(f.CreatedAfter.V),
			f.CreatedBefore.Set && !pl.Created.Before(f.CreatedBefore.V):
			return true, nil
		}
		v := j.view(pl, today)
		v.Customer = owner(pl.CustomerID)
		switch {
		case f.Active.Set && (v.State.Status == StatusActive) != f.Active.V,
			f.CustomerNumber != "" && v.Customer.Number != f.CustomerNumber,
			f.CustomerLastName != "" && !strings.Contains(strings.ToLower(v.Customer.Billing.LastName), strings.ToLower(f.CustomerLastName)):
			return true, nil
		}
		all = append(all, v)
		return true, nil
	})
	if err != nil {
		return List[PlanView]{}, err
	}
	key := func(v *PlanView) (int64, string) {
		switch f.Sort {
		case "customer_first_name":
			return 0, strings.ToLower(v.Customer.Billing.FirstName)
		case "customer_last_name":
			return 0, strings.ToLower(v.Customer.Billing.LastName)
		case "amount":
			return v.Recurring, ""
		}
		return v.Created.UnixNano(), ""
	}
	slices.SortStableFunc(all, func(a, b PlanView) int {
		an, as := key(&a)
		bn, bs := key(&b)
		c := cmp.Or(cmp.Compare(an, bn), strings.Compare(as, bs), strings.Compare(a.ID, b.ID))
		if f.Desc {
			return -c
		}
		return c
	})
	limit := f.Limit
	if limit < 1 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	lo := min(max(f.Offset, 0), len(all))
	return List[PlanView]{Items: all[lo:min(lo+limit, len(all))], Total: len(all)}, nil
}
