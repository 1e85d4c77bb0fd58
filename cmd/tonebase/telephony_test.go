package main

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr/twilio"
)

// TestTwilioWiring sets a client's Twilio auth token through the admin API
// and runs the first turn of a call through the wired server.
func TestTwilioWiring(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	const token = "f0e1d2c3b4a5968778695a4b3c2d1e0f"

	r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/twilio", c.CID), `{"auth_token":"`+token+`"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"twilio":true`) || strings.Contains(string(r.body), token) {
		t.Fatalf("set token: %d %s", r.status, r.body)
	}
	r = s.admin("GET", fmt.Sprintf("/admin/api/clients/%d", c.CID), "")
	if !strings.Contains(string(r.body), `"twilio":true`) || strings.Contains(string(r.body), token) {
		t.Fatalf("client view: %s", r.body)
	}
	if r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/twilio", c.CID), `{}`); r.status != 400 {
		t.Fatalf("no auth_token: %d %s", r.status, r.body)
	}
	r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid),
		`{"description":"Debtors","language":"en-US","currency":"USD","twilio":{"redirect_url":"https://pay.example.com/next"},"columns":`+guideColumns+`}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"language":"en-US"`) || !strings.Contains(string(r.body), `"redirect_url":"https://pay.example.com/next"`) {
		t.Fatalf("define telephony: %d %s", r.status, r.body)
	}

	path := fmt.Sprintf("/twilio/v1/%d/%d/voice", c.CID, dbid)
	form := url.Values{"CallSid": {"CA1"}, "From": {"+15005550006"}}
	sig := twilio.Signature(token, s.base+path, []twilio.Param{{Key: "CallSid", Value: "CA1"}, {Key: "From", Value: "+15005550006"}})
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig}
	r = s.do("POST", path, form.Encode(), hdr)
	if r.status != 200 || !strings.Contains(string(r.body), `<Say language="en-US">Please enter your 6 digit invoice number, then press hash.</Say>`) {
		t.Fatalf("first turn: %d %s", r.status, r.body)
	}
	other := "x" // a signature that differs in its first character, whatever that was
	if sig[0] == 'x' {
		other = "y"
	}
	hdr["X-Twilio-Signature"] = other + sig[1:]
	if r = s.do("POST", path, form.Encode(), hdr); r.status != 403 {
		t.Fatalf("a wrong signature: %d %s", r.status, r.body)
	}
	m := s.do("GET", "/metrics", "", nil)
	if !strings.Contains(string(m.body), "tonebase_platform_lookups_total") {
		t.Fatalf("platform lookups are not in /metrics")
	}
}

// TestVXMLWiring fetches the start document through the wired server with
// the client's lookup credentials.
func TestVXMLWiring(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	auth := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+c.APISecret))}
	r := s.do("GET", fmt.Sprintf("/vxml/v1/%d/%d/start", c.CID, dbid), "", auth)
	if r.status != 200 || !strings.Contains(string(r.body), `<!DOCTYPE vxml PUBLIC "-//W3C//DTD VOICEXML 2.1//EN"`) {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	auth["Content-Type"] = "application/x-www-form-urlencoded"
	r = s.do("POST", fmt.Sprintf("/vxml/v1/%d/%d/lookup", c.CID, dbid), "ref1=123456&ref2=01021990", auth)
	if r.status != 200 || !strings.Contains(string(r.body), "&#39;not_found&#39;") {
		t.Fatalf("lookup: %d %s", r.status, r.body)
	}
	if r = s.do("GET", fmt.Sprintf("/vxml/v1/%d/%d/start", c.CID, dbid), "", nil); r.status != 401 {
		t.Fatalf("no credentials: %d", r.status)
	}
}

