// Package lowprio runs CPU-heavy work that no caller waits on in real time
// (an admin's password comparison) at the operating system's lowest
// priority, so the lookups a call is waiting on keep the cores.
//
// Go has no goroutine priorities: a bcrypt comparison holds a core for a
// quarter of a second, and the kernel shares that core fairly between it
// and the lookups. A thread of its own with the lowest nice value is
// given the core only when nothing else wants it.
package lowprio

// Run runs f at the lowest priority the system allows (nice 19) and
// returns when f has returned. Where priorities cannot be set, f runs as
// it is. Against a busy neighbour at normal priority such a thread gets
// about 1.5% of a core: right for a short burst (a password check), not
// for work that must finish.
func Run(f func()) { run(lowest, f) }

// Bulk runs f at a lowered priority (nice 10) and returns when f has
// returned: while both want a core the kernel gives the lookups' threads
// about nine parts in ten, yet an upload still moves beside other busy
// processes (at nice 19 a million-row upload beside a busy neighbour
// would take the better part of an hour).
func Bulk(f func()) { run(bulk, f) }

// The nice values Run and Bulk ask for.
const (
	lowest = 19
	bulk   = 10
)

func run(nice int, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A goroutine that ends locked to its thread ends the thread too,
		// so the lowered priority never passes to other goroutines.
		isolate(nice)
		f()
	}()
	<-done
}

// Normal runs f at the priority the process started with, from within Run
// or Bulk,
// and returns when f has returned. Work that takes locks the real-time
// path also takes (a store's commit, its row cache) must not hold them on
// a thread the kernel may leave waiting behind every other: a lookup
// blocked on such a lock would wait at the lowest priority too.
func Normal(f func()) {
	done := make(chan struct{})
	// A new goroutine never runs on the locked thread of the one calling:
	// that thread runs only its own goroutine.
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
