package bench

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInterleaveTakesTurns(t *testing.T) {
	tests := []struct {
		name   string
		rounds int
		order  string
	}{
		{"one round", 1, "SC"},
		{"two rounds", 2, "SCCS"},
		{"four rounds", 4, "SCCSSCCS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var order strings.Builder
			// The machine slows down by one unit a call: interleaving must
			// leave the two sides equally slowed.
			speed := 100.0
			call := func(side string) float64 {
				order.WriteString(side)
				speed--
				return speed
			}
			c := interleave(tt.rounds, func(int) float64 { return call("S") }, func(int) float64 { return call("C") })
			if order.String() != tt.order {
				t.Fatalf("order %s, want %s", order.String(), tt.order)
			}
			if len(c.Rounds) != tt.rounds {
				t.Fatalf("%d round ratios, want %d", len(c.Rounds), tt.rounds)
			}
			if tt.rounds%2 == 0 && c.Service != c.Ceiling {
				t.Fatalf("a steady slowdown favoured one side: service %v, ceiling %v", c.Service, c.Ceiling)
			}
		})
	}
}

func TestComparisonMedian(t *testing.T) {
	tests := []struct {
		name   string
		rounds []float64
		want   float64
	}{
		{"none", nil, 0},
		{"one", []float64{0.7}, 0.7},
		{"odd, out of order", []float64{0.9, 0.6, 0.8}, 0.8},
		{"even: the middle two's mean", []float64{0.66, 0.95, 0.93, 0.79}, 0.86},
		{"one slow round moves it little", []float64{0.86, 0.30, 0.87, 0.88}, 0.865},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Comparison{Rounds: slices.Clone(tt.rounds)}
			if got := c.Median(); math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("median %v, want %v", got, tt.want)
			}
			if !slices.Equal(c.Rounds, tt.rounds) {
				t.Fatalf("rounds reordered: %v, was %v", c.Rounds, tt.rounds)
			}
		})
	}
}

func TestComparisonSaysBoth(t *testing.T) {
	c := Comparison{Service: 75, Ceiling: 100, Rounds: []float64{0.6, 0.9, 0.9, 0.7}}
	want := "lookups are 80% of the constant-body ceiling, median of the rounds (rounds: 60% 90% 90% 70%; 75% of the rates over all rounds)"
	if got := c.String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestMergeWrk(t *testing.T) {
	got := mergeWrk([]WrkResult{
		{Rate: 100, P50: time.Millisecond, P99: 3 * time.Millisecond},
		{Rate: 300, P50: 3 * time.Millisecond, P99: 2 * time.Millisecond, Errors: "Non-2xx or Non-3xx responses: 1 "},
	})
	want := WrkResult{Rate: 200, P50: 2 * time.Millisecond, P99: 3 * time.Millisecond, Errors: "Non-2xx or Non-3xx responses: 1 "}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
