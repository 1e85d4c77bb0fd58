package hipfinity

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/schedule"
)

// Input is a request body by field name. Names are matched ignoring case, as
// the .NET model binder the API's clients are written against does; fields
// the API does not define (CVV, track data, PIN blocks among them) are
// dropped on parsing and so can never be stored, logged or echoed.
type Input map[string]field.Value

// knownFields maps each field's lower-case name to its canonical name.
func knownFields() map[string]string {
	names := append([]string{wID, wCustomerNumber, wAccountType, wCompanyID,
		wCustomerID, wPaymentType, wIsPrimary, wCardNumber, wExpDate, wFullName, wAddress, wZipCode,
		wDescription, wRoutingNumber, wAccountNumber, wBankNumber, wCardType,
		wRecurringID, wIdentification, wEffectiveDate, wFrequency, wNumberOfPay, wPaymentInfoID,
		wInvoiceNumber, wPlanType, wUnlimited, wRecurringAmt, wTotalAmount, wSwipeFeeAmount, wSwipeFeeLabel},
		addressWireNames()...)
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}

// text returns a field's trimmed text and whether it was sent.
func (in Input) text(name string) (string, bool) {
	v, ok := in[name]
	if !ok || !v.Set {
		return "", false
	}
	return v.Trimmed(), true
}

func (in Input) opt(name string) customer.Opt[string] {
	v, ok := in.text(name)
	return customer.Opt[string]{V: v, Set: ok}
}

// reader collects the problems met turning an Input into a domain input.
type reader struct {
	in     Input
	unread []customer.Problem
}

func (r *reader) problem(name, format string, args ...any) {
	r.unread = append(r.unread, customer.Problem{Field: name, Code: customer.CodeInvalid, Reason: fmt.Sprintf(format, args...)})
}

// problemErr records a parser's error, dropping its package prefix.
func (r *reader) problemErr(name string, err error) {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	r.problem(name, "%s", msg)
}

// codeNotScalar marks a field sent as an object or an array: the wire has
// always listed these together, at the point it checked them.
const codeNotScalar = "not_scalar"

// checkScalar records fields sent as objects or arrays; they read as empty.
func (r *reader) checkScalar() {
	for name, v := range r.in {
		if v.Bad {
			r.unread = append(r.unread, customer.Problem{Field: name, Code: codeNotScalar,
				Reason: "must be a string or a number, not an object or array"})
		}
	}
}

// integer reads a whole number from lo to hi, when sent and not empty.
func (r *reader) integer(name string, lo, hi int, what string) (int, bool) {
	v, ok := r.in.text(name)
	if !ok || v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.problem(name, "%s", what)
		return 0, false
	}
	return n, true
}

// paymentKind reads PaymentType: 2 (card) or 3 (bank account); anything
// else is the zero kind.
func paymentKind(v string) customer.PaymentKind {
	switch v {
	case "2":
		return customer.KindCard
	case "3":
		return customer.KindBank
	}
	return 0
}

// paymentTypeNumber is a kind's PaymentType.
func paymentTypeNumber(k customer.PaymentKind) int {
	return map[customer.PaymentKind]int{customer.KindCard: 2, customer.KindBank: 3}[k]
}

// Bank account kinds as Hipfinity numbers them: 0 savings, 1 checking, 2 business.
func bankKind(v string) customer.BankAccountKind {
	return map[string]customer.BankAccountKind{"0": customer.BankSavings, "1": customer.BankChecking, "2": customer.BankBusiness}[v]
}

func bankKindNumber(k customer.BankAccountKind) string {
	return map[customer.BankAccountKind]string{customer.BankSavings: "0", customer.BankChecking: "1", customer.BankBusiness: "2"}[k]
}

// readCustomer turns a Customers body into a domain input.
func readCustomer(in Input) customer.CustomerInput {
	r := reader{in: in}
	r.checkScalar()
	out := customer.CustomerInput{ID: in.opt(wID), Number: in.opt(wCustomerNumber)}
	for _, s := range sides() {
		a := &out.Billing
		if s.side == customer.SideShipping {
			a = &out.Shipping
		}
		dst := map[string]*customer.Opt[string]{customer.PartFirstName: &a.FirstName, customer.PartLastName: &a.LastName,
			customer.PartCompany: &a.Company, customer.PartLine1: &a.Line1, customer.PartCity: &a.City,
			customer.PartState: &a.State, customer.PartZip: &a.Zip, customer.PartCountry: &a.Country,
			customer.PartPhone: &a.Phone, customer.PartFax: &a.Fax, customer.PartEmail: &a.Email}
		for _, p := range addressParts() {
			*dst[p.part] = in.opt(s.prefix + p.suffix)
		}
	}
	if v, ok := in.text(wAccountType); ok && v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil {
			r.problem(wAccountType, "must be a whole number from 0 to 99")
		} else {
			out.AccountType = customer.Some(n)
		}
	}
	out.Unread = r.unread
	return out
}

