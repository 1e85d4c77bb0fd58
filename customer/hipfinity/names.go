package hipfinity

import (
	"slices"
	"strings"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/schedule"
)

// Field names of the Hipfinity wire.
const (
	wID             = "Id"
	wCustomerNumber = "CustomerNumber"
	wAccountType    = "AccountType"
	wCompanyID      = "CompanyId"
	wCustomerID     = "CustomerId"
	wPaymentType    = "PaymentType"
	wIsPrimary      = "isPrimary"
	wCardNumber     = "CardNumber"
	wExpDate        = "ExpDate"
	wFullName       = "FullName"
	wAddress        = "Address"
	wZipCode        = "ZipCode"
	wDescription    = "Description"
	wRoutingNumber  = "RoutingNumber"
	wAccountNumber  = "AccountNumber"
	wBankNumber     = "BankNumber"
	wCardType       = "CardType"
	wRecurringID    = "RecurringId"
	wIdentification = "Identification"
	wEffectiveDate  = "EffectiveDate"
	wFrequency      = "Frequency"
	wNumberOfPay    = "NumberOfPayments"
	wPaymentInfoID  = "PaymentInfo_Id"
	wInvoiceNumber  = "InvoiceNumber"
	wPlanType       = "PlanType"
	wUnlimited      = "Unlimited"
	wRecurringAmt   = "RecurringAmount"
	wTotalAmount    = "TotalAmount"
	wSwipeFeeAmount = "SwipeFeeAmount"
	wSwipeFeeLabel  = "SwipeFeeLabel"
	wIdemHeader     = "Idempotency-Key"
	wDate           = "Date"
)

// addressPart pairs a Hipfinity address field's suffix with the domain's part.
type addressPart struct{ suffix, part string }

// addressParts are a side's address fields in the document's order. The
// wire has one address line: the domain's second stays empty.
func addressParts() []addressPart {
	return []addressPart{{"FirstName", customer.PartFirstName}, {"LastName", customer.PartLastName},
		{"CompanyName", customer.PartCompany}, {"Address", customer.PartLine1}, {"City", customer.PartCity},
		{"State", customer.PartState}, {"ZipCode", customer.PartZip}, {"Country", customer.PartCountry},
		{"Phone", customer.PartPhone}, {"Fax", customer.PartFax}, {"Email", customer.PartEmail}}
}

// sides are the address sides with their wire prefixes.
func sides() [2]struct{ prefix, side string } {
	return [2]struct{ prefix, side string }{{"Billing", customer.SideBilling}, {"Shipping", customer.SideShipping}}
}

// addressWireNames lists every address field's wire name, billing first.
func addressWireNames() []string {
	var out []string
	for _, s := range sides() {
		for _, p := range addressParts() {
			out = append(out, s.prefix+p.suffix)
		}
	}
	return out
}

// scalarMark ranks the problems of fields sent as objects or arrays.
const scalarMark = "\x00scalar"

// dialect is how one group of operations names the domain's fields and
// words the domain's reasons that would otherwise name domain things.
type dialect struct {
	names   map[string]string // domain field → wire field
	reasons map[string]string // domain field + "/" + code → wire reason
	// rank orders an answer's problems as the wire has always listed them:
	// the fields in the order it reads them, scalarMark where it checked
	// for objects and arrays; other fields come last, in the domain's order.
	rank func(ps []customer.Problem) []string
}

func commonNames() map[string]string {
	m := map[string]string{customer.FieldIdempotencyKey: wIdemHeader, customer.FieldCustomerID: wCustomerID}
	for _, s := range sides() {
		for _, p := range addressParts() {
			m[customer.AddressField(s.side, p.part)] = s.prefix + p.suffix
		}
	}
	return m
}

func customerDialect() dialect {
	n := commonNames()
	n[customer.FieldID], n[customer.FieldNumber], n[customer.FieldAccountType] = wID, wCustomerNumber, wAccountType
	order := append(append([]string{scalarMark, wCustomerNumber}, addressWireNames()...), wAccountType)
	return dialect{names: n, rank: func([]customer.Problem) []string { return order },
		reasons: map[string]string{customer.FieldID + "/" + customer.CodeAssigned: "is assigned by the server; use PUT Customers/{id} to update"}}
}

