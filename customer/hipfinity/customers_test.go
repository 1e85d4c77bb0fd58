package hipfinity

import (
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/customer"
)

func TestCustomersE2E(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.expect(401, "GET", "/apis/api/Customers/GetCustomers", "", nil)
	e.expect(401, "GET", "/apis/api/Customers/GetCustomers", "keyA:wrong", nil)

	// The API's own sample body.
	id := e.ok("POST", "/apis/api/Customers", tenantA, `{"CustomerNumber":"Kanishk","BillingFirstName":"Kanishk",
		"BillingLastName":"Singh","BillingCompanyName":"","BillingAddress":"","BillingCity":"","BillingState":"",
		"BillingZipCode":"","BillingCountry":"","BillingPhone":"","BillingFax":"","BillingEmail":"ksingh@hipfinity.co",
		"ShippingFirstName":"Kanishk","ShippingLastName":"Singh","ShippingEmail":"ksingh@hipfinity.co"}`)
	if !customer.ValidID(id) || strings.ToUpper(id) != id {
		t.Fatalf("id %q is not 32 uppercase hex", id)
	}
	var c Customer
	e.expect(200, "GET", "/apis/api/Customers/GetCustomerInfo/"+id, tenantA, nil).decode(t, &c)
	if c.ID != id || c.BillingEmail != "ksingh@hipfinity.co" || c.CompanyID != 1001 || c.AccountType != 1 ||
		c.DateTime != "1/15/2026 10:30:00 AM" {
		t.Fatalf("customer = %+v", c)
	}

	// Every wrong field at once, and nothing written.
	r := e.expect(400, "POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": "",
		"BillingState": "Texas", "BillingZipCode": "1234", "ShippingEmail": "nobody", "BillingCity": strings.Repeat("x", 51),
		"BillingAddress": strings.Repeat("y", 101)})
	env := r.envelope(t)
	fields := map[string]bool{}
	for _, p := range env.Errors {
		fields[p.Field] = true
	}
	for _, f := range []string{"CustomerNumber", "BillingState", "BillingZipCode", "ShippingEmail", "BillingCity", "BillingAddress"} {
		if !fields[f] {
			t.Errorf("400 does not name %s: %s", f, r.body)
		}
	}
	e.expect(400, "POST", "/apis/api/Customers", tenantA, `not json`)
	e.expect(400, "POST", "/apis/api/Customers", tenantA, `[]`)
	e.expect(409, "POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": "Kanishk"})
	// Customer numbers are per client.
	e.ok("POST", "/apis/api/Customers", tenantB, map[string]any{"CustomerNumber": "Kanishk"})

	// A partial PUT changes only what it sends; ids in either case work.
	e.ok("PUT", "/apis/api/Customers/"+strings.ToLower(id), tenantA, map[string]any{"Id": id, "BillingCompanyName": "Company",
		"BillingZipCode": "12345-6789", "BillingState": "tx"})
	e.expect(200, "GET", "/apis/api/Customers/GetCustomerInfo/"+id, tenantA, nil).decode(t, &c)
	if c.BillingCompanyName != "Company" || c.BillingFirstName != "Kanishk" || c.BillingZipCode != "123456789" || c.BillingState != "TX" {
		t.Fatalf("after PUT = %+v", c)
	}
	e.expect(400, "PUT", "/apis/api/Customers/"+id, tenantA, map[string]any{"Id": strings.Repeat("A", 32)})
	e.expect(404, "PUT", "/apis/api/Customers/"+strings.Repeat("A", 32), tenantA, map[string]any{"BillingCity": "X"})

	// Another client sees none of it.
	e.expect(404, "GET", "/apis/api/Customers/GetCustomerInfo/"+id, tenantB, nil)
	e.expect(404, "PUT", "/apis/api/Customers/"+id, tenantB, map[string]any{"BillingCity": "X"})
	e.expect(404, "DELETE", "/apis/api/Customers/"+id, tenantB, nil)

	e.ok("DELETE", "/apis/api/Customers/"+id, tenantA, nil)
	e.expect(404, "GET", "/apis/api/Customers/GetCustomerInfo/"+id, tenantA, nil)
	e.expect(404, "DELETE", "/apis/api/Customers/"+id, tenantA, nil)
	e.expect(404, "GET", "/apis/api/Customers/GetCustomerInfo/not-an-id", tenantA, nil)
}

func TestGetCustomersFilterSortPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, n := range []string{"0001000", "201030001055101", "201030001241346", "9999", "ABC0001"} {
		e.customer(tenantA, n)
		e.clock.Add(time.Second)
	}
	e.ok("POST", "/apis/api/Customers", tenantA, map[string]any{"CustomerNumber": "X1", "ShippingFirstName": "Zoë",
		"BillingPhone": "+44 20 7946 0000", "ShippingEmail": "Someone@Example.com"})
	e.customer(tenantB, "0001999")

	list := func(query string) ([]Customer, string) {
		t.Helper()
		r := e.expect(200, "GET", "/apis/api/Customers/GetCustomers?"+query, tenantA, nil)
		var out []Customer
		r.decode(t, &out)
		return out, r.header.Get("X-Total-Count")
	}
	numbers := func(cs []Customer) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.CustomerNumber)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct{ query, want, total string }{
		{"CustomerNumber=0001&SortExpression=CustomerNumber&SortDirection=ASC", "0001000,201030001055101,201030001241346,ABC0001", "4"},
		{"CustomerNumber=0001&SortExpression=CustomerNumber&SortDirection=desc", "ABC0001,201030001241346,201030001055101,0001000", "4"},
		{"customernumber=abc", "ABC0001", "1"},
		{"CustomerNumber=0001&FirstName=first2", "201030001055101,201030001241346", "2"},
		{"CustomerNumber=0001&LastName=last0001000", "0001000", "1"},
		{"FirstName=ZO%C3%8B", "X1", "1"},
		{"PhoneNumber=7946", "X1", "1"},
		{"Email=example.COM", "X1", "1"},
		{"CompanyName=co%209999", "9999", "1"},
		{"CustomerNumber=nomatch", "", "0"},
		{"CompanyId=1002", "", "0"},
		{"CompanyId=1001&CustomerNumber=9999", "9999", "1"},
		{"SortExpression=BillingLastName&SortDirection=DESC&PageSize=2", "ABC0001,9999", "6"},
		{"SortExpression=CustomerNumber&PageSize=2&PageNumber=3", "ABC0001,X1", "6"},
		{"SortExpression=CustomerNumber&PageSize=2&PageNumber=4", "", "6"},
		{"SortExpression=DateTime&PageSize=1", "0001000", "6"},
		{"PageSize=500", "0001000,201030001055101,201030001241346,9999,ABC0001,X1", "6"},
	} {
		got, total := list(tc.query)
		if numbers(got) != tc.want || total != tc.total {
			t.Errorf("%s: got %s (total %s), want %s (total %s)", tc.query, numbers(got), total, tc.want, tc.total)
		}
	}
	r := e.expect(400, "GET", "/apis/api/Customers/GetCustomers?SortExpression=Nope&SortDirection=UP&PageSize=0&PageNumber=x", tenantA, nil)
	if got := len(r.envelope(t).Errors); got != 4 {
		t.Errorf("want 4 problems, got %s", r.body)
	}

	var hits []Summary
	rr := e.expect(200, "GET", "/apis/api/Customers/GetCustomersBySearchCriteria?SearchCriteria=0001", tenantA, nil)
	rr.decode(t, &hits)
	if len(hits) != 4 || hits[0].CustomerNumber != "0001000" || hits[0].BillingFirstName != "First0001000" || rr.header.Get("X-Total-Count") != "4" {
		t.Errorf("search = %s", rr.body)
	}
	e.expect(200, "GET", "/apis/api/Customers/GetCustomersBySearchCriteria?SearchCriteria=someone@", tenantA, nil).decode(t, &hits)
	if len(hits) != 1 || hits[0].CustomerNumber != "X1" {
		t.Errorf("search by email = %+v", hits)
	}
	e.expect(400, "GET", "/apis/api/Customers/GetCustomersBySearchCriteria", tenantA, nil)
}
