package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestParseServeProcs(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       int
		wantErrSub string
	}{
		{name: "default doubles the CPUs", want: 2 * cpus},
		{name: "flag", args: []string{"--procs", "3"}, want: 3},
		{name: "environment", env: map[string]string{"TONEBASE_PROCS": "5"}, want: 5},
		{name: "flag beats environment", args: []string{"--procs", "7"}, env: map[string]string{"TONEBASE_PROCS": "5"}, want: 7},
		{name: "a GOMAXPROCS setting is kept", env: map[string]string{"GOMAXPROCS": "1"}, want: cpus},
		{name: "negative", args: []string{"--procs", "-1"}, wantErrSub: "--procs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			unsetenv(t, "GOMAXPROCS")
			unsetenv(t, "TONEBASE_PROCS")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := parseServe(tc.args)
			if tc.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSub) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Procs != tc.want || c.CPUs != cpus {
				t.Fatalf("Procs, CPUs = %d, %d; want %d, %d", c.Procs, c.CPUs, tc.want, cpus)
			}
		})
	}
}
