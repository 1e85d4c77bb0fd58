package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/admin"
)

// onepayAnswer is the part of a OnePay answer these tests read.
type onepayAnswer struct {
	Status struct {
		ResultCode int    `json:"result_code"`
		SubCode    string `json:"result_sub_code"`
		Token      string `json:"token"`
		Last4      string `json:"account_last_4"`
	} `json:"customer_response"`
	Customer struct {
		CustomerID string `json:"customer_id"`
	} `json:"customer"`
}

// TestOnePayOnTheDemoServer: the README's OnePay example, as pasted, works
// on the --demo server, at /Customer in any case, with the demo client's
// key; a wrong key answers 401; and the route takes no other method.
func TestOnePayOnTheDemoServer(t *testing.T) {
	s := startServer(t, func(c *serveConfig) { c.Demo = true })
	d, err := admin.SeedDemo(s.a.clients, s.a.svc.Catalog(), s.a.svc)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The README's example: the curl line of its OnePay section, and its body.
	m := regexp.MustCompile(`(?s)### OnePay.*?curl -s -X POST (\S+)/Customer -H "x-authorization: \$K" -H 'Content-Type: application/json' -d '([^']+)'`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README's OnePay example is not where this test looks for it")
	}
	if body := string(m[2]); body != admin.OnePayExample {
		t.Fatalf("the README's example differs from the demo's:\n%s\n%s", body, admin.OnePayExample)
	}
	key := d.APIKey + ":" + d.APISecret
	for i, path := range []string{"/Customer", "/customer", "/CUSTOMER"} {
		r := s.do("POST", path, admin.OnePayExample, map[string]string{"x-authorization": key, "Content-Type": "application/json"})
		var a onepayAnswer
		r.json(t, &a)
		if r.status != 200 || a.Status.ResultCode != 1 || a.Status.Last4 != "1111" || len(a.Status.Token) != 16 {
			t.Fatalf("POST %s: %d %s", path, r.status, r.body)
		}
		if want := []string{"100000", "100001", "100002"}[i]; a.Customer.CustomerID != want {
			t.Fatalf("POST %s: customer_id %s, want %s", path, a.Customer.CustomerID, want)
		}
	}
	r := s.do("POST", "/Customer", admin.OnePayExample, map[string]string{"x-authorization": d.APIKey + ":wrong"})
	var a onepayAnswer
	r.json(t, &a)
	if r.status != 401 || a.Status.ResultCode != 3 || a.Status.SubCode != "401" {
		t.Fatalf("wrong key: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/customer", "", map[string]string{"x-authorization": key}); r.status != 405 {
		t.Fatalf("GET /customer: %d %s", r.status, r.body)
	}
	if r := s.do("POST", "/Customers", admin.OnePayExample, map[string]string{"x-authorization": key}); r.status != 404 {
		t.Fatalf("POST /Customers: %d %s", r.status, r.body)
	}
	if !strings.Contains(d.Instructions(s.base, s.token), "/Customer -H 'x-authorization: "+key+"'") {
		t.Fatal("the demo's instructions do not show the OnePay example with its key")
	}
}
