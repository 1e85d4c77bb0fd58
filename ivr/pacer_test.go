package ivr

import (
	"testing"
	"time"
)

// TestPacerRest checks the rest bulk work owes for a step at a lookup rate.
func TestPacerRest(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64 // lookups a second in the last sample
		busy     time.Duration
		steps    int           // steps of busy taken, the rest of the last returned
		min, max time.Duration // the rest the last step returns
	}{
		{"no lookups: no rest", 0, 10 * time.Millisecond, 1, 0, 0},
		// 1,000 a second of 50 µs need 5% of a core; with headroom 4 that
		// is a share of 20%, under the crowded share.
		{"a thousand a second: no rest", 1000, 10 * time.Millisecond, 1, 0, 0},
		{"just under the crowded share: no rest", 2400, 10 * time.Millisecond, 50, 0, 0},
		// 2,500 a second take half the time: as long a rest as the work.
		{"the crowded share: the work's length", 2500, 10 * time.Millisecond, 1, 9900 * time.Microsecond, 10100 * time.Microsecond},
		{"a flood: four times the work, at most", 1e6, 4 * time.Millisecond, 1, 15 * time.Millisecond, 17 * time.Millisecond},
		{"a long step's rest is capped", 1e6, time.Second, 1, 20 * time.Millisecond, 20 * time.Millisecond},
		// 3,000 a second owe 1.5 times the work: 150 µs per step of
		// 100 µs, owed until they add up to a millisecond.
		{"short rests are owed, not taken", 3000, 100 * time.Microsecond, 6, 0, 0},
		{"owed rests are taken once they add up", 3000, 100 * time.Microsecond, 7, 1000 * time.Microsecond, 1100 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPacer(time.Second, nil)
			now := time.Now()
			p.sampledAt, p.rate = now, tt.rate // a sample just taken
			var got time.Duration
			for range tt.steps {
				got = p.rest(tt.busy, now)
			}
			if got < tt.min || got > tt.max {
				t.Fatalf("rest %v, want between %v and %v", got, tt.min, tt.max)
			}
		})
	}
}

// TestPacerMeasuresTheRate: lookups counted over a sample set the rate.
func TestPacerMeasuresTheRate(t *testing.T) {
	p := NewPacer(time.Second, nil)
	start := time.Now()
	p.rest(0, start) // the first sample
	for range 500 {
		p.Lookup(start)
	}
	p.rest(0, start.Add(sampleEvery/2)) // too early for a new sample
	if p.rate != 0 {
		t.Fatalf("rate %v before a sample was due", p.rate)
	}
	p.rest(0, start.Add(sampleEvery))
	if want := 500 / sampleEvery.Seconds(); p.rate < want*0.99 || p.rate > want*1.01 {
		t.Fatalf("rate %v, want %v", p.rate, want)
	}
}

func TestPacerYield(t *testing.T) {
	tests := []struct {
		name      string
		pacer     *Pacer
		lookupAgo time.Duration // < 0: no lookup ever
		rate      float64
		busy      time.Duration
		minRest   time.Duration
		maxRest   time.Duration
		active    bool
	}{
		// Bounds are far apart so that a busy machine cannot blur them: a
		// pacer that should not rest would rest 20ms.
		{"no lookups: no rest", NewPacer(time.Second, nil), -1, 1e6, 500 * time.Millisecond, 0, 10 * time.Millisecond, false},
		{"lookups just now: rest", NewPacer(time.Second, nil), 0, 1e6, 500 * time.Millisecond, 20 * time.Millisecond, 10 * time.Second, true},
		{"lookups long ago: no rest", NewPacer(time.Second, nil), 2 * time.Second, 1e6, 500 * time.Millisecond, 0, 10 * time.Millisecond, false},
		{"no pacer", nil, 0, 0, 500 * time.Millisecond, 0, 10 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pacer != nil {
				tt.pacer.sampledAt, tt.pacer.rate = time.Now(), tt.rate
			}
			if tt.lookupAgo >= 0 {
				tt.pacer.Lookup(time.Now().Add(-tt.lookupAgo))
			}
			if got := tt.pacer.arrived(); got != tt.active {
				t.Fatalf("arrived() = %v, want %v", got, tt.active)
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
	p := NewPacer(time.Second, nil)
	p.max = time.Second
	p.Lookup(time.Now())
	p.sampledAt, p.rate = time.Now(), 1e6
	step := p.Steps()
	time.Sleep(100 * time.Millisecond) // the first step's work
	start := time.Now()
	step()
	if rest := time.Since(start); rest < 300*time.Millisecond {
		t.Fatalf("a step of 100ms rested %v, want 400ms", rest)
	}
	start = time.Now()
	step() // no work since the last step: almost no rest
	if rest := time.Since(start); rest > 50*time.Millisecond {
		t.Fatalf("a step with no work rested %v", rest)
	}
	var none *Pacer
	none.Steps()() // a service without a pacer only yields
}

// TestPacerActive: bulk work stops overlapping its steps only when the
// lookups need a large share of the CPUs, not for a few a second.
func TestPacerActive(t *testing.T) {
	tests := []struct {
		name      string
		lookupAgo time.Duration // < 0: no lookup ever
		rate      float64
		want      bool
	}{
		{"no lookups", -1, 1e6, false},
		{"a thousand a second", 0, 1000, false},
		{"ten thousand a second", 0, 10_000, true},
		{"ten thousand a second, long ago", 2 * time.Second, 10_000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPacer(time.Second, nil)
			p.sampledAt, p.rate = time.Now(), tt.rate
			if tt.lookupAgo >= 0 {
				p.Lookup(time.Now().Add(-tt.lookupAgo))
			}
			if got := p.Active(); got != tt.want {
				t.Fatalf("Active() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPacerTellsBulk: every step of bulk work is told, whether or not
// lookups arrive, since the scheduler slots it widens serve both.
func TestPacerTellsBulk(t *testing.T) {
	var told int
	p := NewPacer(time.Second, func() { told++ })
	p.Yield(time.Millisecond)
	p.Lookup(time.Now())
	p.Yield(time.Millisecond)
	p.Steps()()
	if told != 3 {
		t.Fatalf("told of %d steps, want 3", told)
	}
}
