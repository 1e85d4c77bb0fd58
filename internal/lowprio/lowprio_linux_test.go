package lowprio

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// threadNice is the nice value of the calling thread, from the kernel.
func threadNice(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// Fields after the command's closing parenthesis; nice is field 19.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.Atoi(fields[19-3])
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return n
}

// TestRunLowersOnlyItsOwnThread: the work runs at nice 19, and neither the
// caller's thread nor the threads later goroutines run on are lowered.
func TestRunLowersOnlyItsOwnThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadNice(t)
	var inside int
	Run(func() { inside = threadNice(t) })
	if inside != lowest {
		t.Fatalf("the work ran at nice %d, want %d", inside, lowest)
	}
	if got := threadNice(t); got != before {
		t.Fatalf("the caller's thread is now at nice %d, was %d", got, before)
	}
	for i := range 50 {
		var n int
		done := make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			n = threadNice(t)
		}()
		<-done
		if n == lowest && before != lowest {
			t.Fatalf("goroutine %d ran on a lowered thread", i)
		}
	}
}

// TestNormalRunsAtTheCallersPriority: work handed back from a lowered
// thread runs at the priority the process runs at, where lookups do.
func TestNormalRunsAtTheCallersPriority(t *testing.T) {
	runtime.LockOSThread()
	before := threadNice(t)
	runtime.UnlockOSThread()
	for i := range 20 {
		var inside, normal int
		Run(func() {
			inside = threadNice(t)
			Normal(func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				normal = threadNice(t)
			})
		})
		if inside != lowest || normal != before {
			t.Fatalf("call %d: Run at nice %d (want %d), Normal within it at %d (want the process's %d)", i, inside, lowest, normal, before)
		}
	}
}

// TestBulkRunsAtNiceTen: bulk work is lowered, less than a password check.
func TestBulkRunsAtNiceTen(t *testing.T) {
	var inside int
	Bulk(func() { inside = threadNice(t) })
	if inside != bulk {
		t.Fatalf("bulk work ran at nice %d, want %d", inside, bulk)
	}
}
