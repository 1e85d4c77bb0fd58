// Package lowprio runs CPU-heavy work that no caller waits on in real time
// (an admin's password comparison) at the operating system's lowest
// priority, so the lookups a call is waiting on keep the cores.
//
// Go has no goroutine priorities: a bcrypt comparison holds a core for a
// quarter of a second, and the kernel shares that core fairly between it
// and the lookups. A thread of its own with the lowest nice value is
// given the core only when nothing else wants it.
package lowprio

// Run runs f at the lowest priority the system allows and returns when f
// has returned. Where priorities cannot be set, f runs as it is.
func Run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A goroutine that ends locked to its thread ends the thread too,
		// so the lowered priority never passes to other goroutines.
		isolate()
		f()
	}()
	<-done
}
