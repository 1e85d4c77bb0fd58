package customer

import (
	"time"

	"github.com/tonebase/tonebase/customer/schedule"
)

// Opt is a field of an input that may not have been sent: a partial update
// changes only the fields that are Set.
type Opt[T any] struct {
	V   T
	Set bool
}

// Into sets *dst to the value when it was sent.
func (o Opt[T]) Into(dst *T) {
	if o.Set {
		*dst = o.V
	}
}

// Some is a sent value.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Set: true} }

// Domain field names, as problems name them. Each wire maps them to its own.
const (
	FieldID             = "id"
	FieldNumber         = "number"
	FieldAccountType    = "account_type"
	FieldCustomerID     = "customer_id"
	FieldKind           = "kind"
	FieldHolderName     = "holder_name"
	FieldDescription    = "description"
	FieldCardNumber     = "card.number"
	FieldCardExpiry     = "card.expiry"
	FieldCardAddress    = "card.address"
	FieldCardZip        = "card.zip"
	FieldBankRouting    = "bank.routing_number"
	FieldBankAccount    = "bank.account_number"
	FieldBankKind       = "bank.account_kind"
	FieldBankNumber     = "bank.bank_number"
	FieldPlanKind       = "plan.kind"
	FieldPlanMethod     = "plan.payment_method_id"
	FieldPlanMethodKind = "plan.payment_kind"
	FieldPlanStart      = "plan.start"
	FieldPlanCount      = "plan.count"
	FieldPlanUnlimited  = "plan.unlimited"
	FieldPlanRecurring  = "plan.recurring_amount"
	FieldPlanTotal      = "plan.total_amount"
	FieldIdempotencyKey = "idempotency_key"
	FieldPageSize       = "page.size"
	FieldPageNumber     = "page.number"
	FieldSearch         = "search"
	FieldDate           = "date"
)

// Address parts, for AddressField.
const (
	PartFirstName = "first_name"
	PartLastName  = "last_name"
	PartCompany   = "company"
	PartLine1     = "line1"
	PartLine2     = "line2"
	PartCity      = "city"
	PartState     = "state"
	PartZip       = "zip"
	PartCountry   = "country"
	PartPhone     = "phone"
	PartFax       = "fax"
	PartEmail     = "email"
)

// Address sides.
const (
	SideBilling  = "billing"
	SideShipping = "shipping"
)

// AddressField is the domain name of one part of one address: "billing.first_name".
func AddressField(side, part string) string { return side + "." + part }

// AddressInput is an address as a request sends it.
type AddressInput struct {
	FirstName, LastName, Company Opt[string]
	Line1, Line2                 Opt[string]
	City, State, Zip, Country    Opt[string]
	Phone, Fax, Email            Opt[string]
}

// parts lists the address's fields with their part names, in a fixed order.
func (a *AddressInput) parts() []struct {
	name string
	v    *Opt[string]
} {
	return []struct {
		name string
		v    *Opt[string]
	}{{PartFirstName, &a.FirstName}, {PartLastName, &a.LastName}, {PartCompany, &a.Company}, {PartLine1, &a.Line1},
		{PartCity, &a.City}, {PartState, &a.State}, {PartZip, &a.Zip}, {PartCountry, &a.Country},
		{PartPhone, &a.Phone}, {PartFax, &a.Fax}, {PartEmail, &a.Email}, {PartLine2, &a.Line2}}
}

// CustomerInput is a customer as a create or update sends it.
type CustomerInput struct {
	// ID, on an update, must name the customer being updated.
	ID                Opt[string]
	Number            Opt[string]
	Billing, Shipping AddressInput
	AccountType       Opt[int64]
	Notes             Opt[string]
	EmailReceipt      Opt[bool]
	// NumberOptional lets a create leave the number out, for wires whose
	// customers need none; a number sent is still unique.
	NumberOptional bool
	// Style is the rules the addresses follow.
	Style AddressStyle
	// Unread are problems the wire met reading the request; they are
	// reported with the domain's own, and nothing is written while any remain.
	Unread []Problem
}

// PaymentInput is a payment method as a create or update sends it.
type PaymentInput struct {
	ID, CustomerID Opt[string]
	// Kind is fixed once a method exists; a wire that cannot read the kind
	// it was sent passes an invalid one, which an update refuses.
	Kind        Opt[PaymentKind]
	Primary     bool
	HolderName  Opt[string]
	Description Opt[string]
	CardNumber  Opt[string]
	// CardExpiry is MMYY (MM/YY is accepted).
	CardExpiry  Opt[string]
	CardAddress Opt[string]
	CardZip     Opt[string]
	Routing     Opt[string]
	Account     Opt[string]
	AccountKind Opt[BankAccountKind]
	BankNumber  Opt[string]
	BankName    Opt[string]
	EntryClass  Opt[string]
	Unread      []Problem
}

// PlanInput is a plan as a create or update sends it. Amounts are minor units.
type PlanInput struct {
	CustomerID, MethodID Opt[string]
	MethodKind           Opt[PaymentKind]
	Kind                 Opt[PlanKind]
	Frequency            Opt[schedule.Frequency]
	Start                Opt[time.Time]
	Count                Opt[int]
	Unlimited            Opt[bool]
	Recurring, Total     Opt[int64]
	Fee                  Opt[int64]
	FeeLabel             Opt[string]
	Invoice, Reference   Opt[string]
	// NotificationURL is where to tell the merchant of charges; End is the
	// last day the plan may charge (a zero time clears it).
	NotificationURL Opt[string]
	End             Opt[time.Time]
	// NextCharge, on an update, moves the plan's next payment to that day:
	// the plan restarts from it with the payments it has left.
	NextCharge Opt[time.Time]
	Unread     []Problem
}
