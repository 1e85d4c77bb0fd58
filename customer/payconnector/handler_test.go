package payconnector

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/internal/testkit"
)

const (
	user, pass = "twilio-acme", "connector password 0001"
	card       = "4111111111111111"
	cvv        = "737"
	account    = "000123456789"
)

// node is one tonebase process over a data folder: a restart is a new
// node over the same folder.
type node struct {
	store   *columndb.Store
	clients *tenant.Registry
	svc     *customer.Service
	base    string
	log     *testkit.SyncBuffer
}

func start(t testing.TB, dir string) *node {
	t.Helper()
	store, err := columndb.Open(columndb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := tenant.LoadOrCreateKey(filepath.Join(dir, "secrets.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := tenant.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := tenant.New(store, box)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := vault.Open(store, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	log := &testkit.SyncBuffer{}
	svc := customer.New(customer.Config{Store: store, Ring: ring, Log: zerolog.New(log)})
	h := New(clients, svc, store, zerolog.New(log))
	r := router.New()
	r.POST("/pay/v1/{cid}/twilio-connector", h.Connector)
	n := &node{store: store, clients: clients, svc: svc, base: ivrtest.Serve(t, r.Handler), log: log}
	t.Cleanup(func() { store.Close() })
	return n
}

// client adds a client with connector credentials and returns its cid.
func (n *node) client(t testing.TB, name, u, p string) int64 {
	t.Helper()
	c, _, err := n.clients.Create(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.clients.SetPayConnector(c.CID, u, p); err != nil {
		t.Fatal(err)
	}
	return c.CID
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

// post sends a connector request as Twilio does: JSON, HTTP Basic.
func (n *node) post(t *testing.T, cid int64, u, p string, body any) answer {
	t.Helper()
	b, ok := body.([]byte)
	if !ok {
		b, _ = json.Marshal(body)
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(fmt.Sprintf("%s/pay/v1/%d/twilio-connector", n.base, cid))
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	if u != "" || p != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u+":"+p)))
	}
	req.SetBody(b)
	began := time.Now()
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("the connector took %v; Twilio waits 10 s", d)
	}
	a := answer{status: resp.StatusCode(), raw: string(resp.Body())}
	if err := json.Unmarshal(resp.Body(), &a.body); err != nil {
		t.Fatalf("not JSON: %s", a.raw)
	}
	return a
}

func tokenizeCard(tx, ref1 string) map[string]any {
	return map[string]any{"method": "tokenize", "transaction_id": tx, "cardnumber": card, "cvv": cvv,
		"expiry_month": "12", "expiry_year": "2039", "postal_code": "SW1A1AA", "amount": 0, "currency_code": "GBP",
		"description": "card on file", "parameters": map[string]any{"dbid": "1", "ref1": ref1}}
}

func TestTokenizeStoresTheCardUnderTheRef(t *testing.T) {
	dir := t.TempDir()
	n := start(t, dir)
	cid := n.client(t, "Acme", user, pass)
	a := n.post(t, cid, user, pass, tokenizeCard("PA1", "123456"))
	token, _ := a.body["token_id"].(string)
	if a.status != 200 || !customer.ValidToken(token) || a.body["error_code"] != nil || a.body["error_message"] != nil {
		t.Fatalf("tokenize: %d %s", a.status, a.raw)
	}
	if _, ok := a.body["error_code"]; !ok {
		t.Fatalf("error_code is not in the answer: %s", a.raw)
	}
	c, err := n.svc.CustomerByNumber(cid, "123456")
	if err != nil {
		t.Fatalf("the customer whose number is ref1 was not created: %v", err)
	}
	m, err := n.svc.PaymentByToken(cid, token)
	if err != nil || m.CustomerID != c.ID || m.Kind != customer.KindCard || !strings.HasSuffix(m.Masked, "1111") || m.Card.Expiry != "1239" {
		t.Fatalf("stored method %+v, %v", m, err)
	}

	// Twilio's retries carry the same transaction_id: the same token, and
	// no second method.
	for range 3 {
		if b := n.post(t, cid, user, pass, tokenizeCard("PA1", "123456")); b.body["token_id"] != token {
			t.Fatalf("a retry answered %s", b.raw)
		}
	}
	// After a restart too.
	n.store.Close()
	n = start(t, dir)
	if b := n.post(t, cid, user, pass, tokenizeCard("PA1", "123456")); b.body["token_id"] != token {
		t.Fatalf("a retry after a restart answered %s", b.raw)
	}
	list, err := n.svc.GetPayments(cid, c.ID, customer.KindCard, customer.Page{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("methods stored after retries: %+v, %v", list, err)
	}
	// The same transaction_id with another card is refused.
	other := tokenizeCard("PA1", "123456")
	other["cardnumber"] = "5555555555554444"
	if b := n.post(t, cid, user, pass, other); b.body["error_code"] != CodeReused || b.body["token_id"] != nil {
		t.Fatalf("a reused transaction_id: %s", b.raw)
	}
	// An existing customer gets the card too; a bank account is stored as one.
	ach := map[string]any{"method": "tokenize", "transaction_id": "PA2", "bankaccountnumber": account, "routingnumber": "021000021",
		"parameters": map[string]any{"ref1": "123456", "bank_account_type": "consumer-savings"}}
	b := n.post(t, cid, user, pass, ach)
	bankToken, _ := b.body["token_id"].(string)
	if m, err := n.svc.PaymentByToken(cid, bankToken); err != nil || m.CustomerID != c.ID || m.Kind != customer.KindBank || m.Bank.AccountKind != customer.BankSavings {
		t.Fatalf("bank account: %s %+v %v", b.raw, m, err)
	}

	n.store.Close()
	found, files, err := testkit.SecretsInFiles(dir, []string{card, account, `"` + cvv + `"`, "cvv"})
	if err != nil || files == 0 || len(found) > 0 {
		t.Fatalf("in clear in the data folder (%d files): %v %v", files, found, err)
	}
	for _, s := range []string{card, account, cvv, pass} {
		if strings.Contains(n.log.Scrubbed(), s) {
			t.Fatalf("the log holds %q:\n%s", s, n.log.String())
		}
	}
}

func TestConnectorAnswers(t *testing.T) {
	n := start(t, t.TempDir())
	cid := n.client(t, "Acme", user, pass)
	other := n.client(t, "Other", "twilio-other", "the other client's password")
	expired := tokenizeCard("PB3", "123456")
	expired["expiry_year"] = "2001"
	noRef := tokenizeCard("PB4", "")
	badCard := tokenizeCard("PB5", "123456")
	badCard["cardnumber"] = "4111111111111112"
	tests := []struct {
		name       string
		cid        int64
		u, p       string
		body       any
		status     int
		code       any
		hasCharge  bool
		mentions   string
		storesNone bool
	}{
		{"charge is unsupported", cid, user, pass, map[string]any{"method": "charge", "transaction_id": "PB1", "cardnumber": card, "cvv": cvv,
			"expiry_month": "12", "expiry_year": "39", "amount": "12.50", "currency_code": "GBP", "parameters": map[string]any{"ref1": "999999"}},
			200, CodeUnsupported, true, "does not charge", true},
		{"unknown method", cid, user, pass, map[string]any{"method": "refund", "transaction_id": "PB2"}, 200, CodeInvalid, false, "tokenize or charge", true},
		{"expired card", cid, user, pass, expired, 200, CodeInvalid, false, "expiry", false},
		{"no ref1", cid, user, pass, noRef, 200, CodeInvalid, false, "parameters.ref1", false},
		{"a card failing Luhn", cid, user, pass, badCard, 200, CodeInvalid, false, "cardnumber", false},
		{"neither card nor account", cid, user, pass, map[string]any{"method": "tokenize", "transaction_id": "PB6", "parameters": map[string]any{"ref1": "1"}}, 200, CodeInvalid, false, "cardnumber", false},
		{"no transaction_id", cid, user, pass, map[string]any{"method": "tokenize", "cardnumber": card}, 400, CodeInvalid, false, "transaction_id", false},
		{"not JSON", cid, user, pass, []byte(`{"method":`), 400, CodeInvalid, false, "JSON", false},
		{"no credentials", cid, "", "", tokenizeCard("PB7", "777777"), 401, CodeUnauthorized, false, "", true},
		{"wrong password", cid, user, pass + "x", tokenizeCard("PB8", "777777"), 401, CodeUnauthorized, false, "", true},
		{"another client's credentials", cid, "twilio-other", "the other client's password", tokenizeCard("PB9", "777777"), 401, CodeUnauthorized, false, "", true},
		{"this client's credentials on another's endpoint", other, user, pass, tokenizeCard("PB10", "777777"), 401, CodeUnauthorized, false, "", true},
		{"no such client", 999999, user, pass, tokenizeCard("PB11", "777777"), 401, CodeUnauthorized, false, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := n.post(t, tc.cid, tc.u, tc.p, tc.body)
			if a.status != tc.status || a.body["error_code"] != tc.code || a.body["token_id"] != nil {
				t.Fatalf("answered %d %s", a.status, a.raw)
			}
			if _, ok := a.body["charge_id"]; ok != tc.hasCharge {
				t.Fatalf("charge_id present %v: %s", ok, a.raw)
			}
			if msg, _ := a.body["error_message"].(string); !strings.Contains(msg, tc.mentions) || msg == "" {
				t.Fatalf("error_message %q does not mention %q", msg, tc.mentions)
			}
			if strings.Contains(a.raw, card) || strings.Contains(a.raw, "4111111111111112") {
				t.Fatalf("the answer holds the card number: %s", a.raw)
			}
		})
	}
	for _, number := range []string{"999999", "777777"} {
		for _, c := range []int64{cid, other} {
			if _, err := n.svc.CustomerByNumber(c, number); err == nil {
				t.Fatalf("a refused request stored customer %s of client %d", number, c)
			}
		}
	}
	if strings.Contains(n.log.Scrubbed(), card) || strings.Contains(n.log.Scrubbed(), cvv) {
		t.Fatalf("the log holds the card or CVV:\n%s", n.log.String())
	}
}

// TestConcurrentRetries: Twilio may retry before its first try answered;
// every try answers the one token and one method is stored.
func TestConcurrentRetries(t *testing.T) {
	n := start(t, t.TempDir())
	cid := n.client(t, "Acme", user, pass)
	var wg sync.WaitGroup
	tokens := make([]any, 8)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tokens[i] = n.post(t, cid, user, pass, tokenizeCard("PC1", "424242")).body["token_id"]
		}()
	}
	wg.Wait()
	for _, tok := range tokens {
		if tok == nil || tok != tokens[0] {
			t.Fatalf("tokens answered: %v", tokens)
		}
	}
	c, err := n.svc.CustomerByNumber(cid, "424242")
	if err != nil {
		t.Fatal(err)
	}
	if list, err := n.svc.GetPayments(cid, c.ID, customer.KindCard, customer.Page{}); err != nil || len(list.Items) != 1 {
		t.Fatalf("methods stored: %d, %v", len(list.Items), err)
	}
}