// readPayment turns a PaymentDetails body into a domain input.
func readPayment(in Input, creating bool) customer.PaymentInput {
	r := reader{in: in}
	// A create of no known kind checks no more than its kind, isPrimary,
	// Id and CustomerId, as it always has.
	if v, _ := in.text(wPaymentType); !creating || paymentKind(v) != 0 {
		r.checkScalar()
	}
	out := customer.PaymentInput{ID: in.opt(wID), CustomerID: in.opt(wCustomerID), HolderName: in.opt(wFullName),
		Description: in.opt(wDescription), CardNumber: in.opt(wCardNumber), CardExpiry: in.opt(wExpDate),
		CardAddress: in.opt(wAddress), CardZip: in.opt(wZipCode), Routing: in.opt(wRoutingNumber),
		Account: in.opt(wAccountNumber), BankNumber: in.opt(wBankNumber)}
	// A create always has a kind, the zero one when PaymentType is missing
	// or wrong; an update only one it was sent.
	if v, ok := in.text(wPaymentType); creating || (ok && v != "") {
		out.Kind = customer.Some(paymentKind(v))
	}
	primary, ok := in[wIsPrimary].Bool()
	if !ok {
		r.problem(wIsPrimary, "must be true, false, 1 or 0")
	}
	out.Primary = primary
	if v, ok := in.text(wAccountType); ok {
		out.AccountKind = customer.Some(bankKind(v))
	}
	out.Unread = r.unread
	return out
}

// readPlan turns a RecurringTrans body into the plan id it names and a
// domain input, reading fields in the order the wire always has.
func readPlan(in Input) (customer.Opt[string], customer.PlanInput) {
	r := reader{in: in}
	r.checkScalar()
	out := customer.PlanInput{CustomerID: in.opt(wCustomerID), MethodID: in.opt(wPaymentInfoID),
		FeeLabel: in.opt(wSwipeFeeLabel), Invoice: in.opt(wInvoiceNumber), Reference: in.opt(wIdentification)}
	if v, ok := in.text(wPaymentType); ok {
		k := paymentKind(v)
		if k == 0 {
			r.problem(wPaymentType, "must be 2 (card) or 3 (bank account)")
		}
		out.MethodKind = customer.Some(k)
	}
	if n, ok := r.integer(wPlanType, 1, 2, "must be 1 (recurring) or 2 (installment)"); ok {
		out.Kind = customer.Some(customer.PlanKind(n))
	}
	if n, ok := r.integer(wFrequency, 0, 6, "must be 0 daily, 1 weekly, 2 bi-weekly, 3 monthly, 4 yearly, 5 quarterly or 6 semi-annually"); ok {
		out.Frequency = customer.Some(schedule.Frequency(n))
	}
	if n, ok := r.integer(wNumberOfPay, 0, customer.MaxPayments, fmt.Sprintf("must be a whole number from 1 to %d", customer.MaxPayments)); ok {
		out.Count = customer.Some(n)
	}
	if v, ok := in.text(wUnlimited); ok {
		if b, ok := (field.Value{Text: v}).Bool(); ok {
			out.Unlimited = customer.Some(b)
		} else {
			r.problem(wUnlimited, "must be 0 or 1")
		}
	}
	money := func(name string, dst *customer.Opt[int64]) {
		if v, ok := in.text(name); ok && v != "" {
			if m, err := field.ParseMoney(v); err != nil {
				r.problemErr(name, err)
			} else {
				*dst = customer.Some(m)
			}
		}
	}
	money(wRecurringAmt, &out.Recurring)
	money(wTotalAmount, &out.Total)
	money(wSwipeFeeAmount, &out.Fee)
	if v, ok := in.text(wEffectiveDate); ok {
		if d, err := ParseDate(v); err != nil {
			r.problemErr(wEffectiveDate, err)
		} else {
			out.Start = customer.Some(d)
		}
	}
	out.Unread = r.unread
	return in.opt(wRecurringID), out
}
