package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestPaymentsEndToEnd goes through the route table as serve wires it: a
// payment moves the balance the next lookup reads, an upload after it is
// marked in the ledger, and one client's credentials reach nothing of
// another's payments.
func TestPaymentsEndToEnd(t *testing.T) {
	s := startServer(t)
	c, other := s.newClient("Acme"), s.newClient("Other")
	dbid, otherDB := s.newDatabase(c.CID), s.newDatabase(other.CID)
	row := `[{"colA":"123456","colB":"01021990","colC":"£12.50"}]`
	if r := s.upload("POST", c, dbid, row); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	pay := func(cl client, cid, db int64, body string) reply {
		t.Helper()
		h := basicAuth(cl)
		h["Content-Type"] = "application/json"
		return s.do("POST", fmt.Sprintf("/ivr/v1/%d/%d/payments", cid, db), body, h)
	}
	body := `{"ref1":"123456","ref2":"01021990","amount":"2.50","reference":"PSP-1","card_last4":"1111"}`
	if r := pay(c, c.CID, dbid, body); r.status != 201 || !strings.Contains(string(r.body), `"balance":{"minor":1000,`) {
		t.Fatalf("payment: %d %s", r.status, r.body)
	}
	if r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990"); !strings.Contains(string(r.body), `"balance":{"minor":1000,`) {
		t.Fatalf("the lookup after the payment: %s", r.body)
	}
	// Another client's key, at either client's address, pays nothing and reads nothing.
	for _, r := range []reply{
		pay(other, c.CID, dbid, body),
		pay(other, other.CID, dbid, body),
		s.do("GET", fmt.Sprintf("/ivr/v1/%d/%d/payments", c.CID, dbid), "", basicAuth(other)),
	} {
		if r.status != 404 {
			t.Fatalf("another client: %d %s", r.status, r.body)
		}
	}
	if r := s.do("GET", fmt.Sprintf("/ivr/v1/%d/%d/payments", other.CID, otherDB), "", basicAuth(other)); r.status != 200 ||
		string(r.body) != `{"payments":[],"next":""}` {
		t.Fatalf("the other client's own ledger: %d %s", r.status, r.body)
	}
	if r := s.upload("POST", c, dbid, `[{"colA":"123456","colB":"01021990","colC":"£12.00"}]`); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r := s.do("GET", fmt.Sprintf("/ivr/v1/%d/%d/payments", c.CID, dbid), "", basicAuth(c))
	if r.status != 200 || !strings.Contains(string(r.body), `"reference":"PSP-1"`) || !strings.Contains(string(r.body), `"replaced_by_upload":true`) {
		t.Fatalf("the ledger after an upload: %d %s", r.status, r.body)
	}
}
