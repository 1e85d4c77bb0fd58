package onepay

import "github.com/tonebase/tonebase/customer"

// Result codes, as the document numbers them. Nothing here is ever
// declined (2): that is a processor's word for a charge.
const (
	resultApproved = 1
	resultError    = 3
)

// Sub codes: what happened, or what is wrong, for a program to act on.
// The README's table lists each with an example.
const (
	subOK              = "000" // done as asked
	subCustomerKept    = "001" // action 2 on a stored customer: it was left as stored
	subMethodStored    = "002" // the card or check was stored for the customer already: its token is answered
	subKeptAndStored   = "003" // both of 001 and 002
	subMalformed       = "100" // not one JSON object of valid UTF-8, or a field sent twice
	subWrongType       = "101" // a field of the wrong JSON type
	subTooLong         = "102" // a value over its field's length
	subRequired        = "103" // a required field is missing or empty
	subInvalid         = "104" // a value not of its field's form
	subCardNumber      = "105" // card number: digits, Luhn check or brand
	subCardCode        = "106" // card security code
	subExpiration      = "107" // card expiration date malformed or past
	subTrackData       = "108" // track data that is not unencrypted track 2
	subRouting         = "109" // check routing number (ABA)
	subAccountNumber   = "110" // check account number
	subActionCode      = "111" // an action code this API does not define
	subCustomerExists  = "112" // action 3 on a stored customer
	subNoCustomer      = "113" // no customer has this customer_id
	subUnknownToken    = "114" // the token names no card or check of this customer
	subCardAndCheck    = "115" // a card and a check in one request
	subConflict        = "116" // refused by what is stored: a plan charges the method, or the customer has too many
	subUnauthenticated = "401" // x-authorization missing or wrong
	subInternal        = "500" // the server failed; the request id is in X-Request-Id
	subNoVault         = "503" // card and check storage is off (no master key)
	subDiskFull        = "507" // the server's disk is full; nothing was written
	subUnavailable     = "504" // the cluster cannot take writes now, or kept changing what the write read; nothing was written
)

// subCodeOf is the sub code of a problem with a request, by its field and code.
func subCodeOf(p customer.Problem) string {
	switch p.Field {
	case wBody:
		return subMalformed
	case in(wCustomer, wCustomerID):
		if p.Code == customer.CodeNotFound {
			return subNoCustomer
		}
	case in(wCard, wToken), in(wCheck, wToken):
		if p.Code == customer.CodeNotFound {
			return subUnknownToken
		}
	}
	switch p.Code {
	case codeTwice:
		return subMalformed
	case codeBoth:
		return subCardAndCheck
	case codeWrongType:
		return subWrongType
	case customer.CodeTooLong:
		return subTooLong
	case customer.CodeRequired:
		return subRequired
	}
	switch p.Field {
	case in(wCard, wNumber):
		return subCardNumber
	case in(wCard, wCode):
		return subCardCode
	case in(wCard, wExpiration):
		return subExpiration
	case in(wCard, wTrackData):
		return subTrackData
	case in(wCheck, wABA):
		return subRouting
	case in(wCheck, wAccountNumber):
		return subAccountNumber
	case in(wCustomer, wActionCode), in(wCard, wActionCode), in(wCheck, wActionCode):
		return subActionCode
	}
	return subInvalid
}
