package onepay

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// Lengths the document gives.
const (
	maxText     = 50 // names, streets, city, state, country, company, email
	maxClientIP = 45
	maxID       = 50
)

// op is what a request asks, read and checked as far as the wire can
// without the store.
type op struct {
	// action is the customer's action code as sent, "" for none.
	action string
	// number is the customer_id as sent.
	number string
	save   customer.Save
	// remove is set for action 4: the token of the method to delete.
	remove bool
	token  string
	// kind is the kind of the card or check sent, 0 for neither.
	kind customer.PaymentKind
}

// read turns a request into an op, listing every problem the wire finds.
func read(req Request, now time.Time) (op, []customer.Problem) {
	r := reader{}
	o := op{}
	if v := req.ClientIP; v.Set {
		ip := v.Trimmed()
		switch _, err := netip.ParseAddr(ip); {
		case field.Len(ip) > maxClientIP:
			r.add(wClientIP, customer.CodeTooLong, fmt.Sprintf("longer than %d characters", maxClientIP))
		case ip != "" && err != nil:
			r.add(wClientIP, customer.CodeInvalid, "is not an IPv4 or IPv6 address")
		}
	}
	if req.Customer == nil {
		r.add(in(wCustomer, wCustomerID), customer.CodeRequired, "is required: AUTO, or your own id for the customer")
	} else {
		r.customer(req.Customer, &o)
	}
	switch {
	case req.Card != nil && req.Check != nil:
		r.add(wCheck, codeBoth, "cannot be sent with a card: send one payment method a request")
	case req.Card != nil:
		o.kind = customer.KindCard
		r.method(wCard, req.Card, &o, func(obj Object, pin *customer.PaymentInput, adding bool) {
			r.card(obj, pin, adding, now)
		})
	case req.Check != nil:
		o.kind = customer.KindBank
		r.method(wCheck, req.Check, &o, r.check)
	}
	if o.remove && o.kind == 0 {
		r.add(in(wCard, wToken), customer.CodeRequired, "is required with action_code 4: the token of the card or check to delete")
	}
	if m := o.save.Method; m != nil && m.Token == "" {
		// A new method is the customer's: the name on it is theirs.
		a := o.save.Customer.Billing
		if name := strings.TrimSpace(a.FirstName.V + " " + a.LastName.V); name != "" && field.Len(name) <= maxText {
			m.In.HolderName = customer.Some(name)
		}
	}
	return o, r.ps
}

// text reads a field's trimmed text and whether it was sent (null is not),
// refusing it past max characters.
func (r *reader) text(obj Object, object, name string, max int) customer.Opt[string] {
	v, ok := obj[name]
	if !ok || !v.Set {
		return customer.Opt[string]{}
	}
	s := v.Trimmed()
	if max > 0 && field.Len(s) > max {
		r.add(in(object, name), customer.CodeTooLong, fmt.Sprintf("longer than %d characters", max))
		return customer.Opt[string]{}
	}
	return customer.Some(s)
}

