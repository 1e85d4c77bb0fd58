package bench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/hipfinity"
	"github.com/tonebase/tonebase/customer/vault"
)

// customerBenchN is the size: 100,000 customers with a card each.
const customerBenchN = 100_000

// customerClients authenticates every benchmark tenant: key "t<cid>", secret "s".
type customerClients struct{}

func (customerClients) Authenticate(key, secret []byte) (int64, error) {
	if len(key) < 2 || key[0] != 't' || string(secret) != "s" {
		return 0, fmt.Errorf("bad credentials")
	}
	return strconv.ParseInt(string(key[1:]), 10, 64)
}

// customerServer is the customer API over loopback on an encrypted store,
// wired as cmd/tonebase wires it (vault on, Badger encryption at rest on).
type customerServer struct {
	addr   string
	client *fasthttp.HostClient
	stop   func()
}

func startCustomerServer(b *testing.B) *customerServer {
	b.Helper()
	return startCustomerWire(b, func(svc *customer.Service, r *router.Router) {
		h := hipfinity.NewHandlers(svc, customerClients{}, zerolog.Nop())
		r.POST("/apis/api/Customers", h.CreateCustomer)
		r.POST("/apis/api/PaymentDetails", h.CreatePayment)
		r.GET("/apis/api/Customers/GetCustomers", h.GetCustomers)
		r.GET("/apis/api/PaymentDetails/GetPrimary", h.GetPrimary)
	})
}

// startCustomerWire serves the routes a wire registers on one customer
// domain, on an encrypted store with the vault on.
func startCustomerWire(b *testing.B, wire func(*customer.Service, *router.Router)) *customerServer {
	b.Helper()
	master := bytes.Repeat([]byte{7}, 32)
	store, err := columndb.Open(columndb.Options{Dir: b.TempDir(), EncryptionKey: vault.StoreKey(master)})
	if err != nil {
		b.Fatal(err)
	}
	ring, err := vault.Open(store, master)
	if err != nil {
		b.Fatal(err)
	}
	svc := customer.New(customer.Config{Store: store, Ring: ring, Log: zerolog.Nop()})
	svc.Start()
	r := router.New()
	wire(svc, r)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	addr := ln.Addr().String()
	return &customerServer{addr: addr, client: &fasthttp.HostClient{Addr: addr, MaxConns: 64},
		stop: func() { _ = srv.Shutdown(); svc.Close(); _ = store.Close() }}
}

// do sends one request as tenant cid and returns the status and body.
func (s *customerServer) do(cid int64, method, uri string, body []byte) (int, []byte, error) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.SetRequestURI("http://" + s.addr + uri)
	req.Header.SetMethod(method)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("t"+strconv.FormatInt(cid, 10)+":s")))
	req.SetBody(body)
	if err := s.client.Do(req, res); err != nil {
		return 0, nil, err
	}
	return res.StatusCode(), append([]byte(nil), res.Body()...), nil
}

