// Package diskfree keeps a reserve of free space on a file system: a writer
// asks before it writes and is refused once the write would leave less than
// the reserve. It is what keeps the embedded store from writing into a full
// disk, where a write through a memory map ends the process (SIGBUS) instead
// of returning an error.
package diskfree

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// ErrLow is what every refusal wraps: the file system has less free space
// than the reserve. Callers answer it as "disk full" (HTTP 507).
var ErrLow = errors.New("diskfree: free space below the reserve")

// LowError is a refusal, with what the operator needs to act on it.
type LowError struct {
	Dir     string
	Free    int64 // bytes available at the last look, less what was granted since
	Reserve int64 // bytes kept free
}

func (e *LowError) Error() string {
	return fmt.Sprintf("diskfree: disk full: %s has %d MiB free, less than the %d MiB kept in reserve",
		e.Dir, max(e.Free, 0)>>20, e.Reserve>>20)
}

// Is makes a LowError match ErrLow.
func (e *LowError) Is(target error) bool { return target == ErrLow }

// Options tune a Guard; the zero value is what serve runs with.
type Options struct {
	// Every is how long a look at the file system is trusted (250 ms).
	Every time.Duration
	// Slack is how many bytes may be granted before the file system is
	// looked at again, however recent the last look (an eighth of the
	// reserve, at most 8 MiB).
	Slack int64
	// Statfs returns the bytes available in dir; the system's by default.
	Statfs func(dir string) (int64, error)
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// Guard keeps a reserve on the file system holding one folder. It is safe
// for concurrent use.
//
// Asking the kernel costs a system call (about a microsecond), too much
// for every write of a bulk upload, so a look is reused for Options.Every
// or until Options.Slack bytes have been granted, whichever comes first,
// counting what was granted since; a refusal is always made on a look a
// few milliseconds old at most. Writes the guard is not told of (the
// store's own flushes and compactions, other processes) are caught at the
// next look; the reserve must be large enough to absorb them in between.
type Guard struct {
	dir     string
	reserve int64
	o       Options

	mu    sync.Mutex
	free  int64     // bytes available at the last look; guarded by mu
	since int64     // bytes granted since it; guarded by mu
	at    time.Time // when it was taken; guarded by mu
}

// New returns a guard keeping reserve bytes free on dir's file system. A
// reserve of 0 or less turns it off: every write is granted and the file
// system is never looked at. It looks once at once, so a folder that
// cannot be looked at fails here rather than at the first write.
func New(dir string, reserve int64, o Options) (*Guard, error) {
	if o.Every <= 0 {
		o.Every = 250 * time.Millisecond
	}
	if o.Slack <= 0 {
		o.Slack = min(max(reserve/8, 64<<10), 8<<20)
	}
	if o.Statfs == nil {
		o.Statfs = statfs
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	g := &Guard{dir: dir, reserve: reserve, o: o}
	if reserve <= 0 {
		return g, nil
	}
	free, err := o.Statfs(dir)
	if err != nil {
		return nil, fmt.Errorf("diskfree: %w", err)
	}
	g.free, g.at = free, o.Now()
	return g, nil
}

// Reserve grants a write of n bytes, or refuses it with a *LowError when it
// would leave less than the reserve free. A refused write is not counted.
func (g *Guard) Reserve(n int64) error { return g.grant(n, true) }

// Check reports whether writes are being refused, looking at the file
// system again if the last look is stale: nil, or a *LowError. It asks as
// a write of Options.Slack bytes would, so that it does not answer "room"
// while every real write is refused.
func (g *Guard) Check() error { return g.grant(g.o.Slack, false) }

func (g *Guard) grant(n int64, count bool) error {
	if g.reserve <= 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.o.Now()
	if now.Sub(g.at) >= g.o.Every || g.since+n > g.o.Slack {
		if err := g.look(now); err != nil {
			return err
		}
	}
	if g.free-g.since-n < g.reserve && now.Sub(g.at) >= g.o.Every/25 {
		// Refuse on a fresh look only: the space may have been freed
		// since (a spool refused and removed), and refusals are rare
		// enough to afford one every few milliseconds.
		if err := g.look(now); err != nil {
			return err
		}
	}
	if left := g.free - g.since - n; left < g.reserve {
		return &LowError{Dir: g.dir, Free: g.free - g.since, Reserve: g.reserve}
	}
	if count {
		g.since += n
	}
	return nil
}

// Reserved is the number of bytes the guard keeps free.
func (g *Guard) Reserved() int64 { return max(g.reserve, 0) }

// look looks at the file system; g.mu is held.
func (g *Guard) look(now time.Time) error {
	free, err := g.o.Statfs(g.dir)
	if err != nil {
		return fmt.Errorf("diskfree: %w", err)
	}
	g.free, g.since, g.at = free, 0, now
	return nil
}

// statfs returns the bytes an unprivileged process may still write on
// dir's file system: root may dip into the blocks the file system keeps
// for it, but the store should not count on them.
func statfs(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
