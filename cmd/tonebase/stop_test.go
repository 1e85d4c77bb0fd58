package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopWithAnUploadInFlight stops the server with SIGTERM while an
// upload's body is still arriving, so --stop-timeout runs out with a
// request being answered. The store must then be synced and not closed
// under that request (a Badger store closed under a reader crashes the
// process), the exit must say so, and a restart must find every row
// acknowledged before the stop.
func TestStopWithAnUploadInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a server process")
	}
	data, addr, token := t.TempDir(), freeAddr(t), "stop-test-admin-token-01234"
	env := []string{"TONEBASE_STOP_TIMEOUT=2s"}
	child, logs := startDiskChild(t, addr, data, token, env)
	s := &testServer{t: t, base: "http://" + addr, token: token}
	c := s.newClient("Stop")
	dbid := s.newDatabase(c.CID)
	body, acked := batch(100000, 50)
	if r := s.upload("POST", c, dbid, body); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}

	// The second upload sends half its body and waits.
	rest, _ := batch(200000, 50)
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", s.base, c.CID, dbid,
		signFor(c, dbid, rest)), pr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if _, err := io.WriteString(pw, rest[:len(rest)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the request is being read

	_ = child.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = child.Process.Kill()
		<-exited
		t.Fatalf("SIGTERM with an upload in flight did not stop the server within 15 s\n%s", logs.tail())
	}
	out := logs.String()
	if strings.Contains(out, "panic:") || strings.Contains(out, "fatal error:") {
		t.Fatalf("the stop crashed:\n%s", logs.tail())
	}
	if ps := child.ProcessState; ps.ExitCode() != 1 || !strings.Contains(out, "synced and not closed") ||
		!strings.Contains(out, "still being answered") {
		t.Fatalf("SIGTERM with an upload in flight: %v, want exit status 1 saying requests were still answered and the store synced, not closed\n%s", ps, logs.tail())
	}

	child, _ = startDiskChild(t, addr, data, token, nil)
	defer func() { _ = child.Process.Signal(syscall.SIGTERM); _ = child.Wait() }()
	checkRows(t, s, c.CID, dbid, acked)
}
