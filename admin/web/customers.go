package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/tenant"
)

// Customers is the part of the customer domain the read-only pages show.
// Card and account numbers reach the pages only as the vault masks them
// (PaymentMethod.Masked): nothing here can open one.
type Customers interface {
	FindCustomers(cid int64, f customer.CustomerFilter) (customer.List[customer.Customer], error)
	SearchCustomers(cid int64, text string, pg customer.Page) (customer.List[customer.Customer], error)
	CustomerRecord(cid int64, id string) (customer.Customer, error)
	GetPayments(cid int64, customerID string, kind customer.PaymentKind, pg customer.Page) (customer.List[customer.PaymentMethod], error)
	CustomerPlans(cid int64, customerID string) ([]customer.PlanView, error)
	GetSchedule(cid int64, id string) (customer.PlanSchedule, error)
	GetDue(cid int64, day time.Time) ([]customer.Due, error)
}

const customersPerPage = 50

var errNoCustomers = errors.New("web: this server's pages have no customer service")

// CustomersData is a client's customers, searched.
type CustomersData struct {
	Client    tenant.Client
	Q         string
	Customers []customer.Customer
	Total     int
	Page      int
	Pages     int
	Prev      string
	Next      string
	Error     string
}

func (s *Server) customers(ctx *fasthttp.RequestCtx) (tenant.Client, bool) {
	c, ok := s.client(ctx)
	if ok && s.cfg.Customers == nil {
		s.fail(ctx, errNoCustomers)
		return c, false
	}
	return c, ok
}

// CustomerList serves GET /admin/clients/{cid}/customers?q=&page=: the
// client's customers, found by number, name, company, email or phone.
func (s *Server) CustomerList(ctx *fasthttp.RequestCtx) {
	c, ok := s.customers(ctx)
	if !ok {
		return
	}
	args := ctx.QueryArgs()
	d := CustomersData{Client: c, Q: strings.TrimSpace(string(args.Peek("q")))}
	d.Page, _ = strconv.Atoi(string(args.Peek("page")))
	d.Page = max(d.Page, 1)
	var list customer.List[customer.Customer]
	var err error
	if len(d.Q) > customer.MaxSearch {
		d.Error = "That search could not run: type at most " + strconv.Itoa(customer.MaxSearch) + " characters."
		s.render(ctx, 400, "customers", &view{Title: "Customers of " + c.Name, Nav: "clients",
			Crumbs: []Link{{"/admin/clients", "Clients"}, {clientHref(c.CID), c.Name}}, Data: d})
		return
	}
	if d.Q == "" {
		list, err = s.cfg.Customers.FindCustomers(c.CID, customer.CustomerFilter{Offset: (d.Page - 1) * customersPerPage, Limit: customersPerPage})
	} else {
		list, err = s.cfg.Customers.SearchCustomers(c.CID, d.Q, customer.Page{Number: d.Page, Size: customersPerPage})
	}
	status := 200
	var in *customer.InputError
	switch {
	case errors.As(err, &in):
		status, d.Error = 400, "That search could not run: "+problems(in)+"."
	case err != nil:
		s.fail(ctx, err)
		return
	}
	d.Customers, d.Total = list.Items, list.Total
	d.Pages = max((d.Total+customersPerPage-1)/customersPerPage, 1)
	page := func(n int) string {
		q := url.Values{"q": {d.Q}, "page": {strconv.Itoa(n)}}
		return clientHref(c.CID) + "/customers?" + q.Encode()
	}
	if d.Page > 1 {
		d.Prev = page(min(d.Page-1, d.Pages))
	}
	if d.Page < d.Pages {
		d.Next = page(d.Page + 1)
	}
	s.render(ctx, status, "customers", &view{Title: "Customers of " + c.Name, Nav: "clients",
		Crumbs: []Link{{"/admin/clients", "Clients"}, {clientHref(c.CID), c.Name}}, Data: d})
}

// CustomerData is one customer with their masked cards and accounts and
// their plans.
type CustomerData struct {
	Client   tenant.Client
	Customer customer.Customer
	Methods  []customer.PaymentMethod
	Plans    []PlanRow
}

// PlanRow is a plan with the payments it has next.
type PlanRow struct {
	customer.PlanView
	Next []customer.ScheduledPayment
	More int // payments after Next
}