// customerCard is a Luhn-valid 16-digit card number unique to i.
func customerCard(i int) string {
	d := []byte(fmt.Sprintf("400000%09d", i))
	sum := 0
	for j := len(d) - 1; j >= 0; j-- {
		n := int(d[j] - '0')
		if (len(d)-j)%2 == 1 { // these are doubled once the check digit is appended
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return string(d) + strconv.Itoa((10-sum%10)%10)
}

var customerLastNames = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright"}

// loadCustomers creates n customers with a card each for tenant cid through
// the API, from conc concurrent clients, and returns the customer ids.
func loadCustomers(s *customerServer, cid int64, n, conc int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				body := fmt.Sprintf(`{"CustomerNumber":"CUST%07d","BillingFirstName":"First%d","BillingLastName":"%s",`+
					`"BillingCompanyName":"Company %d","BillingEmail":"c%d@example.com","BillingPhone":"0113 496 %04d"}`,
					i, i, customerLastNames[i%len(customerLastNames)], i%997, i, i%10000)
				st, res, err := s.do(cid, "POST", "/apis/api/Customers", []byte(body))
				if err != nil || st != 200 {
					firstErr.Store(fmt.Errorf("create customer %d: %d %s %v", i, st, res, err))
					return
				}
				id := string(res[bytes.LastIndex(res, []byte(`":"`))+3 : len(res)-2])
				ids[i] = id
				card := fmt.Sprintf(`{"CustomerId":"%s","PaymentType":"2","CardNumber":"%s","ExpDate":"1235","FullName":"First%d"}`,
					id, customerCard(i), i)
				if st, res, err = s.do(cid, "POST", "/apis/api/PaymentDetails", []byte(card)); err != nil || st != 200 {
					firstErr.Store(fmt.Errorf("create card %d: %d %s %v", i, st, res, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return nil, err
	}
	return ids, nil
}

func customerPercentiles(b *testing.B, lat []time.Duration, unit time.Duration, suffix string) {
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(unit) }
	b.ReportMetric(p(0.50), "p50_"+suffix)
	b.ReportMetric(p(0.99), "p99_"+suffix)
}

// BenchmarkCustomerAPI measures the customer API over loopback on an
// encrypted store: creating 100,000 customers with a card each (two durable
// writes per customer, 16 concurrent clients), then GetCustomers with a
// substring filter and a sort over them, then GetPrimary. Run it with
// -benchtime 1x: one iteration of create is the whole 100,000.
func BenchmarkCustomerAPI(b *testing.B) {
	s := startCustomerServer(b)
	defer s.stop()
	const loaded = 5001 // the tenant the read benchmarks use
	var ids []string
	b.Run("create_100k_with_card", func(b *testing.B) {
		b.ReportAllocs()
		cid := int64(loaded)
		var elapsed time.Duration
		for b.Loop() {
			start := time.Now()
			var err error
			if ids, err = loadCustomers(s, cid, customerBenchN, 16); err != nil {
				b.Fatal(err)
			}
			elapsed += time.Since(start)
			cid += 1000
		}
		b.ReportMetric(float64(customerBenchN*b.N)/elapsed.Seconds(), "customers/s")
	})
	if ids == nil {
		var err error
		if ids, err = loadCustomers(s, loaded, customerBenchN, 16); err != nil {
			b.Fatal(err)
		}
	}
	// Each read benchmark starts warm and without the garbage of the one before.
	warm := func() {
		for q := 0; q < 200; q++ {
			_, _, _ = s.do(loaded, "GET", "/apis/api/PaymentDetails/GetPrimary?PaymentType=2&CustomerId="+ids[q], nil)
		}
		runtime.GC()
	}
	b.Run("GetCustomers_filter_sort", func(b *testing.B) {
		b.ReportAllocs()
		warm()
		var lat []time.Duration
		for b.Loop() {
			for q := 0; q < 100; q++ {
				uri := fmt.Sprintf("/apis/api/Customers/GetCustomers?CustomerNumber=%03d&SortExpression=BillingLastName&SortDirection=DESC&PageSize=100", q*7%1000)
				start := time.Now()
				st, res, err := s.do(loaded, "GET", uri, nil)
				lat = append(lat, time.Since(start))
				if err != nil || st != 200 || len(res) < 10 {
					b.Fatalf("%s: %d %.200s %v", uri, st, res, err)
				}
			}
		}
		customerPercentiles(b, lat, time.Millisecond, "ms")
	})
	b.Run("GetPrimary", func(b *testing.B) {
		b.ReportAllocs()
		warm()
		var lat []time.Duration
		for b.Loop() {
			for q := 0; q < 1000; q++ {
				uri := "/apis/api/PaymentDetails/GetPrimary?PaymentType=2&CustomerId=" + ids[(q*7919)%len(ids)]
				start := time.Now()
				st, res, err := s.do(loaded, "GET", uri, nil)
				lat = append(lat, time.Since(start))
				if err != nil || st != 200 || len(res) != 34 {
					b.Fatalf("%s: %d %s %v", uri, st, res, err)
				}
			}
		}
		customerPercentiles(b, lat, time.Microsecond, "us")
	})
}

// TestCustomerCardNumbers keeps the benchmark's generated cards valid.
func TestCustomerCardNumbers(t *testing.T) {
	for _, i := range []int{0, 1, 42, 99_999} {
		if _, err := field.ParseCard(customerCard(i)); err != nil {
			t.Errorf("card %d (%s): %v", i, customerCard(i), err)
		}
	}
}
