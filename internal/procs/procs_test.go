package procs

import (
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder stands in for runtime.GOMAXPROCS and keeps every count set.
type recorder struct {
	mu  sync.Mutex
	set []int
}

func (r *recorder) apply(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set = append(r.set, n)
	return 0
}

func (r *recorder) counts() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.set)
}

// eventually waits up to 5 s for the counts set to be want.
func eventually(t *testing.T, r *recorder, want ...int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(r.counts(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("counts set %v, want %v", r.counts(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// reports waits for what the widener reports to follow the count it set:
// run records its state just after the setter returns.
func reports(t *testing.T, w *Widener, wide bool, slots int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for w.Wide() != wide || w.Slots() != slots {
		if time.Now().After(deadline) {
			t.Fatalf("reports wide %v, slots %d; want %v, %d", w.Wide(), w.Slots(), wide, slots)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWidener walks one widener through a stretch of bulk work, the quiet
// after it, a second stretch and the close.
func TestWidener(t *testing.T) {
	const linger = time.Second
	r := &recorder{}
	w := New(4, 12, linger, r.apply)
	w.Start()

	time.Sleep(50 * time.Millisecond)
	if got := r.counts(); len(got) != 0 || w.Wide() || w.Slots() != 4 {
		t.Fatalf("before any bulk work: set %v, wide %v, slots %d", got, w.Wide(), w.Slots())
	}

	w.Busy()
	eventually(t, r, 12)
	reports(t, w, true, 12)

	// Steps far more often than linger keep it wide, however long the work.
	for end := time.Now().Add(3 * linger); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		w.Busy()
	}
	if got := r.counts(); !slices.Equal(got, []int{12}) {
		t.Fatalf("while bulk work runs: set %v, want [12] only", got)
	}

	quiet := time.Now()
	eventually(t, r, 12, 4)
	if took := time.Since(quiet); took < linger {
		t.Fatalf("narrowed %v after the last step, before the linger of %v", took, linger)
	}
	reports(t, w, false, 4)

	w.Busy()
	eventually(t, r, 12, 4, 12)
	w.Close()
	if got := r.counts(); !slices.Equal(got, []int{12, 4, 12, 4}) {
		t.Fatalf("after Close: set %v, want it narrow again", got)
	}
}

// TestWidenerFixed: with no more wide slots than narrow ones (a GOMAXPROCS
// setting the operator made), nothing is ever set.
func TestWidenerFixed(t *testing.T) {
	tests := []struct {
		name         string
		narrow, wide int
	}{
		{"equal", 4, 4},
		{"wide below narrow", 4, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			w := New(tt.narrow, tt.wide, time.Millisecond, r.apply)
			w.Start()
			for range 20 {
				w.Busy()
				time.Sleep(time.Millisecond)
			}
			w.Close()
			if got := r.counts(); len(got) != 0 || w.Wide() {
				t.Fatalf("set %v, wide %v; want nothing set", got, w.Wide())
			}
		})
	}
}

// TestWidenerSetsTheRuntime: with no setter given, the runtime's own count
// moves, and Close puts it back.
func TestWidenerSetsTheRuntime(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	w := New(before, before+3, time.Hour, nil)
	w.Start()
	w.Busy()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.GOMAXPROCS(0) != before+3 {
		if time.Now().After(deadline) {
			t.Fatalf("GOMAXPROCS %d, want %d", runtime.GOMAXPROCS(0), before+3)
		}
		time.Sleep(time.Millisecond)
	}
	w.Close()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("after Close GOMAXPROCS is %d, want %d", got, before)
	}
}

// A nil widener is a no-op; one never started ignores Busy and closes at
// once (an app made inside a test).
func TestIdleWideners(t *testing.T) {
	var w *Widener
	w.Busy()
	if w.Wide() || w.Slots() != 0 {
		t.Fatal("a nil widener reports slots")
	}
	r := &recorder{}
	w = New(4, 12, time.Millisecond, r.apply)
	for range 3 {
		w.Busy()
	}
	w.Close()
	if got := r.counts(); len(got) != 0 || w.Wide() || w.Slots() != 4 {
		t.Fatalf("never started: set %v, wide %v, slots %d", got, w.Wide(), w.Slots())
	}
}

func BenchmarkBusy(b *testing.B) {
	w := New(4, 12, time.Hour, func(int) int { return 0 })
	w.Start()
	defer w.Close()
	b.ReportAllocs()
	for b.Loop() {
		w.Busy()
	}
}

// TestWidenerOnChange: what OnChange asks for follows the slots, after
// them, and with fixed slots it still follows the bulk work alone.
func TestWidenerOnChange(t *testing.T) {
	tests := []struct {
		name         string
		narrow, wide int
		counts       []int // the slot counts set over one stretch and Close
	}{
		{"with the slots", 4, 12, []int{12, 4}},
		{"slots fixed", 4, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			w := New(tt.narrow, tt.wide, 50*time.Millisecond, r.apply)
			var mu sync.Mutex
			var changes []bool
			var seen []int // how many counts were set when each change came
			w.OnChange(func(wide bool) {
				mu.Lock()
				defer mu.Unlock()
				changes = append(changes, wide)
				seen = append(seen, len(r.counts()))
			})
			w.Start()
			w.Busy()
			deadline := time.Now().Add(5 * time.Second)
			for {
				mu.Lock()
				n := len(changes)
				mu.Unlock()
				if n == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("changes %v after 5 s, want a widening and a narrowing", changes)
				}
				time.Sleep(time.Millisecond)
			}
			w.Close()
			if !slices.Equal(changes, []bool{true, false}) {
				t.Fatalf("changes %v, want [true false]", changes)
			}
			if got := r.counts(); !slices.Equal(got, tt.counts) {
				t.Fatalf("counts set %v, want %v", got, tt.counts)
			}
			if want := []int{len(tt.counts) / 2, len(tt.counts)}; !slices.Equal(seen, want) {
				t.Fatalf("changes came with %v counts set, want %v: after the slots", seen, want)
			}
			if w.Slots() != tt.narrow {
				t.Fatalf("slots %d after Close, want %d", w.Slots(), tt.narrow)
			}
		})
	}
}
