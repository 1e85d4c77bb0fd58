package hipfinity

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
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
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/testkit"
)

// fakeClients authenticates the tests' tenants.
type fakeClients = testkit.Clients

const (
	tenantA = "keyA:secretA"
	tenantB = "keyB:secretB"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer = testkit.SyncBuffer

type env struct {
	t     *testing.T
	url   string
	svc   *customer.Service
	store *columndb.Store
	dir   string
	logs  *syncBuffer
	clock *clock
	// responses keeps every response body, for the leak test.
	mu        sync.Mutex
	responses bytes.Buffer
}

type envOpts struct {
	noVault bool
	atRest  bool
}

var testMaster = bytes.Repeat([]byte{0x42}, 32)

// newEnv serves the customer API over a real listener on a store in a
// temporary folder, with logs captured at debug level.
func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), logs: &syncBuffer{},
		clock: &clock{t: time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)}}
	log := zerolog.New(e.logs).Level(zerolog.DebugLevel)
	opts := columndb.Options{Dir: e.dir, Logger: nil}
	if o.atRest {
		opts.EncryptionKey = vault.StoreKey(testMaster)
	}
	store, err := columndb.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.store = store
	cfg := customer.Config{Store: store, Log: log, Now: e.clock.Now, NoVault: "no master key; " + vault.HowToMakeKey}
	if !o.noVault {
		if cfg.Ring, err = vault.Open(store, testMaster); err != nil {
			t.Fatal(err)
		}
	}
	e.svc = customer.New(cfg)
	e.svc.Start()
	h := NewHandlers(e.svc, fakeClients{tenantA: 1001, tenantB: 1002}, log)
	r := router.New()
	reg := observe.New()
	for _, rt := range testRoutes(h) {
		r.Handle(rt.method, rt.path, observe.Wrap(observe.AccessLog{Out: e.logs, Level: log.GetLevel()}, reg, rt.path, rt.h))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler, Logger: zerologPrinter{log}}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	e.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		e.svc.Close()
		_ = store.Close()
	})
	return e
}

type zerologPrinter struct{ l zerolog.Logger }

func (z zerologPrinter) Printf(f string, a ...any) { z.l.Warn().Msgf(f, a...) }

type testRoute struct {
	method, path string
	h            fasthttp.RequestHandler
}

// testRoutes mirrors the customer part of cmd/tonebase's route table.
func testRoutes(h *Handlers) []testRoute {
	return []testRoute{
		{"POST", "/admin/api/keys/rotate", h.RotateKeys},
		{"GET", "/admin/api/keys", h.Keys},
		{"POST", "/apis/api/Customers", h.CreateCustomer},
		{"PUT", "/apis/api/Customers/{id}", h.UpdateCustomer},
		{"DELETE", "/apis/api/Customers/{id}", h.DeleteCustomer},
		{"GET", "/apis/api/Customers/GetCustomerInfo/{id}", h.GetCustomerInfo},
		{"GET", "/apis/api/Customers/GetCustomers", h.GetCustomers},
		{"GET", "/apis/api/Customers/GetCustomersBySearchCriteria", h.SearchCustomers},
		{"POST", "/apis/api/PaymentDetails", h.CreatePayment},
		{"PUT", "/apis/api/PaymentDetails/{id}", h.UpdatePayment},
		{"DELETE", "/apis/api/PaymentDetails/{id}", h.DeletePayment},
		{"GET", "/apis/api/PaymentDetails/GetPayments", h.GetPayments},
		{"GET", "/apis/api/PaymentDetails/GetPaymentInfo/{id}", h.GetPaymentInfo},
		{"GET", "/apis/api/PaymentDetails/GetPrimary", h.GetPrimary},
		{"POST", "/apis/api/RecurringTrans", h.CreatePlan},
		{"PUT", "/apis/api/RecurringTrans/Suspend", h.SuspendPlan},
		{"PUT", "/apis/api/RecurringTrans/Resume", h.ResumePlan},
		{"PUT", "/apis/api/RecurringTrans/{id}", h.UpdatePlan},
		{"DELETE", "/apis/api/RecurringTrans/{id}", h.DeletePlan},
		{"GET", "/apis/api/RecurringTrans/GetRecurringInfo/{id}", h.GetPlan},
		{"GET", "/apis/api/RecurringTrans/GetRecurringTrans", h.GetPlans},
		{"GET", "/apis/api/RecurringTrans/GetSchedule/{id}", h.GetSchedule},
		{"GET", "/apis/api/RecurringTrans/GetDue", h.GetDue},
	}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) envelope(t *testing.T) Envelope {
	t.Helper()
	var e Envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("not an envelope: %s", r.body)
	}
	if e.StatusCode != r.status {
		t.Fatalf("envelope StatusCode %d, HTTP %d", e.StatusCode, r.status)
	}
	return e
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call makes a request as a tenant ("" for none); body may be a string or a value to encode.
func (e *env) call(method, path, tenant string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tenant != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(tenant)))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.mu.Lock()
	e.responses.Write(b)
	e.responses.WriteString("\n")
	for k, v := range res.Header {
		e.responses.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	e.mu.Unlock()
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// ok makes a write that must succeed and returns its StatusText.
func (e *env) ok(method, path, tenant string, body any, headers ...string) string {
	e.t.Helper()
	r := e.call(method, path, tenant, body, headers...)
	if r.status != 200 {
		e.t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	return r.envelope(e.t).StatusText
}

func (e *env) expect(status int, method, path, tenant string, body any) resp {
	e.t.Helper()
	r := e.call(method, path, tenant, body)
	if r.status != status {
		e.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.status, r.body, status)
	}
	return r
}

func (e *env) customer(tenant, number string) string {
	e.t.Helper()
	return e.ok("POST", "/apis/api/Customers", tenant, map[string]any{"CustomerNumber": number,
		"BillingFirstName": "First" + number, "BillingLastName": "Last" + number, "BillingCompanyName": "Co " + number})
}

func (e *env) card(tenant, customerID, number string, primary bool) string {
	e.t.Helper()
	return e.ok("POST", "/apis/api/PaymentDetails", tenant, map[string]any{"CustomerId": customerID, "PaymentType": "2",
		"CardNumber": number, "ExpDate": "1230", "FullName": "Thami Smires", "isPrimary": primary})
}
