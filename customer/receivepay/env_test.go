package receivepay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
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
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/testkit"
)

// clients authenticates two tenants, as the tenant registry does: by key
// and secret, suspended ones refused.
type clients struct {
	mu        sync.Mutex
	suspended map[int64]bool
}

var creds = map[string]int64{"keyA:secretA": 1001, "keyB:secretB": 1002}

func (c *clients) Authenticate(key, secret []byte) (int64, error) {
	cid, ok := creds[string(key)+":"+string(secret)]
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok || c.suspended[cid] {
		return 0, errors.New("bad credentials")
	}
	return cid, nil
}

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

type env struct {
	t       *testing.T
	url     string
	dir     string
	svc     *customer.Service
	clients *clients
	clock   *clock
	logs    *testkit.SyncBuffer
	answers testkit.SyncBuffer
}

var testMaster = bytes.Repeat([]byte{0x42}, 32)

// newEnv serves this wire and the Hipfinity one, on one customer domain,
// over a real listener, with logs captured at debug level.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), logs: &testkit.SyncBuffer{}, clients: &clients{suspended: map[int64]bool{}},
		clock: &clock{t: time.Date(2026, 12, 1, 18, 5, 9, 0, time.UTC)}}
	log := zerolog.New(e.logs).Level(zerolog.DebugLevel)
	store, err := columndb.Open(columndb.Options{Dir: e.dir})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := vault.Open(store, testMaster)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = customer.New(customer.Config{Store: store, Ring: ring, Log: log, Now: e.clock.Now})
	e.svc.Start()
	rp := NewHandlers(e.svc, e.clients, log, e.clock.Now)
	hf := hipfinity.NewHandlers(e.svc, e.clients, log)
	r := router.New()
	for _, p := range []string{"/api", "/index.php/api"} {
		r.POST(p, rp.API)
	}
	r.GET("/apis/api/Customers/GetCustomerInfo/{id}", hf.GetCustomerInfo)
	r.GET("/apis/api/Customers/GetCustomers", hf.GetCustomers)
	r.PUT("/apis/api/Customers/{id}", hf.UpdateCustomer)
	r.DELETE("/apis/api/Customers/{id}", hf.DeleteCustomer)
	r.GET("/apis/api/RecurringTrans/GetRecurringTrans", hf.GetPlans)
	r.GET("/apis/api/PaymentDetails/GetPayments", hf.GetPayments)
	r.DELETE("/apis/api/RecurringTrans/{id}", hf.DeletePlan)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	e.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		e.svc.Close()
		_ = store.Close()
	})
	return e
}

// raw posts body to path as PHP curl does and returns the status, the
// Content-Type and the body.
func (e *env) raw(path, body string) (int, string, string) {
	e.t.Helper()
	res, err := http.Post(e.url+path, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.answers.Write(b)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// post sends a request of type typ as tenant A, with inner XML after the
// type, and returns the answer's body; the answer must be HTTP 200.
func (e *env) post(typ, inner string) string {
	e.t.Helper()
	return e.postAs("keyA", "secretA", typ, inner)
}

func (e *env) postAs(key, secret, typ, inner string) string {
	e.t.Helper()
	status, _, body := e.raw("/api", request(key, secret, typ, inner))
	if status != 200 {
		e.t.Fatalf("HTTP %d: %s", status, body)
	}
	return body
}

// request is a request as PHP clients write it: declaration, tabs, CRLF.
func request(key, secret, typ, inner string) string {
	s := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<request>\r\n\t<authentication>\r\n" +
		"\t\t<api_id>" + key + "</api_id>\r\n\t\t<secret_key>" + secret + "</secret_key>\r\n\t</authentication>\r\n"
	if typ != "" {
		s += "\t<type>" + typ + "</type>\r\n"
	}
	return s + inner + "\r\n</request>\r\n"
}

var tagRe = regexp.MustCompile(`<(\w+)>([^<]*)</(\w+)>`)

// tag is the text of the first element of that name in an XML answer.
func tag(body, name string) string {
	for _, m := range tagRe.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	return ""
}

// code is an answer's response_code or error.
func code(body string) string {
	if c := tag(body, "error"); c != "" {
		return c
	}
	return tag(body, "response_code")
}

// wantCode fails unless the answer carries the code.
func (e *env) wantCode(body, want string) {
	e.t.Helper()
	if got := code(body); got != want {
		e.t.Fatalf("code %s, want %s:\n%s", got, want, body)
	}
}

// newCustomer makes a customer and returns its customer_id.
func (e *env) newCustomer(first, last, more string) string {
	e.t.Helper()
	b := e.post("NewCustomer", fmt.Sprintf("<first_name>%s</first_name><last_name>%s</last_name>%s", first, last, more))
	e.wantCode(b, "200")
	return tag(b, "customer_id")
}

const visa = "4111111111111111"

// recurXML is a Recur's card and plan for a customer_id.
func recurXML(customerID, card, interval string) string {
	return "<customer_id>" + customerID + "</customer_id><credit_card><card_num>" + card +
		"</card_num><name>Joe Customer</name><exp_month>12</exp_month><exp_year>2030</exp_year><cvv>123</cvv></credit_card>" +
		"<amount>95.00</amount><recur><interval>" + interval + "</interval><amount>14.95</amount></recur>"
}
