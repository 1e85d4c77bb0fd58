package onepay

import (
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// Response is every answer of the endpoint.
type Response struct {
	Status   Status       `json:"customer_response"`
	Customer CustomerEcho `json:"customer"`
}

// Status is the answer's outcome. The token fields are empty strings
// unless the request stored or named a card or check.
type Status struct {
	ResultCode          int    `json:"result_code"`
	ResultText          string `json:"result_text"`
	ResultSubCode       string `json:"result_sub_code"`
	TransactionDateTime string `json:"transaction_datetime"`
	Token               string `json:"token"`
	AccountType         string `json:"account_type"`
	AccountLast4        string `json:"account_last_4"`
	ExpirationDate      string `json:"expiration_date"`
	// Errors lists every wrong field of a refused request (result_text
	// names the first), beyond the document's fields.
	Errors []Problem `json:"errors,omitempty"`
}

// Problem is one wrong field of a request, as this wire names it.
type Problem struct {
	Field   string `json:"field"`
	SubCode string `json:"sub_code"`
	Reason  string `json:"reason"`
}

// CustomerEcho is the stored customer, in the document's fields.
type CustomerEcho struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Street1      string `json:"street_1"`
	Street2      string `json:"street_2"`
	City         string `json:"city"`
	State        string `json:"state"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	Phone        string `json:"phone_number"`
	Company      string `json:"company"`
	CustomerID   string `json:"customer_id"`
	Email        string `json:"email"`
	EmailReceipt string `json:"email_receipt"`
	Notes        string `json:"notes"`
	ActionCode   string `json:"action_code"`
}

// transactionTime is the document's yyyyMMddTHHmmssZ, in UTC.
const transactionTime = "20060102T150405Z"

func echo(c customer.Customer, action string) CustomerEcho {
	b := c.Billing
	receipt := "0"
	if c.EmailReceipt {
		receipt = "1"
	}
	if c.ID == "" { // no stored customer to show
		receipt = ""
	}
	return CustomerEcho{FirstName: b.FirstName, LastName: b.LastName, Street1: b.Line1, Street2: b.Line2, City: b.City,
		State: b.State, Zip: b.Zip, Country: b.Country, Phone: b.Phone, Company: b.Company, CustomerID: c.Number,
		Email: b.Email, EmailReceipt: receipt, Notes: c.Notes, ActionCode: action}
}

// withMethod fills the token fields from a stored method.
func (s *Status) withMethod(m customer.PaymentMethod) {
	if m.ID == "" {
		return
	}
	s.Token = m.Token
	s.AccountLast4 = lastFour(m.Masked)
	switch m.Kind {
	case customer.KindCard:
		s.AccountType = brandCode(field.CardBrand(m.Masked))
		s.ExpirationDate = m.Card.Expiry
	case customer.KindBank:
		s.AccountType = map[customer.BankAccountKind]string{customer.BankChecking: "CHECKING",
			customer.BankSavings: "SAVINGS", customer.BankBusiness: "BUSINESS"}[m.Bank.AccountKind]
	}
}

// brandCode is the document's code of a card brand; OT is a card of
// another brand, which only the Hipfinity API stores.
func brandCode(b field.Brand) string {
	switch b {
	case field.BrandVisa:
		return "VI"
	case field.BrandMastercard:
		return "MC"
	case field.BrandAmex:
		return "AX"
	case field.BrandDiscover:
		return "DS"
	case field.BrandJCB:
		return "JC"
	case field.BrandDiners:
		return "DC"
	}
	return "OT"
}

// lastFour is at most the last four digits of a masked number.
func lastFour(masked string) string {
	if len(masked) < 4 {
		return ""
	}
	if l4 := masked[len(masked)-4:]; field.AllDigits(l4) {
		return l4
	}
	return ""
}