// customer reads the customer object.
func (r *reader) customer(obj Object, o *op) {
	id := r.text(obj, wCustomer, wCustomerID, 0)
	o.number = id.V
	switch {
	case id.V == "":
		r.add(in(wCustomer, wCustomerID), customer.CodeRequired, "is required: AUTO, or your own id for the customer")
	case strings.EqualFold(id.V, autoID):
		o.save.AutoNumber = true
	case field.Len(id.V) > maxID:
		r.add(in(wCustomer, wCustomerID), customer.CodeTooLong, fmt.Sprintf("longer than %d characters", maxID))
	case !idChars(id.V):
		r.add(in(wCustomer, wCustomerID), customer.CodeInvalid, "may hold only letters, digits, '-', '_' and '.'")
	}
	o.action = r.text(obj, wCustomer, wActionCode, 0).V
	switch o.action {
	case "":
		o.save.Action = customer.KeepCustomer
	case actionUpsert:
		o.save.Action = customer.UpsertCustomer
	case actionAddOrKeep:
		o.save.Action = customer.AddCustomerIfAbsent
	case actionAddOrFail:
		o.save.Action = customer.AddNewCustomer
	case actionDeleteLink:
		o.remove = true
	default:
		r.add(in(wCustomer, wActionCode), customer.CodeInvalid,
			"must be 1 (add or update), 2 (add, keep a stored one), 3 (add, refuse a stored one) or 4 (delete the card or check its token names)")
	}
	if o.save.AutoNumber && (o.action == "" || o.remove) {
		r.add(in(wCustomer, wCustomerID), customer.CodeInvalid, "AUTO makes a new customer, so it needs action_code 1, 2 or 3")
	}
	ci := customer.CustomerInput{Number: customer.Some(id.V), Style: customer.StyleLoose}
	a := &ci.Billing
	for _, f := range []struct {
		name string
		dst  *customer.Opt[string]
		max  int
	}{{wFirstName, &a.FirstName, maxText}, {wLastName, &a.LastName, maxText}, {wStreet1, &a.Line1, maxText},
		{wStreet2, &a.Line2, maxText}, {wCity, &a.City, maxText}, {wState, &a.State, maxText}, {wZip, &a.Zip, 0},
		{wCountry, &a.Country, maxText}, {wPhone, &a.Phone, 0}, {wCompany, &a.Company, maxText},
		{wEmail, &a.Email, maxText}} {
		*f.dst = r.text(obj, wCustomer, f.name, f.max)
	}
	if e := a.Email; e.Set && e.V != "" && !looksLikeEmail(e.V) {
		r.add(in(wCustomer, wEmail), customer.CodeInvalid, "is not an email address (name@example.com)")
		a.Email = customer.Opt[string]{}
	}
	ci.Notes = r.text(obj, wCustomer, wNotes, customer.MaxNotes)
	if v, ok := obj[wEmailReceipt]; ok && v.Set {
		if b, ok := v.Bool(); ok {
			ci.EmailReceipt = customer.Some(b)
		} else {
			r.add(in(wCustomer, wEmailReceipt), customer.CodeInvalid, "must be 1 (yes) or 0 (no)")
		}
	}
	o.save.Customer = ci
	o.save.Check = checkCustomer
}

// idChars reports whether s holds only the characters merchants' ids use.
func idChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// looksLikeEmail checks the form name@domain.tld, no more: whether the
// mailbox exists only a message can tell.
func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	dot := strings.LastIndexByte(domain, '.')
	return ok && local != "" && !strings.ContainsAny(s, " \t") && !strings.Contains(domain, "@") &&
		dot > 0 && dot < len(domain)-1
}

// checkCustomer is this wire's check of the customer as it would be stored:
// names are required of a new customer; in the US (or with no country) a
// zip is 5 or 9 digits and a phone number 10, elsewhere they are only
// bounded in length (by the domain's loose address). Only the fields sent
// are checked, against the country as it would be stored, so a record
// another API stored is never refused for a field this request left alone.
func checkCustomer(c customer.Customer, sent customer.CustomerInput, creating bool) []customer.Problem {
	var ps []customer.Problem
	add := func(name, code, reason string) {
		ps = append(ps, customer.Problem{Field: in(wCustomer, name), Code: code, Reason: reason})
	}
	if creating {
		if c.Billing.FirstName == "" {
			add(wFirstName, customer.CodeRequired, "is required for a new customer")
		}
		if c.Billing.LastName == "" {
			add(wLastName, customer.CodeRequired, "is required for a new customer")
		}
	}
	if !inUS(c.Billing.Country) {
		return ps
	}
	if z := sent.Billing.Zip; z.Set && z.V != "" {
		if d := c.Billing.Zip; (len(d) != 5 && len(d) != 9) || !field.AllDigits(d) {
			add(wZip, customer.CodeInvalid, "must be 5 or 9 digits (12345 or 12345-6789) in the US")
		}
	}
	if p := sent.Billing.Phone; p.Set && p.V != "" {
		if d := c.Billing.Phone; len(d) != 10 || !field.AllDigits(d) {
			add(wPhone, customer.CodeInvalid, "must be 10 digits in the US")
		}
	}
	return ps
}

// inUS reports whether a country names the United States, or none is
// given (the document's default).
func inUS(country string) bool {
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA":
		return true
	}
	return false
}
