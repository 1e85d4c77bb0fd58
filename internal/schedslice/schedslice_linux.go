package schedslice

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Set asks for slice d on every thread of the process, keeping each
// thread's nice value and leaving threads of another policy alone. It
// returns ErrUnsupported when the kernel takes the call but not the slice.
func Set(d time.Duration) error {
	if d < Min || d > Max {
		return fmt.Errorf("schedslice: a slice of %v is outside %v to %v", d, Min, Max)
	}
	if err := eachThread(func(tid int) error { return setSlice(tid, d) }); err != nil {
		return err
	}
	got, err := Slice(unix.Gettid())
	if err != nil {
		return err
	}
	if got != d {
		return ErrUnsupported
	}
	return nil
}

// Reset gives every thread of the process the kernel's default slice
// again, keeping each thread's nice value and leaving threads of another
// policy alone.
func Reset() error {
	return eachThread(func(tid int) error { return setSlice(tid, 0) })
}

// SetRealtime puts every thread of the process under SCHED_FIFO at prio
// (1 to 99). It needs CAP_SYS_NICE or a real-time limit that allows prio;
// the kernel's refusal is returned as it is.
func SetRealtime(prio int) error {
	if prio < 1 || prio > 99 {
		return fmt.Errorf("schedslice: real-time priority %d is outside 1 to 99", prio)
	}
	return eachThread(func(tid int) error {
		attr := unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: uint32(prio)}
		if err := unix.SchedSetAttr(tid, &attr, 0); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("schedslice: thread %d: %w", tid, err)
		}
		return nil
	})
}

// Supported reports whether this kernel takes a requested slice, trying
// one on a thread of its own that ends with the try.
func Supported() bool {
	ok := make(chan bool)
	go func() {
		// Never unlocked: the thread ends with this goroutine, so the
		// slice tried goes nowhere else.
		runtime.LockOSThread()
		tid := unix.Gettid()
		if setSlice(tid, 2*Min) != nil {
			ok <- false
			return
		}
		got, err := Slice(tid)
		ok <- err == nil && got == 2*Min
	}()
	return <-ok
}

// eachThread calls fn with every thread of the process. A thread cloned
// from one not yet visited while a pass runs is missed by it, and threads
// inherit their scheduling from the one they are cloned from, so a second
// pass follows.
func eachThread(fn func(tid int) error) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("schedslice: %w", err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := fn(tid); err != nil {
				return err
			}
		}
	}
	return nil
}

// setSlice asks for slice d on thread tid; 0 is the kernel's default.
func setSlice(tid int, d time.Duration) error {
	cur, err := unix.SchedGetAttr(tid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil // the thread ended
	}
	if err != nil {
		return fmt.Errorf("schedslice: thread %d: %w", tid, err)
	}
	if cur.Policy != unix.SCHED_NORMAL {
		return nil
	}
	attr := unix.SchedAttr{Policy: unix.SCHED_NORMAL, Nice: cur.Nice, Runtime: uint64(d)}
	err = unix.SchedSetAttr(tid, &attr, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return ErrUnsupported
	case err != nil:
		return fmt.Errorf("schedslice: thread %d: %w", tid, err)
	}
	return nil
}

// Slice is the slice thread tid runs with, as the kernel reports it: the
// one it asked for, or from Linux 6.12 the kernel's default; 0 where the
// kernel reports none (before 6.12, or a thread of another policy).
func Slice(tid int) (time.Duration, error) {
	a, err := unix.SchedGetAttr(tid, 0)
	if err != nil {
		return 0, fmt.Errorf("schedslice: thread %d: %w", tid, err)
	}
	if a.Policy != unix.SCHED_NORMAL {
		return 0, nil
	}
	return time.Duration(a.Runtime), nil
}
