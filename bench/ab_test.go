package bench

import (
	"slices"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"none", nil, 0},
		{"one", []float64{3}, 3},
		{"odd count, unsorted", []float64{9, 1, 5}, 5},
		{"even count: mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			if got := Median(tt.in); got != tt.want {
				t.Fatalf("Median(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !slices.Equal(in, tt.in) {
				t.Fatalf("Median reordered its input: %v", tt.in)
			}
		})
	}
}

func TestWinsAndSplitBins(t *testing.T) {
	rates := map[string][]float64{"a": {10, 20, 30}, "b": {15, 10, 30}}
	if got := wins(rates, "a"); got != 2 { // round 2, and the tie in round 3
		t.Fatalf("wins(a) = %d", got)
	}
	if got := wins(rates, "b"); got != 2 { // round 1, and the tie
		t.Fatalf("wins(b) = %d", got)
	}
	if got := SplitBins(" /tmp/a, /tmp/b ,,"); !slices.Equal(got, []string{"/tmp/a", "/tmp/b"}) {
		t.Fatalf("SplitBins = %q", got)
	}
}
