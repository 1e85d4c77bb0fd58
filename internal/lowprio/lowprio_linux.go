package lowprio

import (
	"runtime"
	"syscall"
)

// lowest is the nice value the work runs at: the lowest priority.
const lowest = 19

// isolate locks the goroutine to a thread of its own and lowers that
// thread's priority; Linux keeps a nice value per thread. It reports
// whether it did.
func isolate() bool {
	runtime.LockOSThread()
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), lowest); err != nil {
		runtime.UnlockOSThread()
		return false
	}
	return true
}
