package main

import (
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var slotsGauge = regexp.MustCompile(`(?m)^tonebase_scheduler_slots (\d+)$`)

// slots is the scheduler slots the server's /metrics reports.
func slots(t *testing.T, s *testServer) string {
	t.Helper()
	m := slotsGauge.FindStringSubmatch(string(s.do("GET", "/metrics", "", nil).body))
	if m == nil {
		t.Fatal("no tonebase_scheduler_slots in /metrics")
	}
	return m[1]
}

// waitSlots waits up to d for the server to report want slots.
func waitSlots(t *testing.T, s *testServer, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for slots(t, s) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s slots after %v, want %s", slots(t, s), d, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlotsWidenDuringUpload: a served process runs with --bulk-procs
// slots from bulk work's first step and with --procs again once it has
// been quiet for 10 s. The store's warm-up at start is bulk work too, so
// the process is first seen narrowing after it.
func TestSlotsWidenDuringUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	data, addr, token := t.TempDir(), freeAddr(t), "slots-test-admin-token-01234"
	child := startChild(t, addr, data, token, "--procs", "3", "--bulk-procs", "7")
	defer func() { _ = child.Process.Signal(syscall.SIGTERM); _, _ = child.Process.Wait() }()
	s := &testServer{t: t, base: "http://" + addr, token: token}
	c := s.newClient("Slots")
	dbid := s.newDatabase(c.CID)
	waitSlots(t, s, "3", 30*time.Second)
	// Enough rows for a few transactions (--txn-rows 256): bulk work steps
	// between them, and an upload of a row or two takes no step at all.
	var body strings.Builder
	body.WriteByte('[')
	for i := range 1000 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"colA":"%06d","colB":"01021990","colC":"12.50"}`, 100000+i)
	}
	body.WriteByte(']')
	if st, err := tryUpload(s, c, dbid, body.String()); err != nil || st != 200 {
		t.Fatalf("upload: %d %v", st, err)
	}
	waitSlots(t, s, "7", 5*time.Second)
}
