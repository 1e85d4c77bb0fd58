package receivepay

import (
	"strings"
	"testing"
	"time"
)

// TestTransportErrors: what is decided before the method runs. 1000, 1001,
// 1006 and a missing <type> are XML even when JSON was asked for, since
// they are decided before the format is read.
func TestTransportErrors(t *testing.T) {
	e := newEnv(t)
	e.clients.suspended[1002] = true
	for _, tc := range []struct {
		name, body, code, text string
		json                   bool
	}{
		{"empty body", "", "1000", "Invalid request.", false},
		{"not XML", "first_name=Joe&last_name=Customer", "1000", "Invalid request.", false},
		{"HTML", "<html><body>hi</body></html>", "1000", "Invalid request.", false},
		{"unclosed", "<request><type>GetCustomers</type>", "1000", "Invalid request.", false},
		{"two roots", "<request></request><request></request>", "1000", "Invalid request.", false},
		{"DTD", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><request><type>&x;</type></request>`, "1000", "Invalid request.", false},
		{"element twice", request("keyA", "secretA", "GetCustomers", "<limit>1</limit><limit>2</limit>"), "1000", "Invalid request.", false},
		{"undeclared encoding", `<?xml version="1.0" encoding="EBCDIC"?><request/>`, "1000", "Invalid request.", false},
		{"wrong secret", request("keyA", "secretB", "GetCustomers", "<format>json</format>"), "1001", "Unable to authenticate.", false},
		{"no authentication", "<request><type>GetCustomers</type></request>", "1001", "Unable to authenticate.", false},
		{"suspended client", request("keyB", "secretB", "GetCustomers", ""), "1001", "Unable to authenticate.", false},
		{"no type", request("keyA", "secretA", "", "<format>json</format>"), "1002", "Invalid request type.", false},
		{"unknown type", request("keyA", "secretA", "Bogus", "<format>json</format>"), "1002", "Invalid request type.", true},
		{"a controller method OpenGateway exposed", request("keyA", "secretA", "index", ""), "1002", "Invalid request type.", false},
		{"Charge", request("keyA", "secretA", "charge", ""), "1002",
			"Invalid request type.  This service stores customers, cards and recurring plans; it does not process charges.", false},
		{"Refund", request("keyA", "secretA", "REFUND", "<format>json</format>"), "1002",
			"Invalid request type.  This service stores customers, cards and recurring plans; it does not process charges.", true},
		{"format", request("keyA", "secretA", "GetCustomers", "<format>yaml</format>"), "1006",
			"Invalid format passed.  Acceptable formats: xml and json.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ctype, body := e.raw("/api", tc.body)
			if status != 200 {
				t.Fatalf("HTTP %d", status)
			}
			if tc.json {
				want := `{"error":` + tc.code + `,"error_text":"` + tc.text + `"}` + "\n"
				if body != want || ctype != "application/json" {
					t.Fatalf("got %s %q, want %q", ctype, body, want)
				}
				return
			}
			want := "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<response>\n  <error>" + tc.code +
				"</error>\n  <error_text>" + tc.text + "</error_text>\n</response>\n"
			if body != want || ctype != "text/xml; charset=utf-8" {
				t.Fatalf("got %s %q, want %q", ctype, body, want)
			}
		})
	}
}

// TestPathsAndClients: every path clients post to answers, the type is
// matched in any case, and PHP's form Content-Type, CRLF and tabs are
// read as XML.
func TestPathsAndClients(t *testing.T) {
	e := newEnv(t)
	for i, path := range []string{"/api", "/index.php/api"} {
		body := request("keyA", "secretA", []string{"NEWCUSTOMER", "newCustomer"}[i], "\t<first_name>\tJoe\r\n</first_name>\r\n\t<last_name>Customer</last_name>")
		_, _, b := e.raw(path, body)
		e.wantCode(b, "200")
	}
	b := e.post("GetCustomers", "<first_name>joe</first_name>")
	if tag(b, "total_results") != "2" {
		t.Fatalf("want both customers named Joe, trimmed:\n%s", b)
	}
}

// TestMethodErrors holds every error of every method, each with its code
// and text. The ones marked "fix" fail on OpenGateway's behaviour.
func TestMethodErrors(t *testing.T) {
	e := newEnv(t)
	us := e.newCustomer("Ann", "US", "<country>US</country><state>NY</state>")
	deleted := e.newCustomer("Del", "Eted", "")
	e.wantCode(e.post("DeleteCustomer", "<customer_id>"+deleted+"</customer_id>"), "202")
	e.newCustomer("Has", "Number", "<internal_id>u-1</internal_id>")
	// Ids are numbered per client: B's 1005 is one A does not have.
	var otherID string
	for range 6 {
		otherID = tag(e.postAs("keyB", "secretB", "NewCustomer", "<first_name>B</first_name><last_name>B</last_name>"), "customer_id")
	}
	plan := tag(e.post("Recur", recurXML(us, visa, "30")), "recurring_id")
	card := func(num, month, year, cvv string) string {
		return "<customer_id>" + us + "</customer_id><credit_card><card_num>" + num + "</card_num><exp_month>" + month +
			"</exp_month><exp_year>" + year + "</exp_year><cvv>" + cvv + "</cvv></credit_card><amount>1.00</amount><recur><interval>30</interval></recur>"
	}
	recur := func(recurInner string) string {
		return "<customer_id>" + us + "</customer_id><credit_card><card_num>" + visa +
			"</card_num><exp_month>12</exp_month><exp_year>2030</exp_year></credit_card><amount>1.00</amount><recur>" + recurInner + "</recur>"
	}
	for _, tc := range []struct {
		name, typ, inner, code, text string
	}{
		{"NewCustomer without first_name (fix: OpenGateway crashed)", "NewCustomer", "<last_name>X</last_name>", "1004", "Required fields are missing for this request  first_name"},
		{"NewCustomer without last_name", "NewCustomer", "<first_name>X</first_name><last_name/>", "1004", "Required fields are missing for this request  last_name"},
		{"NewCustomer bad country", "NewCustomer", "<first_name>X</first_name><last_name>Y</last_name><country>Narnia</country>", "1007", "Invalid country."},
		{"NewCustomer bad email", "NewCustomer", "<first_name>X</first_name><last_name>Y</last_name><email>a b@c</email>", "1008", "Invalid email address"},
		{"NewCustomer US state", "NewCustomer", "<first_name>X</first_name><last_name>Y</last_name><country>USA</country><state>Ontario</state>", "1012", text(errState)},
		{"NewCustomer CA province", "NewCustomer", "<first_name>X</first_name><last_name>Y</last_name><country>CA</country><state>NY</state>", "1012", text(errState)},
		{"NewCustomer US without state", "NewCustomer", "<first_name>X</first_name><last_name>Y</last_name><country>United States</country>", "1012", text(errState)},
		{"NewCustomer taken internal_id", "NewCustomer", "<first_name>X</first_name><last_name>Y</last_name><internal_id>u-1</internal_id>", "1009",
			"Unspecified error in request.  customer 1002 already has this internal_id"},
		{"NewCustomer control character", "NewCustomer", "<first_name>X&#x1;</first_name><last_name>Y</last_name>", "1000", "Invalid request."},
		{"NewCustomer too long", "NewCustomer", "<first_name>" + strings.Repeat("x", 51) + "</first_name><last_name>Y</last_name>", "1009",
			"Unspecified error in request.  first_name: longer than 50 characters"},
		{"UpdateCustomer without id", "UpdateCustomer", "<email>a@b.c</email>", "6001", "A valid Customer ID is required."},
		{"UpdateCustomer unknown (fix: OpenGateway answered 201)", "UpdateCustomer", "<customer_id>99999</customer_id><email>a@b.c</email>", "4000", "Invalid customer ID."},
		{"UpdateCustomer deleted", "UpdateCustomer", "<customer_id>" + deleted + "</customer_id><email>a@b.c</email>", "4000", "Invalid customer ID."},
		{"UpdateCustomer another client's", "UpdateCustomer", "<customer_id>" + otherID + "</customer_id><email>a@b.c</email>", "4000", "Invalid customer ID."},
		{"UpdateCustomer not a number", "UpdateCustomer", "<customer_id>abc</customer_id><email>a@b.c</email>", "4000", "Invalid customer ID."},
		{"UpdateCustomer nothing", "UpdateCustomer", "<customer_id>" + us + "</customer_id>", "6003", "Nothing to update."},
		{"UpdateCustomer state against the stored country", "UpdateCustomer", "<customer_id>" + us + "</customer_id><state>Ontario</state>", "1012", text(errState)},
		{"UpdateCustomer country against the stored state", "UpdateCustomer", "<customer_id>" + us + "</customer_id><country>Canada</country>", "1012", text(errState)},
		{"UpdateCustomer clears last_name", "UpdateCustomer", "<customer_id>" + us + "</customer_id><last_name/>", "1004", "Required fields are missing for this request  last_name"},
		{"DeleteCustomer without id", "DeleteCustomer", "", "6001", "A valid Customer ID is required."},
		{"DeleteCustomer unknown (fix: OpenGateway answered 202)", "DeleteCustomer", "<customer_id>99999</customer_id>", "4000", "Invalid customer ID."},
		{"DeleteCustomer already deleted", "DeleteCustomer", "<customer_id>" + deleted + "</customer_id>", "4000", "Invalid customer ID."},
		{"DeleteCustomer another client's", "DeleteCustomer", "<customer_id>" + otherID + "</customer_id>", "4000", "Invalid customer ID."},
		{"GetCustomer without id", "GetCustomer", "", "4000", "Invalid customer ID."},
		{"GetCustomer unknown (fix: OpenGateway answered 1009)", "GetCustomer", "<customer_id>99999</customer_id>", "4000", "Invalid customer ID."},
		{"GetCustomer another client's", "GetCustomer", "<customer_id>" + otherID + "</customer_id>", "4000", "Invalid customer ID."},
		{"GetCustomers negative offset", "GetCustomers", "<offset>-1</offset>", "1004", "Required fields are missing for this request  offset must be a whole number, 0 or more"},
		{"GetCustomers word limit", "GetCustomers", "<limit>ten</limit>", "1004", "Required fields are missing for this request  limit must be a whole number, 0 or more"},
		{"Recur unknown customer", "Recur", strings.Replace(recurXML(us, visa, "30"), "<customer_id>"+us, "<customer_id>99999", 1), "4000", "Invalid customer ID."},
		{"Recur deleted customer", "Recur", strings.Replace(recurXML(us, visa, "30"), "<customer_id>"+us, "<customer_id>"+deleted, 1), "4000", "Invalid customer ID."},
		{"Recur another client's customer", "Recur", strings.Replace(recurXML(us, visa, "30"), "<customer_id>"+us, "<customer_id>"+otherID, 1), "4000", "Invalid customer ID."},
		{"Recur no customer, no name", "Recur", "<credit_card><card_num>" + visa + "</card_num></credit_card><amount>1.00</amount><recur><interval>3</interval></recur>", "5004", text(errNoCustomer)},
		{"Recur customer node without a name", "Recur", "<customer><last_name>L</last_name></customer>" + card(visa, "12", "2030", "")[len("<customer_id>"+us+"</customer_id>"):], "1004", "Required fields are missing for this request  first_name"},
		{"Recur customer node bad country", "Recur", "<customer><first_name>F</first_name><last_name>L</last_name><country>Atlantis</country></customer>" + card(visa, "12", "2030", "")[len("<customer_id>"+us+"</customer_id>"):], "1007", "Invalid country."},
		{"Recur Luhn", "Recur", card("4111111111111112", "12", "2030", ""), "5008", "Invalid credit card number"},
		{"Recur document's sample card", "Recur", card("0000123412341234", "12", "2015", "123"), "5008", "Invalid credit card number"},
		{"Recur no brand", "Recur", card("9000000000000001", "12", "2030", ""), "5008", "Invalid credit card number  the number belongs to no card brand this service knows"},
		{"Recur expired", "Recur", card(visa, "11", "2026", ""), "5008", "Invalid credit card number  the card has expired"},
		{"Recur bad month", "Recur", card(visa, "13", "2030", ""), "5008", "Invalid credit card number  exp_month and exp_year must be a month (1-12) and a year (2030 or 30)"},
		{"Recur bad cvv", "Recur", card(visa, "12", "2030", "12a"), "5008", "Invalid credit card number  cvv must be 3 or 4 digits"},
		{"Recur bad amount", "Recur", strings.Replace(recur("<interval>3</interval>"), "1.00", "-1", 1), "5009", "Invalid amount."},
		{"Recur amount with three places", "Recur", strings.Replace(recur("<interval>3</interval>"), "1.00", "1.005", 1), "5009", "Invalid amount."},
		{"Recur no recur", "Recur", strings.Replace(recur(""), "<recur></recur>", "", 1), "5010", "Recurring details are required."},
		{"Recur plan_id", "Recur", recur("<plan_id>5</plan_id>"), "7001", "Invalid Plan ID.  this service has no plan templates: give recur/interval and the amounts"},
		{"Recur interval 0", "Recur", recur("<interval>0</interval>"), "5011", "Invalid interval.  interval is a whole number of days from 1 to 3660"},
		{"Recur interval missing", "Recur", recur(""), "5011", "Invalid interval.  interval is a whole number of days from 1 to 3660"},
		{"Recur zero recurring amount", "Recur", recur("<interval>3</interval><amount>0</amount>"), "5009", "Invalid amount.  the recurring amount must be more than 0"},
		{"Recur bad start date", "Recur", recur("<interval>3</interval><start_date>2026-02-30</start_date>"), "5007", "Dates must be valid and in YYYY-MM-DD format.  start_date"},
		{"Recur end date in the past", "Recur", recur("<interval>3</interval><end_date>2026-11-30</end_date>"), "5002", "End date cannot be in the past"},
		{"Recur end before start", "Recur", recur("<interval>3</interval><start_date>2027-01-10</start_date><end_date>2027-01-10</end_date>"), "5003", "End date must be later than start date."},
		{"Recur bad notification_url", "Recur", recur("<interval>3</interval><notification_url>ftp://x</notification_url>"), "1009", "Unspecified error in request.  recur/notification_url: must be an http or https URL"},
		{"GetRecurring without id", "GetRecurring", "", "1004", "Required fields are missing for this request  recurring_id"},
		{"GetRecurring unknown", "GetRecurring", "<recurring_id>0123456789ABCDEF0123456789ABCDEF</recurring_id>", "6002", "A valid Recurring ID is required"},
		{"UpdateRecurring without id", "UpdateRecurring", "<amount>2.00</amount>", "6002", "A valid Recurring ID is required"},
		{"UpdateRecurring unknown", "UpdateRecurring", "<recurring_id>nope</recurring_id><amount>2.00</amount>", "6002", "A valid Recurring ID is required"},
		{"UpdateRecurring nothing", "UpdateRecurring", "<recurring_id>" + plan + "</recurring_id>", "6003", "Nothing to update."},
		{"UpdateRecurring bad date", "UpdateRecurring", "<recurring_id>" + plan + "</recurring_id><next_charge_date>12/01/2027</next_charge_date>", "5007", "Dates must be valid and in YYYY-MM-DD format.  next_charge_date"},
		{"UpdateRecurring bad amount", "UpdateRecurring", "<recurring_id>" + plan + "</recurring_id><amount>lots</amount>", "5009", "Invalid amount."},
		{"UpdateRecurring bad interval", "UpdateRecurring", "<recurring_id>" + plan + "</recurring_id><recur><interval>-3</interval></recur>", "5011", "Invalid interval.  interval is a whole number of days from 1 to 3660"},
		{"UpdateRecurring end in the past", "UpdateRecurring", "<recurring_id>" + plan + "</recurring_id><end_date>2020-01-01</end_date>", "5002", "End date cannot be in the past"},
		{"CancelRecurring without id", "CancelRecurring", "", "6002", "A valid Recurring ID is required"},
		{"CancelRecurring unknown", "CancelRecurring", "<recurring_id>0123456789ABCDEF0123456789ABCDEF</recurring_id>", "5000", "A valid Recurring ID is required."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.post(tc.typ, tc.inner)
			if got := code(b); got != tc.code {
				t.Fatalf("code %s, want %s:\n%s", got, tc.code, b)
			}
			if got := tag(b, "error_text"); got != tc.text {
				t.Fatalf("error_text %q, want %q", got, tc.text)
			}
		})
	}
}

// TestRefusedRecurLeavesNothing (fix: OpenGateway left orphan customers):
// a Recur refused for its card, amount or dates writes no customer, card
// or plan.
func TestRefusedRecurLeavesNothing(t *testing.T) {
	e := newEnv(t)
	node := "<customer><first_name>Or</first_name><last_name>Phan</last_name></customer>"
	for _, rest := range []string{
		"<credit_card><card_num>4111111111111112</card_num><exp_month>1</exp_month><exp_year>2030</exp_year></credit_card><amount>1</amount><recur><interval>3</interval></recur>",
		"<credit_card><card_num>" + visa + "</card_num><exp_month>1</exp_month><exp_year>2030</exp_year></credit_card><amount>x</amount><recur><interval>3</interval></recur>",
		"<credit_card><card_num>" + visa + "</card_num><exp_month>1</exp_month><exp_year>2030</exp_year></credit_card><amount>1</amount><recur><interval>3</interval><end_date>2000-01-01</end_date></recur>",
		"<credit_card><card_num>" + visa + "</card_num><exp_month>1</exp_month><exp_year>2030</exp_year></credit_card><amount>1</amount>",
	} {
		if c := code(e.post("Recur", node+rest)); c == "100" {
			t.Fatalf("accepted: %s", rest)
		}
	}
	for _, deleted := range []string{"0", "1"} {
		if b := e.post("GetCustomers", "<deleted>"+deleted+"</deleted>"); tag(b, "total_results") != "0" {
			t.Fatalf("a refused Recur left a customer:\n%s", b)
		}
	}
	if b := e.post("GetRecurrings", "<active>0</active>"); tag(b, "total_results") != "0" {
		t.Fatalf("a refused Recur left a plan:\n%s", b)
	}
	e.clock.Add(time.Hour)
	if id := e.newCustomer("First", "Next", ""); id != "1000" {
		t.Fatalf("refusals used customer ids: the next is %s", id)
	}
}
