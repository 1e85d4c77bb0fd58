package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FloodStats counts a sign-in flood's answers: 401 is a password checked
// (a bcrypt comparison), 429 an attempt the lockout refused unchecked, 503
// one refused because the comparisons were all busy.
type FloodStats struct {
	Attempts int
	ByStatus map[int]int
	Errors   int
	Elapsed  time.Duration
}

func (f FloodStats) String() string {
	return fmt.Sprintf("%d attempts in %v (%.0f/s): %d checked (401), %d locked out (429), %d refused busy (503), %d healthz (200), %d errors",
		f.Attempts, f.Elapsed.Round(time.Millisecond), float64(f.Attempts)/f.Elapsed.Seconds(),
		f.ByStatus[401], f.ByStatus[429], f.ByStatus[503], f.ByStatus[200], f.Errors)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// SignInFlood posts wrong admin passwords to addr's sign-in form on
// workers connections until stop closes, rate attempts a second in all on
// a fixed schedule (0: each worker as fast as it is answered). Each worker speaks from its own
// loopback address (127.0.0.2 on) and tries a new user name each time, so
// the per-address and per-user lockouts each let five through: the most
// bcrypt work an outsider with many addresses can cause.
//
// With control set each attempt is instead two GETs of /healthz: the same
// number of requests with no page and no password, which tells the cost of
// the flood's traffic from that of the sign-in.
func SignInFlood(addr string, workers, rate int, control bool, stop <-chan struct{}) FloodStats {
	var mu sync.Mutex
	total := FloodStats{ByStatus: map[int]int{}}
	var seq atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(w/200), byte(2+w%200))}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
				Transport:     &http.Transport{DialContext: (&net.Dialer{LocalAddr: local}).DialContext, MaxIdleConnsPerHost: 1},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			own := map[int]int{}
			n, errs := 0, 0
			var every time.Duration
			if rate > 0 {
				every = time.Duration(workers) * time.Second / time.Duration(rate)
			}
			due := start.Add(time.Duration(w) * every / time.Duration(workers))
			for {
				if every > 0 {
					time.Sleep(time.Until(due))
					due = due.Add(every)
				}
				select {
				case <-stop:
					mu.Lock()
					total.Attempts += n
					total.Errors += errs
					for k, v := range own {
						total.ByStatus[k] += v
					}
					mu.Unlock()
					return
				default:
				}
				var status int
				var err error
				if control {
					status, err = healthzTwice(c, addr)
				} else {
					status, err = signInOnce(c, addr, fmt.Sprintf("flood-%d", seq.Add(1)))
				}
				n++
				if err != nil {
					errs++
					continue
				}
				own[status]++
			}
		}()
	}
	wg.Wait()
	total.Elapsed = time.Since(start)
	return total
}

// signInOnce fetches the sign-in form, for its anti-forgery token, and
// posts a wrong password as name.
func signInOnce(c *http.Client, addr, name string) (int, error) {
	resp, err := c.Get("http://" + addr + "/admin/sign-in")
	if err != nil {
		return 0, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return 0, fmt.Errorf("bench: sign-in page %d without a form", resp.StatusCode)
	}
	resp, err = c.PostForm("http://"+addr+"/admin/sign-in",
		url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {"not the password at all"}, "next": {"/admin/"}})
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func healthzTwice(c *http.Client, addr string) (int, error) {
	status := 0
	for range 2 {
		resp, err := c.Get("http://" + addr + "/healthz")
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	return status, nil
}

// AddAdmin creates an admin user in a stopped server's data folder with
// "tonebase admin add-user", so the sign-in form is shown, not the setup.
func AddAdmin(bin, data, name, password string) error {
	cmd := exec.Command(bin, "admin", "add-user", "--name", name, "--data", data)
	cmd.Env = append(os.Environ(), "TONEBASE_PASSWORD="+password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("bench: admin add-user: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// SignInFloodReport is what RunSignInFlood measured.
type SignInFloodReport struct {
	Quiet, Flooded, Control Stats
	Flood, ControlFlood     FloodStats
}

// RunSignInFlood loads rows into a fresh server, then sends lookups at rate
// on conns connections for d, first alone and then during a sign-in flood
// of workers connections, and prints both.
func RunSignInFlood(w io.Writer, bin, work string, rows, rate, conns, workers, floodRate int, d time.Duration) (SignInFloodReport, error) {
	var r SignInFloodReport
	data := filepath.Join(work, "signin-flood")
	_ = os.RemoveAll(data)
	const token = "bench-admin-token-0123456789abcdef"
	// The store exists once serve has started; the admin user is added
	// between a first start and the measured one.
	p, err := StartTonebase(bin, data, token)
	if err != nil {
		return r, err
	}
	p.Stop()
	if err := AddAdmin(bin, data, "ada", "correct horse battery staple"); err != nil {
		return r, err
	}
	p, err = StartTonebase(bin, data, token)
	if err != nil {
		return r, err
	}
	defer p.Stop()
	t, err := Setup(p.Addr, token)
	if err != nil {
		return r, err
	}
	if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, 5000), 2); err != nil {
		return r, err
	}
	lookup := LookupTarget(p.Addr, t, rows)
	time.Sleep(3 * time.Second) // the upload's flushes and compactions settle
	pace := "as fast as answered"
	if floodRate > 0 {
		pace = fmt.Sprintf("%d/s in all", floodRate)
	}
	fmt.Fprintf(w, "sign-in flood: %d rows; lookups at %d/s on %d connections for %v; flood on %d connections, each its own loopback address, %s\n",
		rows, rate, conns, d, workers, pace)
	r.Quiet = OpenLoop(lookup, rate, conns, d)
	fmt.Fprintf(w, "  lookups alone:          %s\n", r.Quiet)
	during := func(control bool) (Stats, FloodStats) {
		stop := make(chan struct{})
		flooded := make(chan FloodStats, 1)
		go func() { flooded <- SignInFlood(p.Addr, workers, floodRate, control, stop) }()
		time.Sleep(time.Second) // the flood under way, the bcrypt slot taken
		st := OpenLoop(lookup, rate, conns, d)
		close(stop)
		return st, <-flooded
	}
	r.Flooded, r.Flood = during(false)
	fmt.Fprintf(w, "  lookups during flood:   %s\n", r.Flooded)
	fmt.Fprintf(w, "  the flood:              %s\n", r.Flood)
	r.Control, r.ControlFlood = during(true)
	fmt.Fprintf(w, "  lookups during control: %s\n", r.Control)
	fmt.Fprintf(w, "  the control (/healthz): %s\n", r.ControlFlood)
	verdict := "met"
	if r.Flooded.P(0.99) > 5*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Fprintf(w, "  target lookup p99 <= 5ms during the flood: %s (p99 %v)\n", verdict, r.Flooded.P(0.99))
	return r, nil
}
