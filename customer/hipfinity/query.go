package hipfinity

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// params collects the problems of a query string.
type params []customer.Problem

func (p *params) add(name, format string, args ...any) {
	*p = append(*p, customer.Problem{Field: name, Code: customer.CodeInvalid, Reason: fmt.Sprintf(format, args...)})
}

func (p *params) addErr(name string, err error) {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	p.add(name, "%s", msg)
}

func (p params) err() error {
	if len(p) == 0 {
		return nil
	}
	return &customer.InputError{Problems: p}
}

// page reads PageSize and PageNumber: empty means the default, a size above
// the maximum is the maximum, and anything else wrong is a problem.
func (p *params) page(size, number string) customer.Page {
	pg := customer.Page{Number: 1, Size: customer.MaxPageSize}
	if size = strings.TrimSpace(size); size != "" {
		n, err := strconv.Atoi(size)
		if err != nil || n < 1 {
			p.add("PageSize", "must be a whole number from 1 to %d", customer.MaxPageSize)
		} else {
			pg.Size = min(n, customer.MaxPageSize)
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

// direction reads SortDirection: ASC (default) or DESC, any case.
func (p *params) direction(s string) bool {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "ASC":
		return false
	case "DESC":
		return true
	}
	p.add("SortDirection", "must be ASC or DESC")
	return false
}

// paymentType reads an optional PaymentType: 2 (card) or 3 (bank account).
func (p *params) paymentType(v string) customer.PaymentKind {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	k := paymentKind(v)
	if k == 0 {
		p.add(wPaymentType, "must be 2 (card) or 3 (bank account)")
	}
	return k
}

// CustomerFilter is GetCustomers' query.
type CustomerFilter struct {
	CustomerNumber, PhoneNumber, Email, CompanyName, FirstName, LastName, CompanyID string
	SortExpression, SortDirection                                                   string
	PageSize, PageNumber                                                            string
}

// customerSortFields maps each customer field's lower-case wire name to the
// domain field it sorts by.
func customerSortFields() map[string]string {
	m := map[string]string{"id": customer.FieldID, "customernumber": customer.FieldNumber,
		"datetime": "created", "accounttype": customer.FieldAccountType}
	for _, s := range sides() {
		for _, p := range addressParts() {
			m[strings.ToLower(s.prefix+p.suffix)] = customer.AddressField(s.side, p.part)
		}
	}
	return m
}

// customerQuery reads GetCustomers' query. other is true when it asks for
// another client's customers, of which none are ever listed.
func customerQuery(cid int64, f CustomerFilter) (q customer.CustomerQuery, other bool, err error) {
	var p params
	q.Page = p.page(f.PageSize, f.PageNumber)
	q.Desc = p.direction(f.SortDirection)
	if e := strings.TrimSpace(f.SortExpression); e != "" && !strings.EqualFold(e, wCompanyID) {
		// CompanyId is the same on every row, so sorting by it is the default order.
		if name, ok := customerSortFields()[strings.ToLower(e)]; ok {
			q.Sort = name
		} else {
			p.add("SortExpression", "%q is not a customer field", e)
		}
	}
	if cidText := strings.TrimSpace(f.CompanyID); cidText != "" {
		if n, err := strconv.ParseInt(cidText, 10, 64); err != nil {
			p.add(wCompanyID, "must be a whole number")
		} else if n != cid {
			return q, true, p.err()
		}
	}
	q.Number, q.Phone, q.Email, q.Company = f.CustomerNumber, f.PhoneNumber, f.Email, f.CompanyName
	q.FirstName, q.LastName = f.FirstName, f.LastName
	return q, false, p.err()
}

// PlanFilter is GetRecurringTrans' query; empty or -1 means any.
type PlanFilter struct {
	EffectiveDate, DateCreated, Frequency, CustomerNumber, CompanyName, IdentificationNum string
	Amount, CardNumber, InvoiceNumber, Active, Status                                     string
	SortExpression, SortDirection, PageSize, PageNumber                                   string
}

// planSortFields maps the wire's plan fields to the domain's sort keys.
func planSortFields() map[string]string {
	return map[string]string{"recurringid": "id", "customerid": "customer_id", "customernumber": "customer_number",
		"fullname": "holder_name", "billingcompanyname": "company", "identification": "reference",
		"paymentinfo_id": "payment_method", "invoicenumber": "invoice", "swipefeelabel": "fee_label",
		"plantype": "kind", "effectivedate": "start", "frequency": "frequency", "numberofpayments": "count",
		"remainingnumberofpayments": "remaining", "paymenttype": "payment_kind", "swipefeeamount": "fee",
		"amount": "amount", "recurringamount": "recurring_amount", "totalamount": "total_amount",
		"unlimited": "unlimited", "datecreated": "created", "status": "status", "active": "active",
		"nextpaymentdate": "next"}
}

// anyInt reads a filter where empty and -1 mean any.
func (p *params) anyInt(name, v string, lo, hi int) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" || v == "-1" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.add(name, "must be -1 (any) or a whole number from %d to %d", lo, hi)
		return 0, false
	}
	return n, true
}

// planQuery reads GetRecurringTrans' query.
func planQuery(f PlanFilter) (customer.PlanQuery, error) {
	var p params
	var q customer.PlanQuery
	if d := strings.TrimSpace(f.EffectiveDate); d != "" {
		if day, err := ParseDate(d); err != nil {
			p.addErr(wEffectiveDate, err)
		} else {
			q.Start = customer.Some(day)
		}
	}
	if d := strings.TrimSpace(f.DateCreated); d != "" {
		if day, err := ParseDate(d); err != nil {
			p.addErr("DateCreated", err)
		} else {
			q.CreatedOn = customer.Some(day)
		}
	}
	if n, ok := p.anyInt(wFrequency, f.Frequency, 0, 6); ok {
		q.Frequency = customer.Some(n)
	}
	if n, ok := p.anyInt("Active", f.Active, 0, 1); ok {
		q.Active = customer.Some(n == 1)
	}
	if n, ok := p.anyInt("Status", f.Status, 1, 4); ok {
		q.Status = customer.Status(n)
	}
	if a := strings.TrimSpace(f.Amount); a != "" {
		if m, err := field.ParseMoney(a); err != nil {
			p.addErr("Amount", err)
		} else {
			q.Amount = customer.Some(m)
		}
	}
	if c := strings.TrimSpace(f.CardNumber); c != "" {
		if len(c) != 4 || !field.AllDigits(c) {
			p.add(wCardNumber, "give the last four digits")
		} else {
			q.Last4 = c
		}
	}
	q.Number, q.Company, q.Reference, q.Invoice = f.CustomerNumber, f.CompanyName, f.IdentificationNum, f.InvoiceNumber
	if e := strings.ToLower(strings.TrimSpace(f.SortExpression)); e != "" {
		if k, ok := planSortFields()[e]; ok {
			q.Sort = k
		} else {
			p.add("SortExpression", "%q is not a plan field", f.SortExpression)
		}
	}
	q.Desc = p.direction(f.SortDirection)
	q.Page = p.page(f.PageSize, f.PageNumber)
	return q, p.err()
}
