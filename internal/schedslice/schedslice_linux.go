package schedslice

import (
	"errors"
	"fmt"
	"os"
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
	// A thread cloned from one not yet set while a pass runs is missed by
	// it, so a second pass follows.
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
			if err := setThread(tid, d); err != nil {
				return err
			}
		}
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

func setThread(tid int, d time.Duration) error {
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

// Slice is the slice thread tid asked for, 0 for the kernel's default.
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
