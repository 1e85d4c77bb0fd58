package ivr

import (
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	slow := func() *Pacer { p := NewPacer(time.Second); p.max = time.Second; return p }
	tests := []struct {
		name      string
		pacer     *Pacer
		lookupAgo time.Duration // < 0: no lookup ever
		busy      time.Duration
		minRest   time.Duration
		maxRest   time.Duration
		active    bool
	}{
		// Bounds are far apart so that a busy machine cannot blur them: a
		// pacer that should not rest would rest 500ms.
		{"no lookups: no rest", slow(), -1, 500 * time.Millisecond, 0, 250 * time.Millisecond, false},
		{"lookup just now: rest in proportion to the work", slow(), 0, 100 * time.Millisecond, restPerWork * 100 * time.Millisecond, 10 * time.Second, true},
		{"lookup long ago: no rest", slow(), 2 * time.Second, 500 * time.Millisecond, 0, 250 * time.Millisecond, false},
		{"long work: rest is capped", NewPacer(time.Second), 0, time.Minute, NewPacer(time.Second).max, 30 * time.Second, true},
		{"no pacer", nil, 0, 500 * time.Millisecond, 0, 250 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lookupAgo >= 0 {
				tt.pacer.Lookup(time.Now().Add(-tt.lookupAgo))
			}
			if got := tt.pacer.Active(); got != tt.active {
				t.Fatalf("Active() = %v, want %v", got, tt.active)
			}
			start := time.Now()
			tt.pacer.Yield(tt.busy)
			if rest := time.Since(start); rest < tt.minRest || rest > tt.maxRest {
				t.Fatalf("rested %v, want between %v and %v", rest, tt.minRest, tt.maxRest)
			}
		})
	}
}

// TestPacerSteps checks that a step rests in proportion to the work since
// the previous step, not since the first.
func TestPacerSteps(t *testing.T) {
	p := NewPacer(time.Second)
	p.max = time.Second
	p.Lookup(time.Now())
	step := p.Steps()
	time.Sleep(100 * time.Millisecond) // the first step's work
	step()
	start := time.Now()
	step() // no work since the last step: almost no rest
	if rest := time.Since(start); rest > 50*time.Millisecond {
		t.Fatalf("a step with no work rested %v", rest)
	}
	var none *Pacer
	none.Steps()() // a service without a pacer only yields
}
