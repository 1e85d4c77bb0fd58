package bench

import (
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
