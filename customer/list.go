package customer

import (
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
)

// MaxPageSize is the largest page and the default one.
const MaxPageSize = 100

// Page selects one page of a list: 1-based number and size.
type Page struct {
	Number, Size int
}

// ParsePage reads PageSize and PageNumber: empty means the default, a size
// above the maximum is the maximum, and anything else wrong is a problem.
func ParsePage(size, number string, p *problems) Page {
	pg := Page{Number: 1, Size: MaxPageSize}
	if size = strings.TrimSpace(size); size != "" {
		n, err := strconv.Atoi(size)
		if err != nil || n < 1 {
			p.add("PageSize", "must be a whole number from 1 to %d", MaxPageSize)
		} else {
			pg.Size = min(n, MaxPageSize)
		}
	}
	if number = strings.TrimSpace(number); number != "" {
		n, err := strconv.Atoi(number)
		if err != nil || n < 1 {
			p.add("PageNumber", "must be a whole number from 1")
		} else {
			pg.Number = n
		}
	}
	return pg
}

func (pg Page) offset() int { return (pg.Number - 1) * pg.Size }

// parseDirection reads SortDirection: ASC (default) or DESC, any case.
func parseDirection(s string, p *problems) bool {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "ASC":
		return false
	case "DESC":
		return true
	}
	p.add("SortDirection", "must be ASC or DESC")
	return false
}

// CustomerFilter is GetCustomers' query.
type CustomerFilter struct {
	CustomerNumber, PhoneNumber, Email, CompanyName, FirstName, LastName, CompanyID string
	SortExpression, SortDirection                                                   string
	PageSize, PageNumber                                                            string
}

// List is one page of results and how many matched in all.
type List[T any] struct {
	Items []T
	Total int
}

// GetCustomers lists the tenant's customers that every given filter matches
// (case-insensitive substrings; a name filter matches billing or shipping),
// sorted by any customer field.
func (s *Service) GetCustomers(cid int64, f CustomerFilter) (List[Customer], error) {
	var p problems
	pg := ParsePage(f.PageSize, f.PageNumber, &p)
	desc := parseDirection(f.SortDirection, &p)
	sortBy := "CustomerNumber"
	if e := strings.TrimSpace(f.SortExpression); e != "" && !strings.EqualFold(e, "CompanyId") {
		// CompanyId is the same on every row, so sorting by it is the default order.
		if name, ok := customerColumns[strings.ToLower(e)]; ok {
			sortBy = name
		} else {
			p.add("SortExpression", "%q is not a customer field", e)
		}
	}
	if cidText := strings.TrimSpace(f.CompanyID); cidText != "" {
		if n, err := strconv.ParseInt(cidText, 10, 64); err != nil {
			p.add("CompanyId", "must be a whole number")
		} else if n != cid {
			// Another client's customers are never listed: none match.
			return List[Customer]{}, p.err()
		}
	}
	if err := p.err(); err != nil {
		return List[Customer]{}, err
	}
	var conds []columndb.Contains
	add := func(text string, cols ...string) {
		if text = strings.TrimSpace(text); text != "" {
			conds = append(conds, columndb.Contains{Columns: cols, Text: text})
		}
	}
	add(f.CustomerNumber, "CustomerNumber")
	add(f.PhoneNumber, "BillingPhone", "ShippingPhone")
	add(f.Email, "BillingEmail", "ShippingEmail")
	add(f.CompanyName, "BillingCompanyName", "ShippingCompanyName")
	add(f.FirstName, "BillingFirstName", "ShippingFirstName")
	add(f.LastName, "BillingLastName", "ShippingLastName")
	return s.queryCustomers(cid, columndb.Query{Contains: conds,
		Order: []columndb.Order{{Column: sortBy, Desc: desc}}, Offset: pg.offset(), Limit: pg.Size})
}

// customerColumns maps each customer field's lower-case name to its column.
var customerColumns = func() map[string]string {
	m := map[string]string{}
	for _, c := range customerTable(0).Columns {
		m[strings.ToLower(c.ID)] = c.ID
	}
	return m
}()

func (s *Service) queryCustomers(cid int64, q columndb.Query) (List[Customer], error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return List[Customer]{}, err
	}
	res, err := s.store.Query(ts.customers, q)
	if err != nil {
		return List[Customer]{}, err
	}
	out := List[Customer]{Items: make([]Customer, len(res.Rows)), Total: res.Total}
	for i, r := range res.Rows {
		out.Items[i] = customerView(cid, rec{ts.customers, r})
	}
	return out, nil
}

// searchColumns are what SearchCriteria looks in.
var searchColumns = []string{"CustomerNumber", "BillingFirstName", "BillingLastName", "ShippingFirstName",
	"ShippingLastName", "BillingCompanyName", "ShippingCompanyName", "BillingEmail", "ShippingEmail",
	"BillingPhone", "ShippingPhone"}

// SearchCustomers finds customers whose number, names, company, email or
// phone contain the criteria, ignoring case.
func (s *Service) SearchCustomers(cid int64, criteria, pageSize, pageNumber string) (List[Summary], error) {
	var p problems
	criteria = strings.TrimSpace(criteria)
	if criteria == "" {
		p.add("SearchCriteria", "is required")
	} else if len([]rune(criteria)) > 50 {
		p.add("SearchCriteria", "longer than 50 characters")
	}
	pg := ParsePage(pageSize, pageNumber, &p)
	if err := p.err(); err != nil {
		return List[Summary]{}, err
	}
	l, err := s.queryCustomers(cid, columndb.Query{
		Contains: []columndb.Contains{{Columns: searchColumns, Text: criteria}},
		Order:    []columndb.Order{{Column: "CustomerNumber"}}, Offset: pg.offset(), Limit: pg.Size})
	if err != nil {
		return List[Summary]{}, err
	}
	out := List[Summary]{Items: make([]Summary, len(l.Items)), Total: l.Total}
	for i, c := range l.Items {
		out.Items[i] = Summary{ID: c.ID, CustomerNumber: c.CustomerNumber, BillingCompanyName: c.BillingCompanyName,
			BillingFirstName: c.BillingFirstName, BillingLastName: c.BillingLastName}
	}
	return out, nil
}