// TestPayConnectorWiring sets a client's pay connector credentials through
// the admin API and stores a card through the wired connector endpoint.
func TestPayConnectorWiring(t *testing.T) {
	keyFile := writeMasterKey(t, 0x33)
	s := startServer(t, func(c *serveConfig) { c.MasterKeyFile = keyFile })
	c := s.newClient("Acme")
	const user, pass = "twilio-acme", "connector password 0001"
	r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/pay-connector", c.CID), `{"username":"`+user+`","password":"`+pass+`"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"pay_connector":true`) || strings.Contains(string(r.body), pass) {
		t.Fatalf("set credentials: %d %s", r.status, r.body)
	}
	if r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/pay-connector", c.CID), `{"username":"x"}`); r.status != 400 {
		t.Fatalf("no password: %d %s", r.status, r.body)
	}
	if r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/pay-connector", c.CID), `{"username":"x","password":"short"}`); r.status != 400 {
		t.Fatalf("a short password: %d %s", r.status, r.body)
	}
	path := fmt.Sprintf("/pay/v1/%d/twilio-connector", c.CID)
	body := `{"method":"tokenize","transaction_id":"PA1","cardnumber":"4111111111111111","cvv":"123","expiry_month":"12","expiry_year":"2039","parameters":{"ref1":"123456"}}`
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
	r = s.do("POST", path, body, hdr)
	if r.status != 200 || !strings.Contains(string(r.body), `"token_id":"`) || !strings.Contains(string(r.body), `"error_code":null`) {
		t.Fatalf("tokenize: %d %s", r.status, r.body)
	}
	hdr["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":wrong password here"))
	if r = s.do("POST", path, body, hdr); r.status != 401 {
		t.Fatalf("wrong password: %d %s", r.status, r.body)
	}
}

// TestCardOnFileFromACall runs the whole loop through the wired server: a
// Twilio call finds the caller and offers to keep a card; the <Pay> it
// answers names tonebase's connector with dbid and ref1, which Twilio's
// Generic Pay Connector posts back to tonebase with the card; the card is
// then in the vault under customer number ref1, and the caller hears so.
func TestCardOnFileFromACall(t *testing.T) {
	keyFile := writeMasterKey(t, 0x44)
	logged := &testkit.SyncBuffer{}
	s := startLogging(t, logged, func(c *serveConfig) { c.MasterKeyFile = keyFile })
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	const token, user, pass = "f0e1d2c3b4a5968778695a4b3c2d1e0f", "twilio-acme", "connector password 0001"
	for path, body := range map[string]string{
		"twilio":        `{"auth_token":"` + token + `"}`,
		"pay-connector": `{"username":"` + user + `","password":"` + pass + `"}`,
	} {
		if r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/%s", c.CID, path), body); r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid),
		`{"description":"Debtors","twilio":{"card_connector":"tonebase"},"columns":`+guideColumns+`}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"card_connector":"tonebase"`) {
		t.Fatalf("define: %d %s", r.status, r.body)
	}
	if r := s.upload("POST", c, dbid, `[{"colA":"123456","colB":"01021990","colC":"12.50","colD":"5.00","colE":"12.50"}]`); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}

	path := fmt.Sprintf("/twilio/v1/%d/%d/voice", c.CID, dbid)
	var twiml string
	post := func(params map[string]string) {
		t.Helper()
		params["CallSid"], params["From"] = "CA9", "+447700900123"
		form, signed := url.Values{}, []twilio.Param{}
		for k, v := range params {
			form.Set(k, v)
			signed = append(signed, twilio.Param{Key: k, Value: v})
		}
		r := s.do("POST", path, form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"X-Twilio-Signature": twilio.Signature(token, s.base+path, signed)})
		if r.status != 200 {
			t.Fatalf("webhook: %d %s", r.status, r.body)
		}
		twiml = string(r.body)
		if _, rest, ok := strings.Cut(twiml, ` action="`); ok {
			path, _, _ = strings.Cut(rest, `"`)
			path = strings.ReplaceAll(path, "&amp;", "&")
		}
	}
	post(map[string]string{})
	post(map[string]string{"Digits": "123456"})
	post(map[string]string{"Digits": "01021990"})
	if !strings.Contains(twiml, "To keep a card on file for your future payments, press 1.") {
		t.Fatalf("no card offer: %s", twiml)
	}
	post(map[string]string{"Digits": "1"})
	if !strings.Contains(twiml, `paymentConnector="tonebase"`) || !strings.Contains(twiml, `<Parameter name="ref1" value="123456"/>`) ||
		!strings.Contains(twiml, fmt.Sprintf(`<Parameter name="dbid" value="%d"/>`, dbid)) {
		t.Fatalf("the <Pay>: %s", twiml)
	}

	// Twilio's Generic Pay Connector, with the parameters <Pay> gave it.
	body := fmt.Sprintf(`{"method":"tokenize","transaction_id":"PA9","cardnumber":"4111111111111111","cvv":"123","expiry_month":"12","expiry_year":"2039","parameters":{"dbid":"%d","ref1":"123456"}}`, dbid)
	r = s.do("POST", fmt.Sprintf("/pay/v1/%d/twilio-connector", c.CID), body, map[string]string{"Content-Type": "application/json",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))})
	var tok struct {
		TokenID string `json:"token_id"`
	}
	r.json(t, &tok)
	if r.status != 200 || len(tok.TokenID) != 16 {
		t.Fatalf("tokenize: %d %s", r.status, r.body)
	}
	post(map[string]string{"Result": "success", "PaymentToken": tok.TokenID, "PaymentCardNumber": "xxxxxxxxxxxx1111"})
	if !strings.Contains(twiml, "Thank you. Your card is now on file.") || !strings.Contains(twiml, "<Hangup/>") {
		t.Fatalf("the end: %s", twiml)
	}
	m, err := s.a.cust.PaymentByToken(c.CID, tok.TokenID)
	if err != nil {
		t.Fatal(err)
	}
	cu, err := s.a.cust.CustomerByNumber(c.CID, "123456")
	if err != nil || m.CustomerID != cu.ID {
		t.Fatalf("the card is not the customer's: %+v %+v %v", m, cu, err)
	}
	for _, secret := range []string{"4111111111111111", `"cvv"`, pass, token} {
		if strings.Contains(logged.String(), secret) {
			t.Fatalf("the server's log holds %s", secret)
		}
	}
	if !strings.Contains(logged.String(), `"outcome":"tokenized"`) {
		t.Fatalf("the connector's request is not in the log:\n%s", logged.String())
	}
}

