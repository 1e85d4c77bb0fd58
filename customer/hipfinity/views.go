package hipfinity

import (
	"strconv"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// Customer is a customer as the API answers it.
type Customer struct {
	ID                  string `json:"Id"`
	CustomerNumber      string `json:"CustomerNumber"`
	BillingFirstName    string `json:"BillingFirstName"`
	BillingLastName     string `json:"BillingLastName"`
	BillingCompanyName  string `json:"BillingCompanyName"`
	BillingAddress      string `json:"BillingAddress"`
	BillingCity         string `json:"BillingCity"`
	BillingState        string `json:"BillingState"`
	BillingZipCode      string `json:"BillingZipCode"`
	BillingCountry      string `json:"BillingCountry"`
	BillingPhone        string `json:"BillingPhone"`
	BillingFax          string `json:"BillingFax"`
	BillingEmail        string `json:"BillingEmail"`
	ShippingFirstName   string `json:"ShippingFirstName"`
	ShippingLastName    string `json:"ShippingLastName"`
	ShippingCompanyName string `json:"ShippingCompanyName"`
	ShippingAddress     string `json:"ShippingAddress"`
	ShippingCity        string `json:"ShippingCity"`
	ShippingState       string `json:"ShippingState"`
	ShippingZipCode     string `json:"ShippingZipCode"`
	ShippingCountry     string `json:"ShippingCountry"`
	ShippingPhone       string `json:"ShippingPhone"`
	ShippingFax         string `json:"ShippingFax"`
	ShippingEmail       string `json:"ShippingEmail"`
	DateTime            string `json:"DateTime"`
	CompanyID           int64  `json:"CompanyId"`
	AccountType         int64  `json:"AccountType"`
}

func customerView(cid int64, c customer.Customer) Customer {
	b, s := c.Billing, c.Shipping
	return Customer{ID: c.ID, CustomerNumber: c.Number,
		BillingFirstName: b.FirstName, BillingLastName: b.LastName, BillingCompanyName: b.Company, BillingAddress: b.Line1,
		BillingCity: b.City, BillingState: b.State, BillingZipCode: b.Zip, BillingCountry: b.Country, BillingPhone: b.Phone,
		BillingFax: b.Fax, BillingEmail: b.Email,
		ShippingFirstName: s.FirstName, ShippingLastName: s.LastName, ShippingCompanyName: s.Company, ShippingAddress: s.Line1,
		ShippingCity: s.City, ShippingState: s.State, ShippingZipCode: s.Zip, ShippingCountry: s.Country, ShippingPhone: s.Phone,
		ShippingFax: s.Fax, ShippingEmail: s.Email,
		DateTime: FormatDateTime(c.Created), CompanyID: cid, AccountType: c.AccountType}
}

// Summary is a search hit.
type Summary struct {
	ID                 string `json:"Id"`
	CustomerNumber     string `json:"CustomerNumber"`
	BillingCompanyName string `json:"BillingCompanyName"`
	BillingFirstName   string `json:"BillingFirstName"`
	BillingLastName    string `json:"BillingLastName"`
}

func summaryView(_ int64, c customer.Customer) Summary {
	return Summary{ID: c.ID, CustomerNumber: c.Number, BillingCompanyName: c.Billing.Company,
		BillingFirstName: c.Billing.FirstName, BillingLastName: c.Billing.LastName}
}

// PaymentItem is a payment method as GetPayments lists it: fields that do
// not apply to its type are null, as the API shows them.
type PaymentItem struct {
	ID            string  `json:"Id"`
	CompanyID     int64   `json:"CompanyId"`
	CustomerID    string  `json:"CustomerId"`
	IsPrimary     bool    `json:"isPrimary"`
	ExpDate       *string `json:"ExpDate"`
	Address       *string `json:"Address"`
	ZipCode       *string `json:"ZipCode"`
	FullName      string  `json:"FullName"`
	RoutingNumber *string `json:"RoutingNumber"`
	AccountType   *string `json:"AccountType"`
	AccountNumber *string `json:"AccountNumber"`
	Description   string  `json:"Description"`
	PaymentType   int     `json:"PaymentType"`
	CardNumber    *string `json:"CardNumber"`
	// Token is the method's other name, which the OnePay API uses.
	Token string `json:"Token"`
}

// CardInfo is GetPaymentInfo's answer for a card.
type CardInfo struct {
	ID          string `json:"Id"`
	CustomerID  string `json:"CustomerId"`
	CardNumber  string `json:"CardNumber"`
	ExpDate     string `json:"ExpDate"`
	Description string `json:"Description"`
	FullName    string `json:"FullName"`
	Address     string `json:"Address"`
	ZipCode     string `json:"ZipCode"`
	IsPrimary   bool   `json:"isPrimary"`
	Token       string `json:"Token"`
}

// BankInfo is GetPaymentInfo's answer for a bank account.
type BankInfo struct {
	ID            string `json:"Id"`
	CustomerID    string `json:"CustomerId"`
	RoutingNumber string `json:"RoutingNumber"`
	AccountNumber string `json:"AccountNumber"`
	Description   string `json:"Description"`
	FullName      string `json:"FullName"`
	AccountType   string `json:"AccountType"`
	IsPrimary     bool   `json:"isPrimary"`
	Token         string `json:"Token"`
}

func ptr(s string) *string { return &s }

func paymentItem(cid int64, m customer.PaymentMethod) PaymentItem {
	it := PaymentItem{ID: m.ID, CompanyID: cid, CustomerID: m.CustomerID, IsPrimary: m.Primary,
		FullName: m.HolderName, Description: m.Description, PaymentType: paymentTypeNumber(m.Kind), Token: m.Token}
	if m.Kind == customer.KindCard {
		it.ExpDate, it.Address, it.ZipCode = ptr(m.Card.Expiry), ptr(m.Card.Address), ptr(m.Card.Zip)
		it.CardNumber = ptr(m.Masked)
	} else {
		it.RoutingNumber, it.AccountType = ptr(field.MaskLast4(m.Bank.Routing)), ptr(bankKindNumber(m.Bank.AccountKind))
		it.AccountNumber = ptr(m.Masked)
	}
	return it
}

func paymentInfo(m customer.PaymentMethod) any {
	if m.Kind == customer.KindCard {
		return CardInfo{ID: m.ID, CustomerID: m.CustomerID, CardNumber: m.Masked, ExpDate: m.Card.Expiry,
			Description: m.Description, FullName: m.HolderName, Address: m.Card.Address, ZipCode: m.Card.Zip, IsPrimary: m.Primary,
			Token: m.Token}
	}
	return BankInfo{ID: m.ID, CustomerID: m.CustomerID, RoutingNumber: field.MaskLast4(m.Bank.Routing),
		AccountNumber: m.Masked, Description: m.Description, FullName: m.HolderName,
		AccountType: bankKindNumber(m.Bank.AccountKind), IsPrimary: m.Primary, Token: m.Token}
}

// PlanView is a plan as the API answers it: numbers as strings, as the API
// shows them. Beyond the published fields it carries the customer id, both
// amounts, the status and the next payment date.
type PlanView struct {
	RecurringID        string `json:"RecurringID"`
	CustomerID         string `json:"CustomerId"`
	CustomerNumber     string `json:"CustomerNumber"`
	FullName           string `json:"FullName"`
	BillingCompanyName string `json:"BillingCompanyName"`
	Identification     string `json:"Identification"`
	PaymentInfoID      string `json:"PaymentInfo_Id"`
	InvoiceNumber      string `json:"InvoiceNumber"`
	PlanType           string `json:"PlanType"`
	EffectiveDate      string `json:"EffectiveDate"`
	Frequency          string `json:"Frequency"`
	// IntervalDays is set only for an every-N-days plan (made through
	// another wire), whose Frequency is -1: none of the API's numbers.
	IntervalDays              string `json:"IntervalDays,omitempty"`
	NumberOfPayments          string `json:"NumberOfPayments"`
	RemainingNumberOfPayments string `json:"RemainingNumberOfPayments"`
	PaymentType               string `json:"PaymentType"`
	SwipeFeeAmount            string `json:"SwipeFeeAmount"`
	SwipeFeeLabel             string `json:"SwipeFeeLabel"`
	Amount                    string `json:"Amount"`
	RecurringAmount           string `json:"RecurringAmount"`
	TotalAmount               string `json:"TotalAmount"`
	Unlimited                 string `json:"Unlimited"`
	DateCreated               string `json:"DateCreated"`
	Status                    string `json:"Status"`
	Active                    string `json:"Active"`
	NextPaymentDate           string `json:"NextPaymentDate"`
}

func onOff(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func kindText(k customer.PaymentKind) string {
	if n := paymentTypeNumber(k); n != 0 {
		return strconv.Itoa(n)
	}
	return ""
}

func planView(_ int64, v customer.PlanView) PlanView {
	out := PlanView{RecurringID: v.ID, CustomerID: v.CustomerID, CustomerNumber: v.Customer.Number,
		FullName: v.Method.HolderName, BillingCompanyName: v.Customer.Billing.Company, Identification: v.Reference,
		PaymentInfoID: v.MethodID, InvoiceNumber: v.Invoice, PlanType: strconv.Itoa(int(v.Kind)),
		EffectiveDate: FormatDate(v.Start), Frequency: strconv.Itoa(int(v.Frequency)),
		NumberOfPayments: strconv.Itoa(v.Count), RemainingNumberOfPayments: strconv.Itoa(v.State.Remaining),
		PaymentType: kindText(v.MethodKind), SwipeFeeAmount: field.FormatMoney(v.Fee), SwipeFeeLabel: v.FeeLabel,
		Amount: field.FormatMoney(v.Amount), RecurringAmount: field.FormatMoney(v.Recurring),
		TotalAmount: field.FormatMoney(v.Total), Unlimited: onOff(v.Unlimited),
		DateCreated: FormatDateTime(v.Created), Status: strconv.Itoa(int(v.State.Status)),
		Active: onOff(v.State.Status == customer.StatusActive)}
	if v.Frequency.Custom() {
		n, _ := v.Frequency.IntervalDays()
		out.Frequency, out.IntervalDays = "-1", strconv.Itoa(n)
	}
	if !v.State.Next.IsZero() && v.State.Status == customer.StatusActive {
		out.NextPaymentDate = FormatDate(v.State.Next)
	}
	return out
}

// ScheduledPayment is one payment of a plan's schedule.
type ScheduledPayment struct {
	PaymentNumber  int    `json:"PaymentNumber"`
	Date           string `json:"Date"`
	Amount         string `json:"Amount"`
	PaymentAmount  string `json:"PaymentAmount"`
	SwipeFeeAmount string `json:"SwipeFeeAmount"`
}

func scheduledView(p customer.ScheduledPayment) ScheduledPayment {
	return ScheduledPayment{PaymentNumber: p.Number, Date: FormatDate(p.Date), Amount: field.FormatMoney(p.Total()),
		PaymentAmount: field.FormatMoney(p.Payment), SwipeFeeAmount: field.FormatMoney(p.Fee)}
}

// Schedule is GetSchedule's answer.
type Schedule struct {
	RecurringID string             `json:"RecurringID"`
	Status      string             `json:"Status"`
	Unlimited   string             `json:"Unlimited"`
	Payments    []ScheduledPayment `json:"Payments"`
}

func scheduleView(s customer.PlanSchedule) Schedule {
	out := Schedule{RecurringID: s.Plan.ID, Status: strconv.Itoa(int(s.State.Status)), Unlimited: onOff(s.Plan.Unlimited),
		Payments: make([]ScheduledPayment, len(s.Payments))}
	for i, p := range s.Payments {
		out.Payments[i] = scheduledView(p)
	}
	return out
}

// Due is one charge GetDue asks the merchant's processor to make.
type Due struct {
	RecurringID    string `json:"RecurringID"`
	CustomerID     string `json:"CustomerId"`
	CustomerNumber string `json:"CustomerNumber"`
	PaymentInfoID  string `json:"PaymentInfo_Id"`
	PaymentType    string `json:"PaymentType"`
	InvoiceNumber  string `json:"InvoiceNumber"`
	Identification string `json:"Identification"`
	SwipeFeeLabel  string `json:"SwipeFeeLabel"`
	ScheduledPayment
}

func dueView(d customer.Due) Due {
	p := d.Plan
	return Due{RecurringID: p.ID, CustomerID: p.CustomerID, CustomerNumber: d.Customer.Number, PaymentInfoID: p.MethodID,
		PaymentType: kindText(p.MethodKind), InvoiceNumber: p.Invoice, Identification: p.Reference, SwipeFeeLabel: p.FeeLabel,
		ScheduledPayment: scheduledView(d.Payment)}
}
