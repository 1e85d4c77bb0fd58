package bench

import (
	"os/exec"
	"testing"
	"time"
)

// startProc starts a command as a Process the way the harness holds a
// server, stopped when t ends.
func startProc(t *testing.T, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.exited })
	return p
}

func TestSettle(t *testing.T) {
	tests := []struct {
		name string
		proc func(t *testing.T) *Process
		want Settled
	}{
		{"an idle process", func(t *testing.T) *Process { return startProc(t, "sleep", "60") }, Idle},
		{"a busy process", func(t *testing.T) *Process { return startProc(t, "sh", "-c", "while :; do :; done") }, Busy},
		{"a process with no figures (gone)", func(t *testing.T) *Process {
			p := startProc(t, "true")
			<-p.exited
			return p
		}, Unmeasured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.proc(t)
			if took, got := Settle(100*time.Millisecond, p); got != tt.want {
				t.Fatalf("Settle ended %v after %v, want %v", got, took, tt.want)
			}
		})
	}
}
