package customer

import (
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// MaxPageSize is the largest page and the default one.
const MaxPageSize = 100

// Page selects one page of a list: 1-based number and size. The zero Page is
// the first page of the largest size.
type Page struct {
	Number, Size int
}

func (pg Page) size() int {
	if pg.Size < 1 || pg.Size > MaxPageSize {
		return MaxPageSize
	}
	return pg.Size
}

func (pg Page) offset() int { return (max(pg.Number, 1) - 1) * pg.size() }

// List is one page of results and how many matched in all.
type List[T any] struct {
	Items []T
	Total int
}

// CustomerQuery selects customers: every non-empty text must be contained
// (ignoring case) in its field, billing or shipping for the address ones.
type CustomerQuery struct {
	Number, Phone, Email, Company, FirstName, LastName string
	// Sort is a customer field's domain name ("number" when empty):
	// FieldNumber, an AddressField, FieldID, FieldAccountType, "created" or "seq".
	Sort string
	Desc bool
	Page Page
}

// GetCustomers lists the tenant's customers that every condition of q matches.
func (s *Service) GetCustomers(cid int64, q CustomerQuery) (List[Customer], error) {
	sortBy := schema.CustNumber
	if q.Sort != "" {
		c, ok := customerColumn(q.Sort)
		if !ok {
			return List[Customer]{}, &InputError{Problems: []Problem{{Field: "sort", Code: CodeInvalid,
				Reason: fmt.Sprintf("%q is not a customer field", q.Sort)}}}
		}
		sortBy = c
	}
	var conds []columndb.Contains
	both := func(text, part string) {
		if text = strings.TrimSpace(text); text != "" {
			b, _ := customerColumn(AddressField(SideBilling, part))
			sh, _ := customerColumn(AddressField(SideShipping, part))
			conds = append(conds, columndb.Contains{Columns: []string{b, sh}, Text: text})
		}
	}
	if n := strings.TrimSpace(q.Number); n != "" {
		conds = append(conds, columndb.Contains{Columns: []string{schema.CustNumber}, Text: n})
	}
	both(q.Phone, PartPhone)
	both(q.Email, PartEmail)
	both(q.Company, PartCompany)
	both(q.FirstName, PartFirstName)
	both(q.LastName, PartLastName)
	return s.queryCustomers(cid, columndb.Query{Contains: conds,
		Order: []columndb.Order{{Column: sortBy, Desc: q.Desc}}, Offset: q.Page.offset(), Limit: q.Page.size()})
}

func (s *Service) queryCustomers(cid int64, q columndb.Query) (List[Customer], error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return List[Customer]{}, err
	}
	if q.Where == nil {
		q.Where = liveCustomer(ts.customers)
	}
	res, err := s.store.Query(ts.customers, q)
	if err != nil {
		return List[Customer]{}, err
	}
	out := List[Customer]{Items: make([]Customer, len(res.Rows)), Total: res.Total}
	for i, r := range res.Rows {
		out.Items[i] = ts.cust.decode(r)
	}
	return out, nil
}

// MaxSearch is the longest search text.
const MaxSearch = 50

// SearchCustomers finds customers whose number, names, company, email or
// phone contain text, ignoring case, in number order.
func (s *Service) SearchCustomers(cid int64, text string, pg Page) (List[Customer], error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return List[Customer]{}, &InputError{Problems: []Problem{{Field: FieldSearch, Code: CodeRequired, Reason: "is required"}}}
	}
	cols := []string{schema.CustNumber}
	for _, part := range []string{PartFirstName, PartLastName, PartCompany, PartEmail, PartPhone} {
		for _, side := range []string{SideBilling, SideShipping} {
			c, _ := customerColumn(AddressField(side, part))
			cols = append(cols, c)
		}
	}
	return s.queryCustomers(cid, columndb.Query{
		Contains: []columndb.Contains{{Columns: cols, Text: text}},
		Order:    []columndb.Order{{Column: schema.CustNumber}}, Offset: pg.offset(), Limit: pg.size()})
}
