package customer

import (
	"time"

	"github.com/tonebase/tonebase/customer/schedule"
)

// FirstSeq is the first per-client customer number the service assigns.
const FirstSeq = 1000

// Address is a postal address with the contact details kept beside it.
type Address struct {
	FirstName, LastName, Company string
	Line1, Line2                 string
	City, State, Zip, Country    string
	Phone, Fax, Email            string
}

// Customer is one of a client's customers. It is reachable by ID (32 hex
// characters the service assigns), by Number (the merchant's own reference)
// and by Seq (a small integer per client, from FirstSeq).
type Customer struct {
	ID, Number        string
	Seq               int64
	Billing, Shipping Address
	Created           time.Time
	AccountType       int64
	// Notes are the merchant's notes on the customer; EmailReceipt asks
	// that receipts be emailed to the billing address's email.
	Notes        string
	EmailReceipt bool
	// Deleted is when the customer was deleted; zero while it is not. A
	// deleted customer is kept for the record, readable by wires that show
	// deleted customers, and found by no write.
	Deleted time.Time
}

// PaymentKind is what a payment method draws on.
type PaymentKind int

// Payment kinds. The zero value is no kind, so an unset kind is never taken
// for a card.
const (
	KindCard PaymentKind = iota + 1
	KindBank
)

// Valid reports whether k is a kind the domain knows.
func (k PaymentKind) Valid() bool { return k == KindCard || k == KindBank }

// String names the kind in words, for messages.
func (k PaymentKind) String() string {
	switch k {
	case KindCard:
		return "card"
	case KindBank:
		return "bank account"
	}
	return "payment method"
}

// BankAccountKind is the kind of a bank account. Each wire numbers the kinds
// its own way, so the domain names them and every wire maps its numbers.
type BankAccountKind int

// Bank account kinds; the zero value is no kind.
const (
	BankSavings BankAccountKind = iota + 1
	BankChecking
	BankBusiness
)

// Valid reports whether k is a kind the domain knows.
func (k BankAccountKind) Valid() bool { return k >= BankSavings && k <= BankBusiness }

// PaymentMethod is a stored card or bank account. Numbers are only ever
// held masked here; the clear number lives sealed in the vault.
type PaymentMethod struct {
	ID, Token, CustomerID string
	Kind                  PaymentKind
	Primary               bool
	HolderName            string
	Description           string
	// Masked is the card or account number as it may be shown.
	Masked      string
	Fingerprint string
	Created     time.Time
	Card        CardDetails
	Bank        BankDetails
}

// CardDetails are what a card method has beyond the common fields.
type CardDetails struct {
	// Expiry is MMYY.
	Expiry  string
	Address string
	Zip     string
}

// BankDetails are what a bank account method has beyond the common fields.
type BankDetails struct {
	// Routing is the ABA routing number; wires show it masked.
	Routing     string
	AccountKind BankAccountKind
	BankNumber  string
	// BankName is the bank's name as the merchant gave it.
	BankName string
	// EntryClass is the ACH standard entry class the account is debited
	// under (EntryClasses), or "".
	EntryClass string
}

// PlanKind is how a plan charges.
type PlanKind int

// Plan kinds; the zero value is no kind.
const (
	PlanRecurring   PlanKind = iota + 1 // the same amount each time
	PlanInstallment                     // a total split into payments
)

// Valid reports whether k is a kind the domain knows.
func (k PlanKind) Valid() bool { return k == PlanRecurring || k == PlanInstallment }

// Status is where a plan stands on a day.
type Status int

// Plan statuses.
const (
	StatusActive Status = iota + 1
	StatusSuspended
	StatusCompleted
	StatusCancelled
)

// Valid reports whether s is a status the domain knows.
func (s Status) Valid() bool { return s >= StatusActive && s <= StatusCancelled }

func (s Status) String() string {
	return map[Status]string{StatusActive: "active", StatusSuspended: "suspended", StatusCompleted: "completed", StatusCancelled: "cancelled"}[s]
}

// Terms are what a plan charges, when, and from what. Amounts are minor units.
type Terms struct {
	CustomerID, MethodID string
	MethodKind           PaymentKind
	Kind                 PlanKind
	Frequency            schedule.Frequency
	// Start is the first payment's day, midnight UTC.
	Start                        time.Time
	Count                        int
	Unlimited                    bool
	Recurring, Total, Fee        int64
	FeeLabel, Invoice, Reference string
	// NotificationURL is where the merchant wants to hear of the plan's
	// charges; End, if set, is the last day the plan may charge.
	NotificationURL string
	End             time.Time
}

// Amounts are what each payment charges before the fee: every payment but
// the last, and the last.
func (t Terms) Amounts() (regular, last int64) {
	if t.Kind == PlanInstallment {
		return schedule.Split(t.Total, t.Count)
	}
	return t.Recurring, t.Recurring
}

// Plan is a stored plan.
type Plan struct {
	ID string
	Terms
	// Amount is what each regular payment charges, fee included.
	Amount    int64
	Cancelled bool
	// CancelledAt is when it was cancelled; zero for plans cancelled before
	// it was kept.
	CancelledAt time.Time
	Pauses      []schedule.Pause
	Created     time.Time
}

// Schedule is the plan's payment dates.
func (p Plan) Schedule() schedule.Plan {
	return schedule.Plan{Start: p.Start, Frequency: p.Frequency, Count: p.Count, Pauses: p.Pauses, End: p.End}
}

// PlanState is where a plan stands on a day.
type PlanState struct {
	Status Status
	// Remaining is -1 for an unlimited plan.
	Remaining int
	// Next is the next payment's day; zero when there is none.
	Next time.Time
}

// PlanView is a plan with where it stands and what it refers to, as lists
// and look-ups answer it.
type PlanView struct {
	Plan
	State PlanState
	// Customer is the plan's customer, zero once deleted; Method is the
	// payment method it charges, zero once deleted.
	Customer Customer
	Method   PaymentMethod
}

// Last4 is the last four digits of the method's number, or "".
func (v PlanView) Last4() string {
	if m := v.Method.Masked; len(m) >= 4 {
		return m[len(m)-4:]
	}
	return ""
}

// ScheduledPayment is one payment of a plan: amounts in minor units.
type ScheduledPayment struct {
	Number int
	Date   time.Time
	// Payment is what it charges before the fee.
	Payment, Fee int64
}

// Total is what the payment charges, fee included.
func (p ScheduledPayment) Total() int64 { return p.Payment + p.Fee }

// PlanSchedule is the payments a plan still has to make.
type PlanSchedule struct {
	Plan     Plan
	State    PlanState
	Payments []ScheduledPayment
}

// Due is one charge to make on a day.
type Due struct {
	Plan Plan
	// Customer is the plan's customer.
	Customer Customer
	Payment  ScheduledPayment
}

// Result is what a write answers: the id of the record it made or changed,
// and whether it replays an earlier request's result.
type Result struct {
	ID       string
	Replayed bool
}
