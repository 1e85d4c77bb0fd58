package bench

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/receivepay"
)

// startReceivePayServer is the ReceivePay wire over loopback on an
// encrypted store, as cmd/tonebase wires it with a master key.
func startReceivePayServer(b *testing.B) *customerServer {
	b.Helper()
	return startCustomerWire(b, func(svc *customer.Service, r *router.Router) {
		r.POST("/api", receivepay.NewHandlers(svc, customerClients{}, zerolog.Nop(), nil).API)
	})
}

// rpPost sends one ReceivePay request as tenant cid; the answer must carry want.
func rpPost(s *customerServer, cid int64, typ, inner, want string) ([]byte, error) {
	body := fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<request>\r\n\t<authentication>\r\n\t\t<api_id>t%d</api_id>\r\n"+
		"\t\t<secret_key>s</secret_key>\r\n\t</authentication>\r\n\t<type>%s</type>\r\n%s\r\n</request>\r\n", cid, typ, inner)
	st, res, err := s.do(cid, "POST", "/api", []byte(body))
	if err != nil || st != 200 || !bytes.Contains(res, []byte(want)) {
		return nil, fmt.Errorf("%s: %d %.300s %v", typ, st, res, err)
	}
	return res, nil
}

// BenchmarkReceivePayAPI measures ReceivePay's XML API over loopback on an
// encrypted store: NewCustomer for 100,000 customers (16 concurrent
// clients, one durable write each), GetCustomers returning 100 of them
// through a substring filter, and GetCustomer. Run it with -benchtime 1x.
func BenchmarkReceivePayAPI(b *testing.B) {
	s := startReceivePayServer(b)
	defer s.stop()
	const cid = 7001
	b.Run("NewCustomer_100k", func(b *testing.B) {
		var elapsed time.Duration
		var lat []time.Duration
		var mu sync.Mutex
		tenant := int64(cid)
		for b.Loop() {
			start := time.Now()
			var next atomic.Int64
			var firstErr atomic.Value
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var mine []time.Duration
					for {
						i := int(next.Add(1) - 1)
						if i >= customerBenchN || firstErr.Load() != nil {
							break
						}
						inner := fmt.Sprintf("<internal_id>CUST%07d</internal_id><first_name>First%d</first_name><last_name>%s</last_name>"+
							"<company>Company %d</company><city>Toronto</city><state>Ontario</state><country>CA</country>"+
							"<email>c%d@example.com</email><phone>0113 496 %04d</phone>",
							i, i, customerLastNames[i%len(customerLastNames)], i%997, i, i%10000)
						t0 := time.Now()
						if _, err := rpPost(s, tenant, "NewCustomer", inner, "<response_code>200<"); err != nil {
							firstErr.Store(err)
							break
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			if err, ok := firstErr.Load().(error); ok {
				b.Fatal(err)
			}
			elapsed += time.Since(start)
			tenant += 1000
		}
		b.ReportMetric(float64(customerBenchN*b.N)/elapsed.Seconds(), "customers/s")
		customerPercentiles(b, lat, time.Millisecond, "ms")
	})
	runtime.GC()
	getCustomers := func(name string, filter func(q int) string) {
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				for q := range 100 {
					start := time.Now()
					_, err := rpPost(s, cid, "GetCustomers", filter(q), "<results>100</results>")
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			customerPercentiles(b, lat, time.Millisecond, "ms")
			b.ReportMetric(float64(len(lat))/sum(lat).Seconds(), "requests/s")
		})
		runtime.GC()
	}
	// "496 123" is in the phones of i%10000 from 1230 to 1239: 100 customers.
	getCustomers("GetCustomers_100_of_100k_substring", func(q int) string {
		return fmt.Sprintf("<phone>496 %03d</phone><sort>first_name</sort>", 100+q*7%900)
	})
	// "first1" is in 11,111 first names: a page of 100 from a large match, sorted.
	getCustomers("GetCustomers_page_of_11k_matches", func(q int) string {
		return fmt.Sprintf("<first_name>first%d</first_name><sort>first_name</sort><offset>%d</offset>", 1+q%9, q)
	})
	runtime.GC()
	b.Run("GetCustomer", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			for q := range 2000 {
				id := customer.FirstSeq + (q*7919)%customerBenchN
				start := time.Now()
				_, err := rpPost(s, cid, "GetCustomer", fmt.Sprintf("<customer_id>%d</customer_id>", id), fmt.Sprintf("<id>%d</id>", id))
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		customerPercentiles(b, lat, time.Microsecond, "us")
	})
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
