package lowprio

import (
	"runtime"
	"syscall"
)

// isolate locks the goroutine to a thread of its own and lowers that
// thread's priority; Linux keeps a nice value per thread. It reports
// whether it did.
func isolate(nice int) bool {
	runtime.LockOSThread()
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice); err != nil {
		runtime.UnlockOSThread()
		return false
	}
	return true
}
