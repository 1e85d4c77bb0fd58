package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/testkit"
)

// TestFullDisk fills a real 64 MiB file system with a merchant's uploads
// through the server, run as its own process: writes must be refused with
// 507 while lookups answer and the process lives, and resume once space is
// freed, with every acknowledged row kept. A start on the full disk must
// say so, and unauthenticated bodies must leave no spool files behind.
// The reserve is given in the environment, so a server that knows no
// reserve runs the test to its end, and dies of it.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs and fills it")
	}
	if os.Geteuid() != 0 {
		testkit.Needed(t, "TestFullDisk needs root to mount a 64 MiB tmpfs (CI runs as root)")
	}
	fs := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", fs).CombinedOutput(); err != nil {
		testkit.Needed(t, fmt.Sprintf("TestFullDisk could not mount a tmpfs: %v %s", err, out))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", fs).Run() })
	// Ballast stands for whatever else fills the disk; removing it is
	// the operator freeing space.
	// The part freed is kept small: Badger flushes its memtable when it
	// stops, and what a full memtable needs is more than a 64 MiB disk
	// can keep in reserve.
	ballast := filepath.Join(fs, "ballast")
	for name, size := range map[string]int{ballast: 6 << 20, ballast + "-rest": 34 << 20} {
		if err := os.WriteFile(name, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	data, addr, token := filepath.Join(fs, "data"), freeAddr(t), "disk-test-admin-token-0123"
	env := []string{"TONEBASE_MIN_FREE_MB=12", "TONEBASE_STOP_TIMEOUT=" + stopBound.String()}
	child, logs := startDiskChild(t, addr, data, token, env)
	s := &testServer{t: t, base: "http://" + addr, token: token}
	c := s.newClient("Disk")
	dbid := s.newDatabase(c.CID)

	// Outsiders with a wrong Hash: refused, and nothing kept on disk.
	for range 3 {
		status, err := post(fmt.Sprintf("%s/cppdb/api/file?cid=%d&dbid=%d&Hash=wrong", s.base, c.CID, dbid),
			io.LimitReader(zeros{}, 60<<20))
		if err == nil && status != 403 && status != 507 && status != 503 {
			t.Fatalf("unsigned file: %d", status)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(data, "imports", "spool-*")); len(left) > 0 {
		t.Fatalf("refused bodies left %v", left)
	}

	if out, err := exec.Command("sh", "-c", "df -k "+fs+"; du -ak "+fs).CombinedOutput(); err == nil {
		t.Logf("%s", out)
	}
	var acked []string
	next := 100000
	fill := func() int {
		t.Helper()
		for range 2000 {
			body, invs := batch(next, 1000)
			next += 1000
			status, err := post(fmt.Sprintf("%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", s.base, c.CID, dbid, signFor(c, dbid, body)),
				strings.NewReader(body))
			if err != nil {
				t.Fatalf("upload after %d rows: %v (the server died?)\n%s", len(acked), err, logs.tail())
			}
			switch status {
			case 200:
				acked = append(acked, invs...)
			case 507:
				if out, err := exec.Command("df", "-k", fs).CombinedOutput(); err == nil {
					t.Logf("refused after %d rows: %s", len(acked), out)
				}
				return status
			default:
				t.Fatalf("upload: %d", status)
			}
		}
		t.Fatal("the disk never filled")
		return 0
	}
	fill()
	if r := s.lookup(c, c.CID, dbid, "ref1="+acked[0]+"&ref2=01021990"); r.status != 200 {
		t.Fatalf("lookup on a full disk: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/healthz", "", nil); r.status != 200 || !strings.Contains(string(r.body), `"degraded"`) {
		t.Fatalf("healthz on a full disk: %d %s", r.status, r.body)
	}
	if err := child.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the server died: %v", err)
	}

	// Space freed: writes resume.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the reserve looks at the disk again
	body, invs := batch(next, 500)
	next += 500
	if status, err := post(fmt.Sprintf("%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", s.base, c.CID, dbid, signFor(c, dbid, body)),
		strings.NewReader(body)); err != nil || status != 200 {
		t.Fatalf("upload after space was freed: %d %v", status, err)
	}
	acked = append(acked, invs...)
	checkRows(t, s, c.CID, dbid, acked)

	// Full again, and fuller than the reserve by what else fills the disk:
	// stopped with SIGTERM, the stop must end in time without flushing
	// (a flush into the full disk dies of SIGBUS or never ends), exit 1
	// saying so, and lose nothing acknowledged.
	fill()
	var st syscall.Statfs_t
	if err := syscall.Statfs(fs, &st); err != nil {
		t.Fatal(err)
	}
	if free := int64(st.Bavail) * st.Bsize; free > 2<<20 {
		if err := os.WriteFile(ballast+"-more", make([]byte, free-(2<<20)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_ = child.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	select {
	case <-exited:
	case <-time.After(stopBound + 10*time.Second):
		_ = child.Process.Kill()
		<-exited
		t.Fatalf("SIGTERM on a full disk did not stop the server within %v\n%s", stopBound+10*time.Second, logs.tail())
	}
	if ps := child.ProcessState; ps.ExitCode() != 1 || !strings.Contains(logs.String(), "synced and not flushed") {
		t.Fatalf("SIGTERM on a full disk: %v, want exit status 1 saying the store was synced and not flushed\n%s", ps, logs.tail())
	}
	if err := os.Remove(ballast + "-more"); err != nil {
		t.Fatal(err)
	}
	// The exit gives back what the process still held mapped: tables a
	// compaction replaced, removed but not yet unmapped. Whether that
	// lifts the disk over its reserve depends on Badger's table sizes, so
	// the disk is filled to below the reserve again.
	topUp(t, fs, 12<<20-1<<20)
	var out bytes.Buffer
	restart := exec.Command(os.Args[0], "-test.run=^$")
	restart.Env = append(os.Environ(), append(env, "TONEBASE_TEST_SERVE="+serveArgs(addr, data, token))...)
	restart.Stdout, restart.Stderr = &out, &out
	err := restart.Run()
	if err == nil || !strings.Contains(out.String(), "disk full") || !strings.Contains(out.String(), "--min-free-mb") {
		t.Fatalf("start on a full disk: %v, said %s", err, out.String())
	}

	if out, err := exec.Command("mount", "-o", "remount,size=128m", fs).CombinedOutput(); err != nil {
		t.Fatalf("grow the tmpfs: %v %s", err, out)
	}
	child, logs = startDiskChild(t, addr, data, token, env)
	defer func() { _ = child.Process.Signal(syscall.SIGTERM); _ = child.Wait() }()
	checkRows(t, s, c.CID, dbid, acked)
}

// stopBound is the --stop-timeout the disk test's servers run with.
const stopBound = 10 * time.Second

// topUp writes a file into fs leaving it at most free bytes free.
func topUp(t *testing.T, fs string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(fs, &st); err != nil {
		t.Fatal(err)
	}
	if now := int64(st.Bavail) * st.Bsize; now > free {
		if err := os.WriteFile(filepath.Join(fs, "ballast-top"), make([]byte, now-free), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// serveArgs are the flags the disk test's servers run with.
//
// Its memory limit gives Badger 64 MiB memtables, none of which fills in
// this test. The test fills the disk past the reserve from outside, and a
// memtable flush due then would write its table through a memory map into
// no space and die of SIGBUS; the reserve keeps room for flushes only
// against what tonebase itself writes. The default budget's 16 MiB
// memtables flush several times in this test, one of them at times while
// the disk is filled from outside (README, "A full disk").
func serveArgs(addr, data, token string) string {
	return "--addr " + addr + " --data " + data + " --admin-token " + token + " --log-format json --access-log=false --memory-limit 2304"
}

// startDiskChild starts the server as its own process with env added, and
// waits until it answers.
func startDiskChild(t *testing.T, addr, data, token string, env []string) (*exec.Cmd, *logTail) {
	t.Helper()
	logs := &logTail{}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "TONEBASE_TEST_SERVE="+serveArgs(addr, data, token))...)
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, logs
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("server did not start: %v\n%s", err, logs.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logTail keeps what the server wrote, for a failure to show its end.
type logTail struct{ bytes.Buffer }

// tail is the log's end, or, when the process crashed, the crash's first
// lines, which a goroutine dump would push out of the end.
func (l *logTail) tail() string {
	b := l.Bytes()
	for _, mark := range []string{"fatal error:", "panic:", "unexpected fault"} {
		if i := bytes.Index(b, []byte(mark)); i >= 0 {
			return string(b[max(i-1000, 0):min(i+3000, len(b))])
		}
	}
	return string(b[max(len(b)-4000, 0):])
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func post(url string, body io.Reader) (int, error) {
	resp, err := http.Post(url, "application/json", body)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// batch is an upload of n rows with invoices from first on.
func batch(first, n int) (string, []string) {
	var b strings.Builder
	invs := make([]string, n)
	b.WriteByte('[')
	for i := range n {
		invs[i] = fmt.Sprint(first + i)
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"colA":"%s","colB":"01021990","colC":"%d.50","colD":"1.00","colE":"%d.00"}`, invs[i], i, i+100)
	}
	b.WriteByte(']')
	return b.String(), invs
}

// checkRows fails unless every invoice in want is stored.
func checkRows(t *testing.T, s *testServer, cid, dbid int64, want []string) {
	t.Helper()
	have := map[string]bool{}
	for after := ""; ; {
		r := s.admin("GET", fmt.Sprintf("/admin/api/clients/%d/databases/%d/rows?limit=1000&after=%s", cid, dbid, after), "")
		var page struct {
			Rows []map[string]string `json:"rows"`
			Next string              `json:"next"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &page) != nil {
			t.Fatalf("rows: %d %s", r.status, r.body)
		}
		for _, row := range page.Rows {
			have[row["colA"]] = true
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	missing := 0
	for _, inv := range want {
		if !have[inv] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged rows missing", missing, len(want))
	}
}
