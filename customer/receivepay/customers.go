package receivepay

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/customer"
)

// customerFields are the request's customer fields in their documented
// order, with the domain address part each sets ("" for internal_id).
func customerFields() []struct{ name, part string } {
	return []struct{ name, part string }{
		{"internal_id", ""}, {"first_name", customer.PartFirstName}, {"last_name", customer.PartLastName},
		{"company", customer.PartCompany}, {"address_1", customer.PartLine1}, {"address_2", customer.PartLine2},
		{"city", customer.PartCity}, {"state", customer.PartState}, {"postal_code", customer.PartZip},
		{"country", customer.PartCountry}, {"email", customer.PartEmail}, {"phone", customer.PartPhone},
	}
}

// customerInput reads the customer fields of e (the request, or an embedded
// <customer>) and reports whether any was sent.
func customerInput(e *element) (customer.CustomerInput, bool) {
	in := customer.CustomerInput{NumberOptional: true, Style: customer.StyleInternational}
	a := &in.Billing
	parts := map[string]*customer.Opt[string]{customer.PartFirstName: &a.FirstName, customer.PartLastName: &a.LastName,
		customer.PartCompany: &a.Company, customer.PartLine1: &a.Line1, customer.PartLine2: &a.Line2,
		customer.PartCity: &a.City, customer.PartState: &a.State, customer.PartZip: &a.Zip,
		customer.PartCountry: &a.Country, customer.PartEmail: &a.Email, customer.PartPhone: &a.Phone}
	sent := false
	for _, f := range customerFields() {
		v, ok := e.value(f.name)
		if !ok {
			continue
		}
		sent = true
		if f.part == "" {
			in.Number = customer.Some(v)
		} else {
			*parts[f.part] = customer.Some(v)
		}
	}
	return in, sent
}

// requireNames refuses a request that would leave a customer without a
// first or last name: OpenGateway required both (and crashed without them).
func requireNames(in customer.CustomerInput, creating bool) error {
	for _, f := range []struct {
		name string
		v    customer.Opt[string]
	}{{"first_name", in.Billing.FirstName}, {"last_name", in.Billing.LastName}} {
		if (creating || f.v.Set) && f.v.V == "" {
			return fail(errRequired, f.name)
		}
	}
	return nil
}

func (h *Handlers) newCustomer(c call) ([]node, error) {
	in, _ := customerInput(c.req)
	if err := requireNames(in, true); err != nil {
		return nil, err
	}
	r, err := h.svc.CreateCustomer(c.cid, in, customer.Idem{})
	if err != nil {
		return nil, h.customerError(c, err)
	}
	cust, err := h.svc.GetCustomer(c.cid, r.ID)
	if err != nil {
		return nil, err
	}
	return success(okCustomerCreated, leaf("customer_id", seqText(cust))), nil
}

// customerError names the customer holding a taken internal_id by its
// customer_id, the only id this wire shows.
func (h *Handlers) customerError(c call, err error) error {
	var taken *customer.NumberTakenError
	if errors.As(err, &taken) {
		if other, gerr := h.svc.GetCustomer(c.cid, taken.ID); gerr == nil {
			return fail(errUnspecified, fmt.Sprintf("customer %d already has this internal_id", other.Seq))
		}
	}
	return err
}

// customerOf finds the customer a customer_id names, deleted or not;
// absent, unknown, malformed or another client's, it is errCustomerID.
func (h *Handlers) customerOf(c call, e *element, absent int) (customer.Customer, error) {
	v, ok := e.value("customer_id")
	if !ok || v == "" {
		return customer.Customer{}, fail(absent)
	}
	seq, err := strconv.ParseInt(v, 10, 64)
	if err != nil || seq < customer.FirstSeq {
		return customer.Customer{}, fail(errCustomerID)
	}
	cust, err := h.svc.CustomerBySeq(c.cid, seq)
	if errors.Is(err, customer.ErrNotFound) {
		return customer.Customer{}, fail(errCustomerID)
	}
	return cust, err
}

// liveCustomerOf is customerOf for writes: a deleted customer is unknown.
func (h *Handlers) liveCustomerOf(c call, e *element, absent int) (customer.Customer, error) {
	cust, err := h.customerOf(c, e, absent)
	if err == nil && !cust.Deleted.IsZero() {
		return customer.Customer{}, fail(errCustomerID)
	}
	return cust, err
}

func (h *Handlers) updateCustomer(c call) ([]node, error) {
	cust, err := h.liveCustomerOf(c, c.req, errNeedCustomerID)
	if err != nil {
		return nil, err
	}
	in, sent := customerInput(c.req)
	if !sent {
		return nil, fail(errNothing)
	}
	if err := requireNames(in, false); err != nil {
		return nil, err
	}
	if _, err := h.svc.UpdateCustomer(c.cid, cust.ID, in, customer.Idem{}); err != nil {
		return nil, h.customerError(c, err)
	}
	return success(okCustomerUpdated), nil
}

