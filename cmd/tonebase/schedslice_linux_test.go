package main

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/schedslice"
)

// TestServedThreadsAskForTheSlice: every thread of a served process,
// those started after serve set it included, has --sched-slice.
func TestServedThreadsAskForTheSlice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	if !schedslice.Supported() {
		t.Skip("this kernel does not take a requested slice (Linux 6.12 or later does)")
	}
	data, addr, token := t.TempDir(), freeAddr(t), "slice-test-admin-token-01234"
	child := startChild(t, addr, data, token, "--sched-slice", "250us", "--procs", "3", "--bulk-procs", "9")
	defer func() { _ = child.Process.Signal(syscall.SIGTERM); _, _ = child.Process.Wait() }()
	// An upload widens the slots to 9: threads started then inherit.
	s := &testServer{t: t, base: "http://" + addr, token: token}
	c := s.newClient("Slice")
	dbid := s.newDatabase(c.CID)
	if st, err := tryUpload(s, c, dbid, `[{"colA":"100001","colB":"01021990","colC":"12.50"}]`); err != nil || st != 200 {
		t.Fatalf("upload: %d %v", st, err)
	}
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(child.Process.Pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		got, err := schedslice.Slice(tid)
		if err != nil {
			continue // the thread ended
		}
		checked++
		if got != 250*time.Microsecond {
			t.Errorf("thread %d asks for a slice of %v, want 250µs", tid, got)
		}
	}
	t.Logf("%d threads checked", checked)
	if checked < 4 {
		t.Fatalf("only %d threads checked", checked)
	}
}
