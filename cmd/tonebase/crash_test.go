package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
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

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startChild(t *testing.T, addr, data, token string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TONEBASE_TEST_SERVE=--addr "+addr+" --data "+data+" --admin-token "+token+" --log-format json --access-log=false")
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
	var n atomic.Int64
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
				inv := fmt.Sprintf("%d%05d", w+1, i)
				body := fmt.Sprintf(`[{"colA":%q,"colB":"01021990","colC":"%d"},{"colA":"9%05d","colB":"01021990","colC":"1"}]`, inv, i+1, w*100000+i)
				r, err := tryUpload(s, c, dbid, body)
				if err != nil || r != 200 {
					return // the server is gone
				}
				acked.Store(inv, true)
				if n.Add(1) == 200 {
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
