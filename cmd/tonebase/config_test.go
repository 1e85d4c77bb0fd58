package main

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseServeProcs(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want, bulk int
		wantErrSub string
	}{
		{name: "default doubles the CPUs, six times during bulk work", want: 2 * cpus, bulk: 6 * cpus},
		{name: "flag", args: []string{"--procs", "3"}, want: 3, bulk: max(3, 6*cpus)},
		{name: "environment", env: map[string]string{"TONEBASE_PROCS": "5"}, want: 5, bulk: max(5, 6*cpus)},
		{name: "flag beats environment", args: []string{"--procs", "7"}, env: map[string]string{"TONEBASE_PROCS": "5"}, want: 7, bulk: max(7, 6*cpus)},
		{name: "more slots alone than the bulk default", args: []string{"--procs", "500"}, want: 500, bulk: 500},
		{name: "bulk flag", args: []string{"--bulk-procs", "40"}, want: 2 * cpus, bulk: 40},
		{name: "bulk environment", env: map[string]string{"TONEBASE_BULK_PROCS": "30"}, want: 2 * cpus, bulk: 30},
		{name: "a GOMAXPROCS setting is kept, bulk work too", env: map[string]string{"GOMAXPROCS": "1"}, want: cpus, bulk: cpus},
		{name: "negative", args: []string{"--procs", "-1"}, wantErrSub: "--procs"},
		{name: "bulk negative", args: []string{"--bulk-procs", "-1"}, wantErrSub: "--bulk-procs"},
		{name: "bulk below procs", args: []string{"--procs", "8", "--bulk-procs", "4"}, wantErrSub: "--bulk-procs 4 is fewer than --procs 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "GOMAXPROCS", "TONEBASE_PROCS", "TONEBASE_BULK_PROCS")
			if !ok {
				return
			}
			if c.Procs != tc.want || c.BulkProcs != tc.bulk || c.CPUs != cpus {
				t.Fatalf("Procs, BulkProcs, CPUs = %d, %d, %d; want %d, %d, %d", c.Procs, c.BulkProcs, c.CPUs, tc.want, tc.bulk, cpus)
			}
		})
	}
}

func TestParseServeTimeouts(t *testing.T) {
	tests := []struct {
		name          string
		args          []string
		env           map[string]string
		request, idle time.Duration
		wantErrSub    string
	}{
		{name: "defaults", request: 4 * time.Minute, idle: 2 * time.Minute},
		{name: "flags", args: []string{"--request-timeout", "30s", "--idle-timeout", "5s"}, request: 30 * time.Second, idle: 5 * time.Second},
		{name: "environment", env: map[string]string{"TONEBASE_IDLE_TIMEOUT": "90s"}, request: 4 * time.Minute, idle: 90 * time.Second},
		{name: "zero request timeout", args: []string{"--request-timeout", "0s"}, wantErrSub: "--request-timeout"},
		{name: "negative idle timeout", args: []string{"--idle-timeout", "-1s"}, wantErrSub: "--idle-timeout"},
		{name: "not a duration", args: []string{"--idle-timeout", "soon"}, wantErrSub: "idle-timeout"},
		{name: "flag beats environment", args: []string{"--request-timeout", "1m"}, env: map[string]string{"TONEBASE_REQUEST_TIMEOUT": "10s"},
			request: time.Minute, idle: 2 * time.Minute},
		{name: "environment not a duration", env: map[string]string{"TONEBASE_REQUEST_TIMEOUT": "soon"}, wantErrSub: "TONEBASE_REQUEST_TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "TONEBASE_REQUEST_TIMEOUT", "TONEBASE_IDLE_TIMEOUT")
			if !ok {
				return
			}
			if c.RequestTimeout != tc.request || c.IdleTimeout != tc.idle {
				t.Fatalf("timeouts = %v, %v; want %v, %v", c.RequestTimeout, c.IdleTimeout, tc.request, tc.idle)
			}
		})
	}
}

// parseCase parses args with env set and the unset variables cleared. If
// wantErrSub is set, the parse must fail naming it, and ok is false.
func parseCase(t *testing.T, args []string, env map[string]string, wantErrSub string, unset ...string) (c serveConfig, ok bool) {
	t.Helper()
	for _, k := range unset {
		unsetenv(t, k)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	c, err := parseServe(args)
	if wantErrSub != "" {
		if err == nil || !strings.Contains(err.Error(), wantErrSub) {
			t.Fatalf("err = %v, want one naming %s", err, wantErrSub)
		}
		return c, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return c, true
}

func TestParseServeMinFree(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       int
		wantErrSub string
	}{
		{name: "default", want: 256},
		{name: "flag", args: []string{"--min-free-mb", "1024"}, want: 1024},
		{name: "environment", env: map[string]string{"TONEBASE_MIN_FREE_MB": "64"}, want: 64},
		{name: "flag beats environment", args: []string{"--min-free-mb", "32"}, env: map[string]string{"TONEBASE_MIN_FREE_MB": "64"}, want: 32},
		{name: "off", args: []string{"--min-free-mb", "0"}, want: 0},
		{name: "negative", args: []string{"--min-free-mb", "-1"}, wantErrSub: "--min-free-mb"},
		{name: "environment not a number", env: map[string]string{"TONEBASE_MIN_FREE_MB": "lots"}, wantErrSub: "TONEBASE_MIN_FREE_MB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "TONEBASE_MIN_FREE_MB")
			if ok && c.MinFreeMB != tc.want {
				t.Fatalf("MinFreeMB = %d, want %d", c.MinFreeMB, tc.want)
			}
		})
	}
}

func TestParseServeSchedSlice(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       time.Duration
		wantErrSub string
	}{
		{name: "default", want: 100 * time.Microsecond},
		{name: "flag", args: []string{"--sched-slice", "1ms"}, want: time.Millisecond},
		{name: "environment", env: map[string]string{"TONEBASE_SCHED_SLICE": "500us"}, want: 500 * time.Microsecond},
		{name: "off", args: []string{"--sched-slice", "0s"}, want: 0},
		{name: "the kernel's least", args: []string{"--sched-slice", "100us"}, want: 100 * time.Microsecond},
		{name: "the kernel's most", args: []string{"--sched-slice", "100ms"}, want: 100 * time.Millisecond},
		{name: "under the kernel's least", args: []string{"--sched-slice", "50us"}, wantErrSub: "--sched-slice must be 0 or from 100µs to 100ms, not 50µs"},
		{name: "over its most", args: []string{"--sched-slice", "1s"}, wantErrSub: "--sched-slice must be 0 or from"},
		{name: "negative", args: []string{"--sched-slice", "-1ms"}, wantErrSub: "--sched-slice must be 0 or from"},
		{name: "no unit", args: []string{"--sched-slice", "100"}, wantErrSub: "needs a unit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "TONEBASE_SCHED_SLICE")
			if !ok {
				return
			}
			if c.SchedSlice != tc.want {
				t.Fatalf("SchedSlice = %v, want %v", c.SchedSlice, tc.want)
			}
		})
	}
}
