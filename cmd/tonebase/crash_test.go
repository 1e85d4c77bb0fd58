package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/testkit"
)

// TestMain lets the crash test run this binary as the server it kills, and
// other tests run it as the tonebase command (TONEBASE_TEST_MAIN).
func TestMain(m *testing.M) {
	if args := os.Getenv("TONEBASE_TEST_MAIN"); args != "" {
		os.Args = append([]string{"tonebase"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	if args := os.Getenv("TONEBASE_TEST_SERVE"); args != "" {
		if err := serve(strings.Fields(args)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string { return testkit.FreeAddr(t) }

func startChild(t *testing.T, addr, data, token string, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TONEBASE_TEST_SERVE=--addr "+addr+" --data "+data+" --admin-token "+token+" --log-format json --access-log=false "+strings.Join(extra, " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("child did not become healthy: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCrashKeepsAcknowledgedRows kills the server with SIGKILL while uploads
// are in flight, after 200 acknowledgements, and checks every acknowledged
// row is there after a restart.
func TestCrashKeepsAcknowledgedRows(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	data, addr, token := t.TempDir(), freeAddr(t), "crash-test-admin-token-0123"
	child := startChild(t, addr, data, token)
	s := &testServer{t: t, base: "http://" + addr, token: token}
	c := s.newClient("Crash")
	dbid := s.newDatabase(c.CID)

	var acked sync.Map
	killAfterAcks(child, 200, func(w, i int) bool {
		inv := fmt.Sprintf("%d%05d", w+1, i)
		body := fmt.Sprintf(`[{"colA":%q,"colB":"01021990","colC":"%d"},{"colA":"9%05d","colB":"01021990","colC":"1"}]`, inv, i+1, w*100000+i)
		r, err := tryUpload(s, c, dbid, body)
		if err != nil || r != 200 {
			return false // the server is gone
		}
		acked.Store(inv, true)
		return true
	})

	child = startChild(t, addr, data, token)
	defer func() { _ = child.Process.Signal(syscall.SIGTERM); _, _ = child.Process.Wait() }()
	missing := 0
	total := 0
	acked.Range(func(k, _ any) bool {
		total++
		r := s.lookup(c, c.CID, dbid, "ref1="+k.(string)+"&ref2=01021990")
		if r.status != 200 {
			missing++
			t.Errorf("acknowledged row %s: %d %s", k, r.status, r.body)
		}
		return missing < 10
	})
	if total < 200 {
		t.Fatalf("only %d acknowledgements before the kill", total)
	}
}

// killAfterAcks runs four workers calling step with their number and a
// count until it returns false, and kills the child with SIGKILL right
// after the n-th true (an acknowledgement); it returns once the child is
// gone and every worker has stopped.
func killAfterAcks(child *exec.Cmd, n int64, step func(w, i int) bool) {
	var acks atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				if !step(w, i) {
					return
				}
				if acks.Add(1) == n {
					once.Do(func() {
						_ = child.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}(w)
	}
	wg.Wait()
	_, _ = child.Process.Wait()
}

func tryUpload(s *testServer, c client, dbid int64, body string) (int, error) {
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", s.base, c.CID, dbid,
		signFor(c, dbid, body)), strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestCrashKeepsAcknowledgedPayments kills the server with SIGKILL while
// payments of one row are in flight, right after 200 of them were answered
// 201, and checks after a restart that every one answered is in the
// ledger, that the balance is what the ledger says, and that each
// reference still debits once.
func TestCrashKeepsAcknowledgedPayments(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	data, addr, token := t.TempDir(), freeAddr(t), "crash-test-admin-token-0123"
	child := startChild(t, addr, data, token)
	s := &testServer{t: t, base: "http://" + addr, token: token}
	c := s.newClient("Crash")
	dbid := s.newDatabase(c.CID)
	if r := s.upload("POST", c, dbid, `[{"colA":"123456","colB":"01021990","colC":"£10000.00"}]`); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	paymentsURL := fmt.Sprintf("%s/ivr/v1/%d/%d/payments", s.base, c.CID, dbid)
	var acked sync.Map // reference → payment id
	killAfterAcks(child, 200, func(w, i int) bool {
		ref := fmt.Sprintf("PSP-%d-%d", w, i)
		status, id, err := tryPay(paymentsURL, c, ref)
		if err != nil || status != 201 {
			return false // the server is gone
		}
		acked.Store(ref, id)
		return true
	})

	child = startChild(t, addr, data, token)
	defer func() { _ = child.Process.Signal(syscall.SIGTERM); _, _ = child.Process.Wait() }()
	r := s.do("GET", fmt.Sprintf("/ivr/v1/%d/%d/payments?limit=1000", c.CID, dbid), "", basicAuth(c))
	var led struct {
		Payments []struct {
			ID        string `json:"id"`
			Reference string `json:"reference"`
			Amount    struct {
				Minor int64 `json:"minor"`
			} `json:"amount"`
		} `json:"payments"`
		Next string `json:"next"`
	}
	if err := json.Unmarshal(r.body, &led); err != nil || r.status != 200 || led.Next != "" {
		t.Fatalf("ledger: %d %s %v", r.status, r.body, err)
	}
	inLedger := map[string]string{}
	var paid int64
	for _, e := range led.Payments {
		inLedger[e.Reference] = e.ID
		paid += e.Amount.Minor
	}
	total := 0
	acked.Range(func(k, v any) bool {
		total++
		if inLedger[k.(string)] != v.(string) {
			t.Errorf("payment %s answered 201 as %s is in the ledger as %q", k, v, inLedger[k.(string)])
		}
		return true
	})
	if total < 200 {
		t.Fatalf("only %d payments answered before the kill", total)
	}
	look := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990")
	if want := fmt.Sprintf(`"balance":{"minor":%d,`, 1000000-paid); !strings.Contains(string(look.body), want) {
		t.Fatalf("after %d payments of %d pence in all the lookup says %s", len(led.Payments), paid, look.body)
	}
	// A retry of a payment answered before the kill debits nothing.
	acked.Range(func(k, v any) bool {
		status, id, err := tryPay(paymentsURL, c, k.(string))
		if err != nil || status != 201 || id != v.(string) {
			t.Errorf("retry of %s: %d %s %v, want 201 %s", k, status, id, err, v)
		}
		return false
	})
	if again := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990"); string(again.body) != string(look.body) {
		t.Fatalf("a retry after the restart debited again: %s", again.body)
	}
}

func basicAuth(c client) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+c.APISecret))}
}

// tryPay posts a payment of £1.00 from 123456 and returns its status and
// payment id.
func tryPay(url string, c client, ref string) (int, string, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(`{"ref1":"123456","ref2":"01021990","amount":"1.00","reference":"`+ref+`"}`))
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth(c.APIKey, c.APISecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var got struct {
		PaymentID string `json:"payment_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	return resp.StatusCode, got.PaymentID, err
}
