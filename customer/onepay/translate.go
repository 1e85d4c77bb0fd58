package onepay

import "github.com/tonebase/tonebase/customer"

// wireField is the wire's name of a domain field, for a request whose card
// or check is of kind k; names the wire gave itself pass as they are.
func wireField(f string, k customer.PaymentKind) string {
	method := wCard
	if k == customer.KindBank {
		method = wCheck
	}
	switch f {
	case customer.FieldNumber:
		return in(wCustomer, wCustomerID)
	case customer.FieldNotes:
		return in(wCustomer, wNotes)
	case customer.FieldEmailReceipt:
		return in(wCustomer, wEmailReceipt)
	case customer.FieldToken:
		return in(method, wToken)
	case customer.FieldKind:
		return method
	case customer.FieldCardNumber:
		return in(wCard, wNumber)
	case customer.FieldCardExpiry:
		return in(wCard, wExpiration)
	case customer.FieldBankRouting:
		return in(wCheck, wABA)
	case customer.FieldBankAccount:
		return in(wCheck, wAccountNumber)
	case customer.FieldBankKind:
		return in(wCheck, wAccountType)
	case customer.FieldBankName:
		return in(wCheck, wBankName)
	case customer.FieldEntryClass:
		return in(wCheck, wSECCode)
	}
	for _, p := range []struct{ part, name string }{
		{customer.PartFirstName, wFirstName}, {customer.PartLastName, wLastName}, {customer.PartLine1, wStreet1},
		{customer.PartLine2, wStreet2}, {customer.PartCity, wCity}, {customer.PartState, wState}, {customer.PartZip, wZip},
		{customer.PartCountry, wCountry}, {customer.PartPhone, wPhone}, {customer.PartCompany, wCompany},
		{customer.PartEmail, wEmail},
	} {
		if f == customer.AddressField(customer.SideBilling, p.part) {
			return in(wCustomer, p.name)
		}
	}
	return f
}

// translate names problems in the wire's fields, each with its sub code,
// keeping the first problem of each field: the wire and the domain can
// both find a missing number, and one answer is enough.
func translate(ps []customer.Problem, k customer.PaymentKind) []Problem {
	out := make([]Problem, 0, len(ps))
	seen := map[string]bool{}
	for _, p := range ps {
		p.Field = wireField(p.Field, k)
		if seen[p.Field] {
			continue
		}
		seen[p.Field] = true
		out = append(out, Problem{Field: p.Field, SubCode: subCodeOf(p), Reason: p.Reason})
	}
	return out
}
