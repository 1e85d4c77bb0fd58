package diskfree

import (
	"errors"
	"testing"
	"time"
)

// fakeFS is a file system whose free space and clock a test sets, counting
// how often it is looked at. What a guard grants is written at once.
type fakeFS struct {
	free  int64
	now   time.Time
	looks int
}

func (f *fakeFS) guard(t *testing.T, reserve int64) *Guard {
	t.Helper()
	g, err := New("/data", reserve, Options{Every: 100 * time.Millisecond, Slack: 1 << 20,
		Statfs: func(string) (int64, error) { f.looks++; return f.free, nil },
		Now:    func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestReserve(t *testing.T) {
	const mib = 1 << 20
	type step struct {
		free  int64         // set the file system's free space to this, if not 0
		after time.Duration // advance the clock by this first
		n     int64
		low   bool
		looks int // looks at the file system so far
	}
	tests := []struct {
		name    string
		reserve int64
		free    int64
		steps   []step
	}{
		{"plenty of room", 16 * mib, 100 * mib, []step{{n: 1000, looks: 1}, {n: 1000, looks: 1}}},
		{"a write that would cross the reserve", 16 * mib, 17 * mib, []step{{n: mib / 2, looks: 1}, {n: mib, low: true, looks: 2}}},
		{"already below", 16 * mib, 10 * mib, []step{{n: 0, low: true, looks: 1}, {n: 1, low: true, looks: 1}}},
		{"granted bytes count until the next look", 16 * mib, 16*mib + mib/2, []step{
			{n: mib / 4, looks: 1}, {n: mib / 4, looks: 1}, {n: mib / 4, low: true, looks: 1}}},
		{"slack used up: look again", 16 * mib, 100 * mib, []step{
			{n: mib, looks: 1}, {n: 1, looks: 2}}},
		{"stale look: look again", 16 * mib, 100 * mib, []step{
			{n: 1, looks: 1}, {after: 100 * time.Millisecond, n: 1, looks: 2}}},
		{"space freed: granted at the next look", 16 * mib, 10 * mib, []step{
			{n: 1, low: true, looks: 1},
			{free: 50 * mib, n: 1, low: true, looks: 1},
			{after: 4 * time.Millisecond, n: 1, looks: 2}}},
		{"refusals look again at most every Every/25", 16 * mib, 10 * mib, []step{
			{n: 1, low: true, looks: 1},
			{after: 3 * time.Millisecond, n: 1, low: true, looks: 1},
			{after: time.Millisecond, n: 1, low: true, looks: 2}}},
		{"refusals do not count", 16 * mib, 16*mib + 100, []step{
			{n: 200, low: true, looks: 1}, {n: 200, low: true, looks: 1}, {n: 100, looks: 1}}},
		{"off", 0, 0, []step{{n: 1 << 40, looks: 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeFS{free: tt.free, now: time.Unix(1e9, 0)}
			g := fs.guard(t, tt.reserve)
			fs.looks = 0 // New's own look
			fs.now = fs.now.Add(time.Millisecond)
			g.at = time.Time{} // so the first step looks
			for i, s := range tt.steps {
				if s.free != 0 {
					fs.free = s.free
				}
				fs.now = fs.now.Add(s.after)
				err := g.Reserve(s.n)
				if low := errors.Is(err, ErrLow); low != s.low || (err != nil && !low) {
					t.Fatalf("step %d: Reserve(%d) = %v, want low %v", i, s.n, err, s.low)
				}
				if err == nil {
					fs.free -= s.n // written
				}
				if fs.looks != s.looks {
					t.Fatalf("step %d: %d looks at the file system, want %d", i, fs.looks, s.looks)
				}
			}
		})
	}
}

func TestLowErrorSaysWhat(t *testing.T) {
	fs := &fakeFS{free: 5 << 20, now: time.Unix(1e9, 0)}
	err := fs.guard(t, 256<<20).Check()
	var low *LowError
	if !errors.As(err, &low) || low.Free != 5<<20 || low.Reserve != 256<<20 || low.Dir != "/data" {
		t.Fatalf("got %#v", err)
	}
	if want := "diskfree: disk full: /data has 5 MiB free, less than the 256 MiB kept in reserve"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

// Check answers as a write of Slack bytes would be answered, and counts
// nothing.
func TestCheck(t *testing.T) {
	fs := &fakeFS{free: 16<<20 + 1000, now: time.Unix(1e9, 0)}
	g := fs.guard(t, 16<<20)
	if err := g.Check(); !errors.Is(err, ErrLow) {
		t.Fatalf("Check with room for a 1000-byte write only: %v", err)
	}
	fs.free = 32 << 20
	fs.now = fs.now.Add(time.Second)
	if err := g.Check(); err != nil || g.since != 0 {
		t.Fatalf("Check with room: %v, counted %d", err, g.since)
	}
}

func TestRealFileSystem(t *testing.T) {
	g, err := New(t.TempDir(), 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Check(); err != nil {
		t.Fatalf("a temporary folder with less than a byte free? %v", err)
	}
	if _, err := New("/no/such/folder", 1, Options{}); err == nil {
		t.Fatal("a folder that does not exist was looked at")
	}
}

func BenchmarkReserve(b *testing.B) {
	g, err := New(b.TempDir(), 1<<20, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := g.Reserve(100); err != nil {
			b.Fatal(err)
		}
	}
}
