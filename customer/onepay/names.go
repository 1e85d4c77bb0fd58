package onepay

// Field names of the OnePay wire, lower case as they are matched.
const (
	wBody     = "body"
	wClientIP = "client_ip"
	wCustomer = "customer"
	wCard     = "card"
	wCheck    = "check"

	wFirstName    = "first_name"
	wLastName     = "last_name"
	wStreet1      = "street_1"
	wStreet2      = "street_2"
	wCity         = "city"
	wState        = "state"
	wZip          = "zip"
	wCountry      = "country"
	wPhone        = "phone_number"
	wCompany      = "company"
	wCustomerID   = "customer_id"
	wEmail        = "email"
	wEmailReceipt = "email_receipt"
	wNotes        = "notes"
	wActionCode   = "action_code"

	wNumber     = "number"
	wCode       = "code"
	wExpiration = "expiration_date"
	wTrackData  = "track_data"
	wToken      = "token"

	wABA           = "aba_code"
	wAccountNumber = "account_number"
	wAccountType   = "account_type"
	wBankName      = "bank_name"
	wCheckNumber   = "check_number"
	wSECCode       = "sec_code"
)

// Header is the request header that carries the client's key.
const Header = "x-authorization"

// Path is the endpoint, matched ignoring case.
const Path = "/Customer"

// in names a field of one of the request's objects: "customer.zip".
func in(object, name string) string { return object + "." + name }

// Problem codes of this wire, beside the domain's.
const (
	codeWrongType = "wrong_type"     // a value of the wrong JSON type
	codeTwice     = "sent_twice"     // a field sent twice (names equal ignoring case)
	codeBoth      = "card_and_check" // a card and a check in one request
)

// Customer action codes, as the document numbers them.
const (
	actionUpsert     = "1"
	actionAddOrKeep  = "2"
	actionAddOrFail  = "3"
	actionDeleteLink = "4"
)

// autoID asks for an id the service assigns.
const autoID = "AUTO"