// TestPayInACall: a Twilio call pays through <Pay>, and the payment is in
// the database's ledger and its balance at once, once however often
// Twilio sends the action.
func TestPayInACall(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	const token = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
	if r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/twilio", c.CID), `{"auth_token":"`+token+`"}`); r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	if r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid),
		`{"description":"Debtors","twilio":{"pay_connector":"Stripe_Live"},"columns":`+guideColumns+`}`); r.status != 200 {
		t.Fatalf("define: %d %s", r.status, r.body)
	}
	if r := s.upload("POST", c, dbid, `[{"colA":"123456","colB":"01021990","colC":"12.50","colD":"5.00","colE":"12.50"}]`); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	path := fmt.Sprintf("/twilio/v1/%d/%d/voice", c.CID, dbid)
	var twiml string
	post := func(params map[string]string) {
		t.Helper()
		params["CallSid"], params["From"] = "CA8", "+447700900123"
		form, signed := url.Values{}, []twilio.Param{}
		for k, v := range params {
			form.Set(k, v)
			signed = append(signed, twilio.Param{Key: k, Value: v})
		}
		r := s.do("POST", path, form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"X-Twilio-Signature": twilio.Signature(token, s.base+path, signed)})
		if r.status != 200 {
			t.Fatalf("webhook: %d %s", r.status, r.body)
		}
		twiml = string(r.body)
		if _, rest, ok := strings.Cut(twiml, ` action="`); ok {
			path, _, _ = strings.Cut(rest, `"`)
			path = strings.ReplaceAll(path, "&amp;", "&")
		}
	}
	post(map[string]string{})
	post(map[string]string{"Digits": "123456"})
	post(map[string]string{"Digits": "01021990"})
	post(map[string]string{"Digits": "2"})
	post(map[string]string{"Digits": "700"})
	if !strings.Contains(twiml, `<Pay input="dtmf" paymentConnector="Stripe_Live" chargeAmount="7.00" currency="gbp"`) {
		t.Fatalf("no <Pay>: %s", twiml)
	}
	done := map[string]string{"Result": "success", "PaymentConfirmationCode": "ch_1", "PaymentCardNumber": "xxxxxxxxxxxx1111"}
	for range 2 {
		post(maps.Clone(done))
		if !strings.Contains(twiml, "Your balance is now five pounds and fifty pence.") {
			t.Fatalf("the end: %s", twiml)
		}
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+c.APISecret))
	r := s.do("GET", fmt.Sprintf("/ivr/v1/%d/%d/payments", c.CID, dbid), "", map[string]string{"Authorization": auth})
	var ledger struct {
		Payments []struct {
			Reference string `json:"reference"`
			Platform  string `json:"platform"`
			CardLast4 string `json:"card_last4"`
			Caller    string `json:"caller"`
		} `json:"payments"`
	}
	r.json(t, &ledger)
	if len(ledger.Payments) != 1 || ledger.Payments[0].Reference != "ch_1" || ledger.Payments[0].Platform != "twilio" ||
		ledger.Payments[0].CardLast4 != "1111" || ledger.Payments[0].Caller != "+447700900123" {
		t.Fatalf("ledger: %s", r.body)
	}
	if r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990"); !strings.Contains(string(r.body), `"minor":550`) {
		t.Fatalf("the balance after the call: %s", r.body)
	}
}
