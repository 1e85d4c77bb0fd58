package main

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

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
