package onepay

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
	"github.com/tonebase/tonebase/customer/hipfinity"
	"github.com/tonebase/tonebase/customer/receivepay"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/testkit"
)

const (
	tenantA = "keyA:secretA"
	tenantB = "keyB:secretB"
)

var testMaster = bytes.Repeat([]byte{0x42}, 32)

// env serves this API, the Hipfinity API and ReceivePay's over one real listener, on
// one store, as cmd/tonebase does.
type env struct {
	t     *testing.T
	url   string
	svc   *customer.Service
	store *columndb.Store
	dir   string
	logs  *testkit.SyncBuffer
	now   time.Time

	mu        sync.Mutex
	responses bytes.Buffer // every answer, for the leak test
}

type envOpts struct {
	noVault, atRest bool
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), logs: &testkit.SyncBuffer{}, now: time.Date(2026, 12, 1, 18, 5, 9, 0, time.UTC)}
	log := zerolog.New(e.logs).Level(zerolog.DebugLevel)
	opts := columndb.Options{Dir: e.dir}
	if o.atRest {
		opts.EncryptionKey = vault.StoreKey(testMaster)
	}
	store, err := columndb.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.store = store
	clock := func() time.Time { return e.now }
	cfg := customer.Config{Store: store, Log: log, Now: clock, NoVault: "no master key; " + vault.HowToMakeKey}
	if !o.noVault {
		if cfg.Ring, err = vault.Open(store, testMaster); err != nil {
			t.Fatal(err)
		}
	}
	e.svc = customer.New(cfg)
	auth := testkit.Clients{tenantA: 1001, tenantB: 1002}
	op := NewHandlers(e.svc, auth, log, clock)
	hf := hipfinity.NewHandlers(e.svc, auth, log)
	rp := receivepay.NewHandlers(e.svc, auth, log, clock)
	r := router.New()
	reg := observe.New()
	for _, rt := range []struct {
		method, path string
		h            fasthttp.RequestHandler
	}{
		{"POST", Path, op.Customer},
		{"POST", "/apis/api/Customers", hf.CreateCustomer},
		{"PUT", "/apis/api/Customers/{id}", hf.UpdateCustomer},
		{"GET", "/apis/api/Customers/GetCustomers", hf.GetCustomers},
		{"GET", "/apis/api/Customers/GetCustomerInfo/{id}", hf.GetCustomerInfo},
		{"POST", "/apis/api/PaymentDetails", hf.CreatePayment},
		{"PUT", "/apis/api/PaymentDetails/{id}", hf.UpdatePayment},
		{"GET", "/apis/api/PaymentDetails/GetPayments", hf.GetPayments},
		{"GET", "/apis/api/PaymentDetails/GetPaymentInfo/{id}", hf.GetPaymentInfo},
		{"POST", "/api", rp.API},
	} {
		r.Handle(rt.method, rt.path, observe.Wrap(observe.AccessLog{Out: e.logs, Level: log.GetLevel()}, reg, rt.path, rt.h))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	e.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		_ = e.store.Close()
	})
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; key is the x-authorization value ("" sends none),
// or, for a path under /apis/api, the Basic credentials.
func (e *env) do(method, path, key, body string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case key == "":
	case strings.HasPrefix(path, "/apis/"):
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key)))
	default:
		req.Header.Set(Header, key)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.mu.Lock()
	e.responses.Write(b)
	e.responses.WriteString("\n")
	e.mu.Unlock()
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// post sends a OnePay request and decodes its answer.
func (e *env) post(key, body string) Response {
	e.t.Helper()
	r := e.do("POST", Path, key, body)
	var out Response
	if err := json.Unmarshal(r.body, &out); err != nil {
		e.t.Fatalf("answer %d is not JSON: %s", r.status, r.body)
	}
	return out
}

// ok sends a OnePay request that must be approved.
func (e *env) ok(key, body string) Response {
	e.t.Helper()
	out := e.post(key, body)
	if out.Status.ResultCode != resultApproved {
		e.t.Fatalf("%s: refused: %+v", body, out.Status)
	}
	return out
}

// get sends a Hipfinity read and decodes its answer into v.
func (e *env) get(key, path string, v any) {
	e.t.Helper()
	r := e.do("GET", path, key, "")
	if r.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		e.t.Fatalf("GET %s: %v: %s", path, err, r.body)
	}
}
