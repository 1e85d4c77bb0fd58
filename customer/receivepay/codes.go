package receivepay

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/diskfree"
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

// texts are OpenGateway's words for each code, two spaces between
// sentences as it wrote them.
var texts = map[int]string{
	errInvalidRequest:  "Invalid request.",
	errAuth:            "Unable to authenticate.",
	errType:            "Invalid request type.",
	errRequired:        "Required fields are missing for this request",
	errFormat:          "Invalid format passed.  Acceptable formats: xml and json.",
	errCountry:         "Invalid country.",
	errEmail:           "Invalid email address",
	errUnspecified:     "Unspecified error in request.",
	errState:           "For USA and Canada addresses, a valid 2-letter state/province abbreviation is required.",
	errCustomerID:      "Invalid customer ID.",
	errNeedCustomerID:  "A valid Customer ID is required.",
	errNeedRecurringID: "A valid Recurring ID is required",
	errNothing:         "Nothing to update.",
	errRecurringID:     "A valid Recurring ID is required.",
	errEndPast:         "End date cannot be in the past",
	errEndBeforeStart:  "End date must be later than start date.",
	errNoCustomer:      "A customer ID or cardholder name must be supplied.",
	errDate:            "Dates must be valid and in YYYY-MM-DD format.",
	errCard:            "Invalid credit card number",
	errAmount:          "Invalid amount.",
	errNoRecur:         "Recurring details are required.",
	errInterval:        "Invalid interval.",
	errPlanID:          "Invalid Plan ID.",

	okCustomerCreated: "Customer created.",
	okCustomerUpdated: "Customer updated.",
	okCustomerDeleted: "Customer deleted.",
	okSubscribed:      "Subscription created.",
	okCancelled:       "Subscription cancelled.",
	okUpdated:         "Subscription updated.",
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
		return texts[e.code]
	}
	return texts[e.code] + "  " + e.reason
}

func fail(code int, reason ...string) *apiError {
	return &apiError{code: code, reason: strings.Join(reason, " ")}
}

// wireNames are the request's names of the domain fields a customer request sets.
var wireNames = map[string]string{
	customer.FieldNumber:            "internal_id",
	billing(customer.PartFirstName): "first_name",
	billing(customer.PartLastName):  "last_name",
	billing(customer.PartCompany):   "company",
	billing(customer.PartLine1):     "address_1",
	billing(customer.PartLine2):     "address_2",
	billing(customer.PartCity):      "city",
	billing(customer.PartState):     "state",
	billing(customer.PartZip):       "postal_code",
	billing(customer.PartCountry):   "country",
	billing(customer.PartEmail):     "email",
	billing(customer.PartPhone):     "phone",
	customer.FieldCardNumber:        "credit_card/card_num",
	customer.FieldCardExpiry:        "credit_card/exp_month",
	customer.FieldHolderName:        "credit_card/name",
	customer.FieldPlanRecurring:     "recur/amount",
	customer.FieldPlanStart:         "recur/start_date",
	customer.FieldPlanEnd:           "recur/end_date",
	customer.FieldPlanNextCharge:    "next_charge_date",
	customer.FieldPlanNotifyURL:     "recur/notification_url",
	customer.FieldPlanCount:         "recur/occurrences",
	customer.FieldPlanFrequency:     "recur/interval",
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
		name := wireNames[p.Field]
		if name == "" {
			name = p.Field
		}
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
