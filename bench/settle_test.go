package bench

import (
	"testing"
	"time"
)

func TestIdle(t *testing.T) {
	tests := []struct {
		name string
		used CPUTime
		wall time.Duration
		want bool
	}{
		{"nothing used", CPUTime{}, time.Second, true},
		{"timers and samplers", CPUTime{User: 10 * time.Millisecond, Sys: 10 * time.Millisecond}, time.Second, true},
		{"just at the line", CPUTime{User: 50 * time.Millisecond}, time.Second, false},
		{"a compaction", CPUTime{User: 700 * time.Millisecond, Sys: 200 * time.Millisecond}, time.Second, false},
		{"user and system add up", CPUTime{User: 30 * time.Millisecond, Sys: 30 * time.Millisecond}, time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := idle(tt.used, tt.wall); got != tt.want {
				t.Fatalf("idle(%v over %v) = %v, want %v", tt.used, tt.wall, got, tt.want)
			}
		})
	}
}
