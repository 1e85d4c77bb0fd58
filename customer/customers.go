package customer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
)

// Customer is a customer as the API answers it.
type Customer struct {
	ID                  string `json:"Id"`
	CustomerNumber      string `json:"CustomerNumber"`
	BillingFirstName    string `json:"BillingFirstName"`
	BillingLastName     string `json:"BillingLastName"`
	BillingCompanyName  string `json:"BillingCompanyName"`
	BillingAddress      string `json:"BillingAddress"`
	BillingCity         string `json:"BillingCity"`
	BillingState        string `json:"BillingState"`
	BillingZipCode      string `json:"BillingZipCode"`
	BillingCountry      string `json:"BillingCountry"`
	BillingPhone        string `json:"BillingPhone"`
	BillingFax          string `json:"BillingFax"`
	BillingEmail        string `json:"BillingEmail"`
	ShippingFirstName   string `json:"ShippingFirstName"`
	ShippingLastName    string `json:"ShippingLastName"`
	ShippingCompanyName string `json:"ShippingCompanyName"`
	ShippingAddress     string `json:"ShippingAddress"`
	ShippingCity        string `json:"ShippingCity"`
	ShippingState       string `json:"ShippingState"`
	ShippingZipCode     string `json:"ShippingZipCode"`
	ShippingCountry     string `json:"ShippingCountry"`
	ShippingPhone       string `json:"ShippingPhone"`
	ShippingFax         string `json:"ShippingFax"`
	ShippingEmail       string `json:"ShippingEmail"`
	DateTime            string `json:"DateTime"`
	CompanyID           int64  `json:"CompanyId"`
	AccountType         int64  `json:"AccountType"`
}

// Summary is a search hit.
type Summary struct {
	ID                 string `json:"Id"`
	CustomerNumber     string `json:"CustomerNumber"`
	BillingCompanyName string `json:"BillingCompanyName"`
	BillingFirstName   string `json:"BillingFirstName"`
	BillingLastName    string `json:"BillingLastName"`
}

func customerView(cid int64, x rec) Customer {
	c := Customer{ID: x.get("Id"), CustomerNumber: x.get("CustomerNumber"),
		DateTime: field.FormatDateTime(time.Unix(0, x.int("DateTime"))), CompanyID: cid, AccountType: x.int("AccountType")}
	for i, p := range c.addressPtrs() {
		*p = x.get(addressFields[i].name)
	}
	return c
}

// addressPtrs lists the address fields in addressFields order.
func (c *Customer) addressPtrs() []*string {
	return []*string{&c.BillingFirstName, &c.BillingLastName, &c.BillingCompanyName, &c.BillingAddress,
		&c.BillingCity, &c.BillingState, &c.BillingZipCode, &c.BillingCountry, &c.BillingPhone, &c.BillingFax,
		&c.BillingEmail, &c.ShippingFirstName, &c.ShippingLastName, &c.ShippingCompanyName, &c.ShippingAddress,
		&c.ShippingCity, &c.ShippingState, &c.ShippingZipCode, &c.ShippingCountry, &c.ShippingPhone,
		&c.ShippingFax, &c.ShippingEmail}
}

// applyCustomer checks the fields in and lays them over x. Fields not sent
// keep their stored values, so a partial PUT changes only what it names.
func applyCustomer(x rec, in Input, creating bool) error {
	var p problems
	in.checkScalar(&p)
	if v, ok := in.text("CustomerNumber"); ok || creating {
		switch {
		case v == "":
			p.add("CustomerNumber", "is required")
		case field.Len(v) > 50:
			p.add("CustomerNumber", "longer than 50 characters")
		default:
			x.set("CustomerNumber", v)
		}
	}
	for _, f := range addressFields {
		v, ok := in.text(f.name)
		if !ok {
			continue
		}
		v, reason := checkAddressField(f, v)
		if reason != "" {
			p.add(f.name, "%s", reason)
			continue
		}
		x.set(f.name, v)
	}
	if v, ok := in.text("AccountType"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 99 {
			p.add("AccountType", "must be a whole number from 0 to 99")
		} else {
			x.setInt("AccountType", int64(n))
		}
	} else if creating {
		x.setInt("AccountType", 1)
	}
	return p.err()
}