// shownPayments is how many of a plan's next payments its row lists.
const shownPayments = 6

// CustomerPage serves GET /admin/clients/{cid}/customers/{id}.
func (s *Server) CustomerPage(ctx *fasthttp.RequestCtx) {
	c, ok := s.customers(ctx)
	if !ok {
		return
	}
	cust, err := s.cfg.Customers.CustomerRecord(c.CID, userValue(ctx, "id"))
	if err != nil {
		s.fail(ctx, err)
		return
	}
	d := CustomerData{Client: c, Customer: cust}
	if cust.Deleted.IsZero() {
		ms, err := s.cfg.Customers.GetPayments(c.CID, cust.ID, 0, customer.Page{})
		if err != nil {
			s.fail(ctx, err)
			return
		}
		d.Methods = ms.Items
	}
	plans, err := s.cfg.Customers.CustomerPlans(c.CID, cust.ID)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	for _, p := range plans {
		row := PlanRow{PlanView: p}
		sch, err := s.cfg.Customers.GetSchedule(c.CID, p.ID)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		row.Next = sch.Payments[:min(len(sch.Payments), shownPayments)]
		row.More = len(sch.Payments) - len(row.Next)
		d.Plans = append(d.Plans, row)
	}
	name := strings.TrimSpace(cust.Billing.FirstName + " " + cust.Billing.LastName)
	if name == "" {
		name = "Customer " + cust.Number
	}
	s.render(ctx, 200, "customer", &view{Title: name, Nav: "clients",
		Crumbs: []Link{{"/admin/clients", "Clients"}, {clientHref(c.CID), c.Name}, {clientHref(c.CID) + "/customers", "Customers"}}, Data: d})
}

// DueData is the plans due on a day.
type DueData struct {
	Client tenant.Client
	Day    time.Time
	Typed  string
	Due    []customer.Due
	Total  int64 // minor units, fees included
	Prev   string
	Next   string
	Error  string
}

// DueList serves GET /admin/clients/{cid}/due?day=YYYY-MM-DD (default
// today, UTC): every plan due that day with what to charge.
func (s *Server) DueList(ctx *fasthttp.RequestCtx) {
	c, ok := s.customers(ctx)
	if !ok {
		return
	}
	d := DueData{Client: c, Typed: strings.TrimSpace(string(ctx.QueryArgs().Peek("day")))}
	d.Day = s.cfg.Now().UTC().Truncate(24 * time.Hour)
	status := 200
	if d.Typed != "" {
		day, err := time.Parse(time.DateOnly, d.Typed)
		if err != nil {
			d.Error = "Give the day as year-month-day, such as " + d.Day.Format(time.DateOnly) + "."
			status = 400
		} else {
			d.Day = day
		}
	}
	if d.Error == "" {
		due, err := s.cfg.Customers.GetDue(c.CID, d.Day)
		var in *customer.InputError
		switch {
		case errors.As(err, &in):
			status, d.Error = 400, "That day cannot be listed: it "+problems(in)+"."
		case err != nil:
			s.fail(ctx, err)
			return
		}
		d.Due = due
		for _, x := range due {
			d.Total += x.Payment.Total()
		}
	}
	day := func(t time.Time) string { return clientHref(c.CID) + "/due?day=" + t.Format(time.DateOnly) }
	d.Prev, d.Next = day(d.Day.AddDate(0, 0, -1)), day(d.Day.AddDate(0, 0, 1))
	s.render(ctx, status, "due", &view{Title: "Due on " + d.Day.Format("Monday 2 January 2006"), Nav: "clients",
		Crumbs: []Link{{"/admin/clients", "Clients"}, {clientHref(c.CID), c.Name}, {clientHref(c.CID) + "/customers", "Customers"}}, Data: d})
}

// problems says what the customer domain refused, from its structured
// problems rather than its error text.
func problems(in *customer.InputError) string {
	parts := make([]string, len(in.Problems))
	for i, p := range in.Problems {
		parts[i] = p.Reason
	}
	return strings.Join(parts, "; ")
}

// minor is an amount of the customer domain, minor units grouped: 1,234.50.
func minor(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return sign + grouped(n/100) + "." + strconv.FormatInt(n%100/10, 10) + strconv.FormatInt(n%10, 10)
}
