package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestServeFlagErrors: each refused flag names itself and what it wants,
// with no list of every flag before it.
func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the error, all of them
	}{
		{name: "a duration without a unit", args: []string{"--lockout-window", "15"},
			want: []string{`--lockout-window "15"`, "needs a unit", "15s, 15m or 15h"}},
		{name: "a duration that is no duration", args: []string{"--stop-timeout", "soon"},
			want: []string{`--stop-timeout "soon"`, "such as 90s, 15m"}},
		{name: "a duration in the environment without a unit", env: map[string]string{"TONEBASE_IDLE_TIMEOUT": "90"},
			want: []string{"TONEBASE_IDLE_TIMEOUT", "needs a unit"}},
		{name: "an unknown log level", args: []string{"--log-level", "verbose"},
			want: []string{"--log-level", "debug, info, warn or error", `"verbose"`}},
		{name: "an address without a host", args: []string{"--addr", "8080"},
			want: []string{"--addr wants host:port", ":8080", `"8080"`}},
		{name: "a debug address without a port", args: []string{"--debug-addr", "127.0.0.1"}, want: []string{"--debug-addr wants host:port"}},
		{name: "an unknown flag", args: []string{"--prot", "80"}, want: []string{"-prot", "tonebase serve -h"}},
		{name: "a zero stop timeout", args: []string{"--stop-timeout", "0s"}, want: []string{"--stop-timeout must be positive"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"TONEBASE_IDLE_TIMEOUT", "TONEBASE_LOG_LEVEL", "TONEBASE_ADDR", "TONEBASE_DEBUG_ADDR", "TONEBASE_STOP_TIMEOUT", "TONEBASE_LOCKOUT_WINDOW"} {
				unsetenv(t, k)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := parseServe(tc.args)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "--row-cache-mb") || strings.Contains(err.Error(), "Usage") {
				t.Fatalf("the error lists the flags: %q", err)
			}
		})
	}
	c, ok := parseCase(t, []string{"--log-level", "debug", "--stop-timeout", "5s", "--addr", ":0"}, nil, "",
		"TONEBASE_LOG_LEVEL", "TONEBASE_STOP_TIMEOUT", "TONEBASE_ADDR")
	if !ok || c.LogLevel != "debug" || c.StopTimeout != 5*time.Second || c.Addr != ":0" {
		t.Fatalf("good flags: %+v", c)
	}
}

// TestHelpExitsZero runs the binary's commands with -h: each prints its
// flags on standard output and exits 0.
func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range [][]string{{"hash", "-h"}, {"upload", "-h"}, {"serve", "-h"}, {"admin", "add-user", "-h"}, {"admin", "-h"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			c := exec.Command(os.Args[0], "-test.run=^$")
			c.Env = append(os.Environ(), "TONEBASE_TEST_MAIN="+strings.Join(cmd, " "))
			var out, errOut strings.Builder
			c.Stdout, c.Stderr = &out, &errOut
			if err := c.Run(); err != nil {
				t.Fatalf("exit: %v\nstdout %s\nstderr %s", err, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), "-") || errOut.Len() > 0 {
				t.Fatalf("stdout %q, stderr %q", out.String(), errOut.String())
			}
		})
	}
}
