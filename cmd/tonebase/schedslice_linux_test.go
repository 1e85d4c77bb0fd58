package main

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/schedslice"
	"golang.org/x/sys/unix"
)

// TestServedThreadsAskForTheSlice: while bulk work runs every thread of a
// served process, those started after the slice was set included, has
// --sched-slice; once the slots narrow after it, every thread has the
// kernel's default again.
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
	threadsRunWith(t, child.Process.Pid, 250*time.Microsecond, 5*time.Second)
	// The slots narrow bulkLinger after the last step of bulk work, and
	// the threads run with the kernel's default: this process's own, which
	// never asked.
	def, err := schedslice.Slice(unix.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	threadsRunWith(t, child.Process.Pid, def, bulkLinger+5*time.Second)
}

// threadsRunWith waits up to within for every thread of process pid to
// run with slice want, failing with those that do not.
func threadsRunWith(t *testing.T, pid int, want, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if err != nil {
			t.Fatal(err)
		}
		checked, wrong := 0, map[int]time.Duration{}
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
			if got != want {
				wrong[tid] = got
			}
		}
		switch {
		case checked < 4:
			t.Fatalf("only %d threads checked", checked)
		case len(wrong) == 0:
			t.Logf("%d threads ask for %v", checked, want)
			return
		case time.Now().After(deadline):
			t.Fatalf("after %v, %d of %d threads ask for another slice than %v: %v", within, len(wrong), checked, want, wrong)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
