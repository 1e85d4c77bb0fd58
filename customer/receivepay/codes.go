package receivepay

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Error codes, and the success codes of each method, as OpenGateway numbers them.
const (
	errInvalidRequest  = 1000
	errAuth            = 1001
	errType            = 1002
	errRequired        = 1004
	errFormat          = 1006
	errCountry         = 1007
	errEmail           = 1008
	errUnspecified     = 1009
	errState           = 1012
	errCustomerID      = 4000
	errNeedCustomerID  = 6001
	errNeedRecurringID = 6002
	errNothing         = 6003
	errRecurringID     = 5000
	errEndPast         = 5002
	errEndBeforeStart  = 5003
	errNoCustomer      = 5004
	errDate            = 5007
	errCard            = 5008
	errAmount          = 5009
	errNoRecur         = 5010
	errInterval        = 5011
	errPlanID          = 7001

	okCustomerCreated = 200
	okCustomerUpdated = 201
	okCustomerDeleted = 202
	okSubscribed      = 100
	okCancelled       = 101
	okUpdated         = 102
)

// text is OpenGateway's words for a code, two spaces between sentences
// as it wrote them.
func text(code int) string {
	switch code {
	case errInvalidRequest:
		return "Invalid request."
	case errAuth:
		return "Unable to authenticate."
	case errType:
		return "Invalid request type."
	case errRequired:
		return "Required fields are missing for this request"
	case errFormat:
		return "Invalid format passed.  Acceptable formats: xml and json."
	case errCountry:
		return "Invalid country."
	case errEmail:
		return "Invalid email address"
	case errUnspecified:
		return "Unspecified error in request."
	case errState:
		return "For USA and Canada addresses, a valid 2-letter state/province abbreviation is required."
	case errCustomerID:
		return "Invalid customer ID."
	case errNeedCustomerID:
		return "A valid Customer ID is required."
	case errNeedRecurringID:
		return "A valid Recurring ID is required"
	case errNothing:
		return "Nothing to update."
	case errRecurringID:
		return "A valid Recurring ID is required."
	case errEndPast:
		return "End date cannot be in the past"
	case errEndBeforeStart:
		return "End date must be later than start date."
	case errNoCustomer:
		return "A customer ID or cardholder name must be supplied."
	case errDate:
		return "Dates must be valid and in YYYY-MM-DD format."
	case errCard:
		return "Invalid credit card number"
	case errAmount:
		return "Invalid amount."
	case errNoRecur:
		return "Recurring details are required."
	case errInterval:
		return "Invalid interval."
	case errPlanID:
		return "Invalid Plan ID."
	case okCustomerCreated:
		return "Customer created."
	case okCustomerUpdated:
		return "Customer updated."
	case okCustomerDeleted:
		return "Customer deleted."
	case okSubscribed:
		return "Subscription created."
	case okCancelled:
		return "Subscription cancelled."
	case okUpdated:
		return "Subscription updated."
	}
	return ""
}

// apiError is an error answer: its code and, optionally, a reason that
// goes after the code's text.
type apiError struct {
	code   int
	reason string
}

func (e *apiError) Error() string { return fmt.Sprintf("receivepay: error %d: %s", e.code, e.text()) }

// text is the error_text: the code's words, then two spaces and the reason.
func (e *apiError) text() string {
	if e.reason == "" {
		return text(e.code)
	}
	return text(e.code) + "  " + e.reason
}

func fail(code int, reason ...string) *apiError {
	return &apiError{code: code, reason: strings.Join(reason, " ")}
}

// wireName is the request's name of a domain field a request sets, or
// the domain's own name for one it cannot set.
func wireName(field string) string {
	switch field {
	case customer.FieldNumber:
		return "internal_id"
	case billing(customer.PartFirstName):
		return "first_name"
	case billing(customer.PartLastName):
		return "last_name"
	case billing(customer.PartCompany):
		return "company"
	case billing(customer.PartLine1):
		return "address_1"
	case billing(customer.PartLine2):
		return "address_2"
	case billing(customer.PartCity):
		return "city"
	case billing(customer.PartState):
		return "state"
	case billing(customer.PartZip):
		return "postal_code"
	case billing(customer.PartCountry):
		return "country"
	case billing(customer.PartEmail):
		return "email"
	case billing(customer.PartPhone):
		return "phone"
	case customer.FieldCardNumber:
		return "credit_card/card_num"
	case customer.FieldCardExpiry:
		return "credit_card/exp_month"
	case customer.FieldHolderName:
		return "credit_card/name"
	case customer.FieldPlanRecurring:
		return "recur/amount"
	case customer.FieldPlanStart:
		return "recur/start_date"
	case customer.FieldPlanEnd:
		return "recur/end_date"
	case customer.FieldPlanNextCharge:
		return "next_charge_date"
	case customer.FieldPlanNotifyURL:
		return "recur/notification_url"
	case customer.FieldPlanCount:
		return "recur/occurrences"
	case customer.FieldPlanFrequency:
		return "recur/interval"
	}
	return field
}

func billing(part string) string { return customer.AddressField(customer.SideBilling, part) }

// translate is the one place a domain error becomes an answer's code. The
// first problem decides the code, as OpenGateway answered one error at a
// time; its reason names the field in the request's words.
func translate(err error) *apiError {
	var ae *apiError
	var ie *customer.InputError
	var taken *customer.NumberTakenError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ie) && len(ie.Problems) > 0:
		p := ie.Problems[0]
		name := wireName(p.Field)
		switch {
		case p.Field == billing(customer.PartCountry):
			return fail(errCountry)
		case p.Field == billing(customer.PartEmail) && p.Code == customer.CodeInvalid:
			return fail(errEmail)
		case p.Field == billing(customer.PartState) && p.Code == customer.CodeInvalid:
			return fail(errState)
		case p.Code == customer.CodeRequired:
			return fail(errRequired, name)
		case p.Field == customer.FieldCardNumber || p.Field == customer.FieldCardExpiry:
			return fail(errCard, p.Reason)
		}
		return fail(errUnspecified, name+": "+p.Reason)
	case errors.As(err, &taken):
		return fail(errUnspecified, fmt.Sprintf("internal_id is already used by customer %s", taken.ID))
	case errors.Is(err, customer.ErrNotFound):
		return fail(errCustomerID)
	case errors.Is(err, customer.ErrNoVault):
		return fail(errUnspecified, "card storage is off on this server (it has no master key)")
	case errors.Is(err, diskfree.ErrLow):
		return fail(errUnspecified, "the server's disk is full; nothing was written, try again later")
	case errors.Is(err, columndb.ErrUnavailable):
		return fail(errUnspecified, httpx.NoQuorum)
	case errors.Is(err, columndb.ErrConflict):
		return fail(errUnspecified, httpx.Contended)
	case errors.Is(err, customer.ErrConflict), errors.Is(err, columndb.ErrDuplicate):
		return fail(errUnspecified, conflictText(err))
	}
	return nil
}

// conflictText is a conflict's words without package prefixes.
func conflictText(err error) string {
	msg := err.Error()
	for {
		rest, ok := strings.CutPrefix(msg, "customer: ")
		if !ok {
			break
		}
		msg = rest
	}
	return strings.TrimPrefix(msg, "conflict: ")
}
