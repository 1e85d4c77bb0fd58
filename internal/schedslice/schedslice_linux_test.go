package schedslice

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSetOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    time.Duration
	}{
		{"zero", 0},
		{"under the kernel's least", 50 * time.Microsecond},
		{"over its most", 200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Set(tc.d); err == nil || errors.Is(err, ErrUnsupported) {
				t.Fatalf("Set(%v) = %v, want a range error", tc.d, err)
			}
		})
	}
}

// TestSet: every thread takes the slice, a thread's nice value is kept,
// and a thread started afterwards inherits it.
func TestSet(t *testing.T) {
	niced := make(chan int)
	release := make(chan struct{})
	go func() {
		// Locked and never unlocked: the thread ends with the goroutine,
		// so its nice value goes nowhere else.
		runtime.LockOSThread()
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, unix.Gettid(), 5); err != nil {
			niced <- -1
			return
		}
		niced <- unix.Gettid()
		<-release
	}()
	tid := <-niced
	defer close(release)
	if tid < 0 {
		// Raising one's own nice value needs no privilege.
		t.Fatal("could not lower a thread's priority")
	}

	const d = 300 * time.Microsecond
	err := Set(d)
	if !Supported() {
		// Linux before 6.12: the call is taken, the slice is not, and
		// Set must say so.
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Set on a kernel that keeps its own slices = %v, want ErrUnsupported", err)
		}
		t.Skip("this kernel does not take a requested slice (Linux 6.12 or later does)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Slice(unix.Gettid()); err != nil || got != d {
		t.Fatalf("this thread's slice %v (%v), want %v", got, err, d)
	}
	a, err := unix.SchedGetAttr(tid, 0)
	if err != nil || a.Nice != 5 || a.Runtime != uint64(d) {
		t.Fatalf("the niced thread: %+v (%v), want nice 5 and the slice", a, err)
	}

	later := make(chan time.Duration, 32)
	for range cap(later) {
		// Locked goroutines each hold a thread, so the runtime starts
		// new ones for them.
		go func() {
			runtime.LockOSThread()
			s, _ := Slice(unix.Gettid())
			later <- s
			time.Sleep(50 * time.Millisecond)
		}()
	}
	for range cap(later) {
		if s := <-later; s != d {
			t.Fatalf("a thread started afterwards has a slice of %v, want %v", s, d)
		}
	}

	// Reset gives every thread one slice again, the kernel's, and keeps
	// the niced thread's nice.
	if err := Reset(); err != nil {
		t.Fatal(err)
	}
	def, err := Slice(unix.Gettid())
	if err != nil || def == d {
		t.Fatalf("after Reset this thread's slice is %v (%v), want the kernel's default", def, err)
	}
	if a, err := unix.SchedGetAttr(tid, 0); err != nil || a.Nice != 5 || a.Runtime != uint64(def) {
		t.Fatalf("the niced thread after Reset: %+v (%v), want nice 5 and a slice of %v", a, err, def)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		if s, err := Slice(tid); err == nil && s != def {
			t.Errorf("after Reset thread %d has a slice of %v, want %v", tid, s, def)
		}
	}
}

func TestSetRealtimeOutOfRange(t *testing.T) {
	for _, prio := range []int{-1, 0, 100} {
		if err := SetRealtime(prio); err == nil {
			t.Fatalf("SetRealtime(%d) = nil, want a range error", prio)
		}
	}
}
