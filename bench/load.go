package bench

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Stats are the latencies and counts of one load run.
type Stats struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	lat      []time.Duration // sorted
}

// Rate is completed requests per second.
func (s Stats) Rate() float64 { return float64(s.Requests) / s.Elapsed.Seconds() }

// P returns the q-quantile latency (0.5, 0.99, 0.999).
func (s Stats) P(q float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[min(int(q*float64(len(s.lat))), len(s.lat)-1)]
}

// Max is the worst latency.
func (s Stats) Max() time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[len(s.lat)-1]
}

// Over counts requests slower than d.
func (s Stats) Over(d time.Duration) int {
	i, _ := slices.BinarySearch(s.lat, d+1)
	return len(s.lat) - i
}

func (s Stats) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %-9v p99 %-9v p99.9 %-9v max %-9v errors %d",
		s.Rate(), s.P(0.5).Round(time.Microsecond), s.P(0.99).Round(time.Microsecond),
		s.P(0.999).Round(time.Microsecond), s.Max().Round(time.Microsecond), s.Errors)
}

// Target is what the load generator asks for.
type Target struct {
	Addr string             // host:port
	Path func(i int) string // request URI for the i-th request
	Auth string             // "key:secret" for Basic auth, or empty
	OK   func(status int) bool
	// JSON, if set, is the body of the i-th request, which is then a POST.
	JSON func(i int) []byte
}

func (t Target) client(conns int) *fasthttp.HostClient {
	return &fasthttp.HostClient{Addr: t.Addr, MaxConns: conns, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
}

func (t Target) header() string {
	if t.Auth == "" {
		return ""
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(t.Auth))
}

// Body returns the answer to the i-th request.
func (t Target) Body(i int) ([]byte, error) {
	hc := t.client(1)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	if !t.send(hc, req, resp, t.header(), i) {
		return nil, fmt.Errorf("bench: request %d to %s: status %d", i, t.Addr, resp.StatusCode())
	}
	return append([]byte(nil), resp.Body()...), nil
}

// send makes the i-th request and reports whether it was answered as expected.
func (t Target) send(hc *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response, auth string, i int) bool {
	req.SetRequestURI("http://" + t.Addr + t.Path(i))
	if t.JSON != nil {
		req.Header.SetMethod("POST")
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(t.JSON(i))
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	err := hc.Do(req, resp)
	return err == nil && (t.OK == nil || t.OK(resp.StatusCode()))
}

// ClosedLoop runs conc workers, each sending its next request when the last
// is answered, for d.
func ClosedLoop(t Target, conc int, d time.Duration) Stats {
	hc := t.client(conc)
	auth := t.header()
	var seq atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			lat := make([]time.Duration, 0, 1<<16)
			e := 0
			for time.Now().Before(deadline) {
				i := int(seq.Add(1))
				t0 := time.Now()
				ok := t.send(hc, req, resp, auth, i)
				lat = append(lat, time.Since(t0))
				if !ok {
					e++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return Stats{Requests: len(all), Errors: errs, Elapsed: time.Since(start), lat: all}
}

// OpenLoop sends rate requests per second for d on a fixed schedule and
// measures each from when it was due, not when it was sent, so a stall
// shows in the latencies instead of silently lowering the rate.
func OpenLoop(t Target, rate int, conns int, d time.Duration) Stats {
	hc := t.client(conns)
	auth := t.header()
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			var lat []time.Duration
			e := 0
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				due := start.Add(time.Duration(i) * interval)
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
				}
				ok := t.send(hc, req, resp, auth, i)
				lat = append(lat, time.Since(due))
				if !ok {
					e++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return Stats{Requests: len(all), Errors: errs, Elapsed: time.Since(start), lat: all}
}

// Upload posts signed batches with inflight requests at a time and returns
// rows per second and per-request latencies.
func Upload(addr string, cid, dbid int64, batches []Batch, inflight int) (Stats, int, error) {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: inflight, ReadTimeout: 5 * time.Minute, WriteTimeout: time.Minute,
		MaxResponseBodySize: 64 << 20}
	var next atomic.Int64
	var rows atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < inflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(batches) {
					return
				}
				b := batches[i]
				req.Header.SetMethod("POST")
				req.Header.SetContentType("application/json")
				req.SetRequestURI(fmt.Sprintf("http://%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", addr, cid, dbid, b.Hash))
				req.SetBodyRaw(b.Body)
				t0 := time.Now()
				err := hc.Do(req, resp)
				d := time.Since(t0)
				if err == nil && resp.StatusCode() != 200 {
					err = fmt.Errorf("upload batch %d: %d %s", i, resp.StatusCode(), resp.Body())
				}
				mu.Lock()
				all = append(all, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
				rows.Add(int64(b.Rows))
			}
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return Stats{Requests: len(all), Elapsed: time.Since(start), lat: all}, int(rows.Load()), firstErr
}

func sortDurations(d []time.Duration) { slices.Sort(d) }