func (h *Handlers) deleteCustomer(c call) ([]node, error) {
	cust, err := h.liveCustomerOf(c, c.req, errNeedCustomerID)
	if err != nil {
		return nil, err
	}
	if _, err := h.svc.DeleteCustomer(c.cid, cust.ID); err != nil {
		return nil, err
	}
	return success(okCustomerDeleted), nil
}

func (h *Handlers) getCustomer(c call) ([]node, error) {
	cust, err := h.customerOf(c, c.req, errCustomerID)
	if err != nil {
		return nil, err
	}
	n, err := h.customerNode(c, cust)
	if err != nil {
		return nil, err
	}
	return []node{n}, nil
}

// customerNode is a customer as GetCustomer answers it, with its plans.
func (h *Handlers) customerNode(c call, cust customer.Customer) (node, error) {
	plans, err := h.svc.CustomerPlans(c.cid, cust.ID)
	if err != nil {
		return node{}, err
	}
	n := customerView(cust)
	if len(plans) > 0 {
		items := make([]node, len(plans))
		for i, p := range plans {
			items[i] = planView(p)
		}
		n.kids = append(n.kids, list("plans", items))
	}
	return n, nil
}

// customerView is a customer's own fields, in the document's order.
func customerView(cust customer.Customer) node {
	a := cust.Billing
	status := "active"
	if !cust.Deleted.IsZero() {
		status = "deleted"
	}
	return branch("customer", leaf("id", seqText(cust)), leaf("internal_id", cust.Number),
		leaf("first_name", a.FirstName), leaf("last_name", a.LastName), leaf("company", a.Company),
		leaf("address_1", a.Line1), leaf("address_2", a.Line2), leaf("city", a.City), leaf("state", a.State),
		leaf("postal_code", a.Zip), leaf("country", a.Country), leaf("email", a.Email), leaf("phone", a.Phone),
		leaf("date_created", dateTime(cust.Created)), leaf("status", status))
}

func seqText(c customer.Customer) string {
	if c.Seq == 0 {
		return ""
	}
	return strconv.FormatInt(c.Seq, 10)
}

// dateTime is ISO 8601 with the offset written out, as PHP's date('c') does.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

func (h *Handlers) getCustomers(c call) ([]node, error) {
	r := c.req
	f := customer.CustomerFilter{}
	for dst, name := range map[*string]string{&f.FirstName: "first_name", &f.LastName: "last_name", &f.Company: "company",
		&f.City: "city", &f.Phone: "phone", &f.Email: "email", &f.Number: "internal_id", &f.Line1: "address_1",
		&f.Line2: "address_2", &f.State: "state", &f.Zip: "postal_code", &f.Country: "country"} {
		*dst, _ = r.value(name)
	}
	if v, _ := r.value("customer_id"); v != "" {
		seq, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			seq = -1 // names no customer
		}
		f.Seq = customer.Some(seq)
	}
	f.PlanID, _ = r.value("plan_id")
	if v, ok := r.value("active_recurring"); ok && v != "" {
		f.ActivePlan = customer.Some(v == "1")
	}
	if v, _ := r.value("deleted"); v == "1" {
		f.Deleted = true
	}
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return nil, err
	}
	switch v, _ := r.value("sort"); v {
	case "date":
		f.Sort = "created"
	case "first_name":
		f.Sort = "first_name"
	}
	f.Desc = sortDesc(r)
	res, err := h.svc.FindCustomers(c.cid, f)
	if err != nil {
		return nil, err
	}
	return page("customers", res, func(cust customer.Customer) (node, error) { return h.customerNode(c, cust) })
}

// page is a list's answer: results (this page), total_results (every
// match), then the items, or no list element when nothing matched.
func page[T any](name string, l customer.List[T], view func(T) (node, error)) ([]node, error) {
	out := []node{leaf("results", strconv.Itoa(len(l.Items))), leaf("total_results", strconv.Itoa(l.Total))}
	if len(l.Items) == 0 {
		return out, nil
	}
	items := make([]node, len(l.Items))
	for i, it := range l.Items {
		var err error
		if items[i], err = view(it); err != nil {
			return nil, err
		}
	}
	return append(out, list(name, items)), nil
}

// paging reads offset (default 0) and limit (default and at most 100); a
// negative or non-numeric one is a missing required field.
func paging(r *element) (offset, limit int, err error) {
	read := func(name string, def int) (int, error) {
		v, _ := r.value(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fail(errRequired, name+" must be a whole number, 0 or more")
		}
		return n, nil
	}
	if offset, err = read("offset", 0); err != nil {
		return 0, 0, err
	}
	if limit, err = read("limit", customer.MaxPageSize); err != nil {
		return 0, 0, err
	}
	if limit == 0 || limit > customer.MaxPageSize {
		limit = customer.MaxPageSize
	}
	return offset, limit, nil
}

func sortDesc(r *element) bool {
	v, _ := r.value("sort_dir")
	return strings.EqualFold(v, "desc")
}