// checkAddressField returns the stored form of one address field, or why it
// is refused.
func checkAddressField(f textField, v string) (string, string) {
	suffix := strings.TrimPrefix(strings.TrimPrefix(f.name, "Billing"), "Shipping")
	switch {
	case v == "":
		return "", ""
	case suffix == "State":
		if len(v) != 2 || !isLetters(v) {
			return "", "must be a 2-letter state code"
		}
		return strings.ToUpper(v), ""
	case suffix == "ZipCode":
		d := strings.ReplaceAll(v, "-", "")
		if (len(d) != 5 && len(d) != 9) || !field.AllDigits(d) {
			return "", "must be 5 or 9 digits (12345 or 12345-6789)"
		}
		return d, ""
	case suffix == "Email":
		at := strings.LastIndexByte(v, '@')
		if at < 1 || at == len(v)-1 || strings.ContainsAny(v, " \t") {
			return "", "is not an email address"
		}
	}
	if field.Len(v) > f.max {
		return "", fmt.Sprintf("longer than %d characters", f.max)
	}
	return v, ""
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// CreateCustomer adds a customer and answers its new id.
func (s *Service) CreateCustomer(cid int64, in Input, idem Idem) (Reply, error) {
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		if id, ok := in.text("Id"); ok && id != "" {
			return prepared{}, &InputError{Problems: []Problem{{Field: "Id", Reason: "is assigned by the server; use PUT Customers/{id} to update"}}}
		}
		x := newRec(ts.customers)
		id := NewID()
		x.set("Id", id)
		x.setInt("DateTime", s.now().UnixNano())
		if err := applyCustomer(x, in, true); err != nil {
			return prepared{}, err
		}
		if err := s.checkNumberFree(ts, x.get("CustomerNumber"), id); err != nil {
			return prepared{}, err
		}
		return prepared{changes: []columndb.Change{{Table: ts.customers, Put: []columndb.Row{x.r}}}, text: id}, nil
	})
}

// checkNumberFree refuses a customer number another customer has, so the
// refusal names the field rather than surfacing as a storage error.
func (s *Service) checkNumberFree(ts *tenantState, number, id string) error {
	rows, err := s.store.Lookup(ts.customers, idxNumber, []string{number}, 1)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		if other := (rec{ts.customers, rows[0]}).get("Id"); other != id {
			return conflict("CustomerNumber %q is already used by customer %s", number, other)
		}
	}
	return nil
}

// UpdateCustomer changes the fields in sends.
func (s *Service) UpdateCustomer(cid int64, id string, in Input, idem Idem) (Reply, error) {
	id = normID(id)
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		if bodyID, ok := in.text("Id"); ok && bodyID != "" && normID(bodyID) != id {
			return prepared{}, &InputError{Problems: []Problem{{Field: "Id", Reason: "differs from the id in the path"}}}
		}
		old, err := s.getCustomer(ts, id)
		if err != nil {
			return prepared{}, err
		}
		x := old.clone()
		if err := applyCustomer(x, in, false); err != nil {
			return prepared{}, err
		}
		if err := s.checkNumberFree(ts, x.get("CustomerNumber"), id); err != nil {
			return prepared{}, err
		}
		return prepared{changes: []columndb.Change{{Table: ts.customers, Put: []columndb.Row{x.r}}}, text: "OK"}, nil
	})
}

// DeleteCustomer deletes a customer with its payment methods (their sealed
// numbers go with them) and cancels its plans, in one transaction.
func (s *Service) DeleteCustomer(cid int64, id string) (Reply, error) {
	id = normID(id)
	return s.write(cid, Idem{}, func(ts *tenantState) (prepared, error) {
		if _, err := s.getCustomer(ts, id); err != nil {
			return prepared{}, err
		}
		var methods []columndb.Row
		for _, typ := range []string{TypeCard, TypeBank} {
			rows, err := s.store.Lookup(ts.payments, idxCustomer, []string{id, typ}, maxPerCustomer)
			if err != nil {
				return prepared{}, err
			}
			for _, r := range rows {
				methods = append(methods, keyRow(ts.payments, "Id", (rec{ts.payments, r}).get("Id")))
			}
		}
		plans, err := s.store.Lookup(ts.plans, idxCustomer, []string{id}, maxPerCustomer)
		if err != nil {
			return prepared{}, err
		}
		var cancelled []columndb.Row
		for _, r := range plans {
			x := rec{ts.plans, r}.clone()
			if x.int("Cancelled") == 0 {
				x.setInt("Cancelled", 1)
				cancelled = append(cancelled, x.r)
			}
		}
		return prepared{text: "OK", changes: []columndb.Change{
			{Table: ts.plans, Put: cancelled},
			{Table: ts.payments, Delete: methods},
			{Table: ts.customers, Delete: []columndb.Row{keyRow(ts.customers, "Id", id)}},
		}}, nil
	})
}

// maxPerCustomer bounds what one customer holds of each kind, so deleting a
// customer always fits one transaction.
const maxPerCustomer = 1000

func (s *Service) getCustomer(ts *tenantState, id string) (rec, error) {
	if !ValidID(id) {
		return rec{}, notFound("customer", id)
	}
	r, err := s.store.Get(ts.customers, id)
	if errors.Is(err, columndb.ErrNotFound) {
		return rec{}, notFound("customer", id)
	}
	if err != nil {
		return rec{}, err
	}
	return rec{ts.customers, r}, nil
}

// GetCustomer returns one customer.
func (s *Service) GetCustomer(cid int64, id string) (Customer, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Customer{}, err
	}
	x, err := s.getCustomer(ts, normID(id))
	if err != nil {
		return Customer{}, err
	}
	return customerView(cid, x), nil
}
