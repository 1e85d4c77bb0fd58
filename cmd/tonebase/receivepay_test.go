package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

// rpRequest is a ReceivePay request with a client's credentials.
func rpRequest(c client, typ, inner string) string {
	return fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<request>\r\n\t<authentication>\r\n\t\t<api_id>%s</api_id>\r\n"+
		"\t\t<secret_key>%s</secret_key>\r\n\t</authentication>\r\n\t<type>%s</type>\r\n%s\r\n</request>\r\n", c.APIKey, c.APISecret, typ, inner)
}

// TestReceivePayWired: the wired server answers ReceivePay's requests at
// every path its clients post to, with the clients' own API credentials,
// whatever the Content-Type; a suspended client cannot authenticate, and a
// body past the limit is the one answer that is not HTTP 200.
func TestReceivePayWired(t *testing.T) {
	s := startServer(t, func(c *serveConfig) { c.MasterKey = strings.Repeat("ab", 32) })
	c := s.newClient("ReceivePay merchant")
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for i, path := range []string{"/api", "/api/", "/index.php/api", "/index.php/api/"} {
		r := s.do("POST", path, rpRequest(c, "NewCustomer", fmt.Sprintf("<first_name>F%d</first_name><last_name>L</last_name>", i)), form)
		if r.status != 200 || r.header.Get("Content-Type") != "text/xml; charset=utf-8" ||
			!strings.Contains(string(r.body), fmt.Sprintf("<customer_id>%d</customer_id>", 1000+i)) {
			t.Fatalf("POST %s: %d %s %s", path, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	r := s.do("POST", "/api", rpRequest(c, "Recur", "<customer_id>1000</customer_id><credit_card><card_num>4111111111111111</card_num>"+
		"<exp_month>12</exp_month><exp_year>2030</exp_year></credit_card><amount>9.99</amount><recur><interval>30</interval></recur><format>json</format>"), form)
	if r.status != 200 || !strings.Contains(string(r.body), `"response_code":100`) || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("Recur: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/api", "", nil); r.status != 405 {
		t.Fatalf("GET /api: %d", r.status)
	}
	// A body announced past the limit is refused on its length, before any
	// of it is read; sending it whole would race the server's early close.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", 2<<20)
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != 413 {
		t.Fatalf("a body past the limit: %v %v", resp, err)
	}
	if r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d", c.CID), `{"status":"suspended"}`); r.status != 200 {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	r = s.do("POST", "/api", rpRequest(c, "GetCustomers", ""), form)
	if r.status != 200 || !strings.Contains(string(r.body), "<error>1001</error>") {
		t.Fatalf("a suspended client: %d %s", r.status, r.body)
	}
}

// TestReceivePayWithoutVault: with no master key, customers are kept and a
// Recur, which stores a card, is refused saying why.
func TestReceivePayWithoutVault(t *testing.T) {
	s := startServer(t)
	c := s.newClient("no vault")
	r := s.do("POST", "/api", rpRequest(c, "Recur", "<credit_card><card_num>4111111111111111</card_num><name>Joe Customer</name>"+
		"<exp_month>12</exp_month><exp_year>2030</exp_year></credit_card><amount>9.99</amount><recur><interval>30</interval></recur>"), nil)
	if !strings.Contains(string(r.body), "<error>1009</error>") || !strings.Contains(string(r.body), "master key") {
		t.Fatalf("Recur without a vault: %s", r.body)
	}
	r = s.do("POST", "/api", rpRequest(c, "GetCustomers", ""), nil)
	if !strings.Contains(string(r.body), "<total_results>0</total_results>") {
		t.Fatalf("the refused Recur left a customer: %s", r.body)
	}
}
