package bench

import (
	"testing"
	"time"
)

func TestCPUTimePerRequest(t *testing.T) {
	tests := []struct {
		name          string
		before, after CPUTime
		requests      int
		want          string
	}{
		{"split", CPUTime{time.Second, 2 * time.Second}, CPUTime{2 * time.Second, 4 * time.Second}, 100_000,
			"30µs (user 10µs, system 20µs)"},
		{"rounded to a tenth of a microsecond", CPUTime{}, CPUTime{10 * time.Millisecond, 20 * time.Millisecond}, 3,
			"10ms (user 3.3333ms, system 6.6667ms)"},
		{"no system time", CPUTime{}, CPUTime{User: 50 * time.Millisecond}, 10_000, "5µs (user 5µs, system 0s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.after.Sub(tc.before).Per(tc.requests)
			if got.String() != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if got.Total() != got.User+got.Sys {
				t.Errorf("Total %v is not user %v + system %v", got.Total(), got.User, got.Sys)
			}
		})
	}
}