func paymentDialect(creating bool) dialect {
	n := commonNames()
	for k, v := range map[string]string{customer.FieldID: wID, customer.FieldKind: wPaymentType,
		customer.FieldHolderName: wFullName, customer.FieldDescription: wDescription, customer.FieldCardNumber: wCardNumber,
		customer.FieldCardExpiry: wExpDate, customer.FieldCardAddress: wAddress, customer.FieldCardZip: wZipCode,
		customer.FieldBankRouting: wRoutingNumber, customer.FieldBankAccount: wAccountNumber,
		customer.FieldBankKind: wAccountType, customer.FieldBankNumber: wBankNumber} {
		n[k] = v
	}
	bankKinds := "must be 0 (personal savings), 1 (personal checking) or 2 (business checking)"
	head := []string{wPaymentType, wIsPrimary, wID, wCustomerID}
	if !creating {
		head = []string{wID, wCustomerID, wPaymentType, wIsPrimary}
	}
	head = append(head, scalarMark, wFullName, wDescription)
	card := append(slices.Clone(head), wRoutingNumber, wAccountNumber, wBankNumber, wAddress, wZipCode, wCardNumber, wExpDate)
	bank := append(slices.Clone(head), wCardNumber, wExpDate, wBankNumber, wRoutingNumber, wAccountNumber, wAccountType)
	return dialect{names: n,
		reasons: map[string]string{
			customer.FieldID + "/" + customer.CodeAssigned:                     "is assigned by the server; use PUT PaymentDetails/{id} to update",
			customer.FieldKind + "/" + customer.CodeRequired:                   "must be 2 (card) or 3 (bank account)",
			customer.FieldBankAccount + "/" + customer.CodeRequiredWithRouting: "is required with a new RoutingNumber",
			customer.FieldBankKind + "/" + customer.CodeInvalid:                bankKinds,
			customer.FieldBankKind + "/" + customer.CodeRequired:               bankKinds,
		},
		rank: func(ps []customer.Problem) []string {
			if bankProblems(ps) {
				return bank
			}
			return card
		}}
}

// bankProblems reports whether problems are a bank account's: the fields a
// card and an account check come in different orders.
func bankProblems(ps []customer.Problem) bool {
	for _, p := range ps {
		switch p.Field {
		case customer.FieldBankRouting, customer.FieldBankAccount, customer.FieldBankNumber, customer.FieldBankKind:
			if p.Code != customer.CodeNotApplicable {
				return true
			}
		case customer.FieldCardNumber, customer.FieldCardExpiry:
			if p.Code == customer.CodeNotApplicable {
				return true
			}
		}
	}
	return false
}

func planDialect() dialect {
	n := commonNames()
	for k, v := range map[string]string{customer.FieldID: wRecurringID, customer.FieldPlanKind: wPlanType,
		customer.FieldPlanMethod: wPaymentInfoID, customer.FieldPlanMethodKind: wPaymentType,
		customer.FieldPlanStart: wEffectiveDate, customer.FieldPlanCount: wNumberOfPay,
		customer.FieldPlanUnlimited: wUnlimited, customer.FieldPlanRecurring: wRecurringAmt,
		customer.FieldPlanTotal: wTotalAmount, customer.FieldPlanFeeLabel: wSwipeFeeLabel,
		customer.FieldPlanInvoice: wInvoiceNumber, customer.FieldPlanReference: wIdentification} {
		n[k] = v
	}
	return dialect{names: n, rank: func([]customer.Problem) []string { return []string{scalarMark} }, reasons: map[string]string{
		customer.FieldID + "/" + customer.CodeAssigned:                    "is assigned by the server; use PUT RecurringTrans/{id} to update",
		customer.FieldPlanCount + "/" + customer.CodeCountUnlessUnlimited: "must be at least 1 unless Unlimited is 1",
		customer.FieldPlanKind + "/" + customer.CodeRequired:              "is required: 1 (recurring) or 2 (installment)",
		customer.FieldPlanMethodKind + "/" + customer.CodeRequired:        "is required: 2 (card) or 3 (bank account)",
		customer.FieldPlanMethod + "/" + customer.CodeKindIsCard:          "is a card, not a bank account as PaymentType says",
		customer.FieldPlanMethod + "/" + customer.CodeKindIsBank:          "is a bank account, not a card as PaymentType says",
		customer.FieldPlanCount + "/" + customer.CodeCountWithUnlimited:   "must be 0 or left out when Unlimited is 1",
		customer.FieldPlanStart + "/" + customer.CodePastHorizon:          "is after " + FormatShortDate(schedule.Horizon()) + ", the last day a plan may start",
	}}
}

// dueDialect names GetDue's problems.
func dueDialect() dialect {
	return dialect{names: map[string]string{customer.FieldDate: wDate}, reasons: map[string]string{
		customer.FieldDate + "/" + customer.CodePastHorizon: "is after " + FormatShortDate(schedule.Horizon()) + ", the last day schedules cover",
	}}
}

// translate names the domain's problems as the wire does. Problems the wire
// found itself already carry wire names and pass through.
func (d dialect) translate(ps []customer.Problem) []Problem {
	type ranked struct {
		Problem
		key string
	}
	out := make([]ranked, len(ps))
	for i, p := range ps {
		reason := p.Reason
		if r, ok := d.reasons[p.Field+"/"+p.Code]; ok {
			reason = r
		}
		name := p.Field
		if n, ok := d.names[p.Field]; ok {
			name = n
		}
		key := name
		if p.Code == codeNotScalar {
			key = scalarMark
		}
		out[i] = ranked{Problem{Field: name, Reason: reason}, key}
	}
	if d.rank != nil {
		order := d.rank(ps)
		pos := func(key string) int {
			if i := slices.Index(order, key); i >= 0 {
				return i
			}
			return len(order)
		}
		slices.SortStableFunc(out, func(a, b ranked) int { return pos(a.key) - pos(b.key) })
	}
	res := make([]Problem, len(out))
	for i, r := range out {
		res[i] = r.Problem
	}
	return res
}

// statusText is an input error's StatusText: every problem, by wire name.
func statusText(ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "invalid input: " + strings.Join(parts, "; ")
}
