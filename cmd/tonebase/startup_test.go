package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/testkit"
)

// runMain runs the binary as "tonebase args..." and returns its exit
// status and standard error.
func runMain(t *testing.T, args []string, tune ...func(*exec.Cmd)) (int, string) {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "TONEBASE_TEST_MAIN="+strings.Join(args, " "))
	var errOut strings.Builder
	c.Stdout, c.Stderr = io.Discard, &errOut
	for _, f := range tune {
		f(c)
	}
	err := c.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, errOut.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), errOut.String()
	}
	t.Fatal(err)
	return 0, ""
}

// TestServeRefusesBeforeCreating: a start refused for a flag or a port in
// use leaves no data folder, key or token behind.
func TestServeRefusesBeforeCreating(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"port in use", []string{"--addr", taken.Addr().String()}, "listen on --addr " + taken.Addr().String()},
		{"debug port in use", []string{"--addr", "127.0.0.1:0", "--debug-addr", taken.Addr().String()}, "listen on --debug-addr"},
		{"address without a host", []string{"--addr", "8080"}, "--addr wants host:port"},
		{"unknown log level", []string{"--addr", "127.0.0.1:0", "--log-level", "loud"}, "--log-level must be"},
		{"duration without a unit", []string{"--addr", "127.0.0.1:0", "--lockout-window", "15"}, `--lockout-window "15": a duration needs a unit`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			code, errOut := runMain(t, append([]string{"serve", "--demo", "--data", data}, tc.args...))
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, said %q; want 1 and %q", code, errOut, tc.want)
			}
			if strings.Count(errOut, "\n") > 3 || strings.Contains(errOut, "-row-cache-mb") {
				t.Fatalf("said more than the error:\n%s", errOut)
			}
			if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("the refused start made %s (%v)", data, err)
			}
		})
	}
}

// TestPermissionErrorNamesFolderAndUser starts serve on a data folder its
// user may not write: the error names the folder and the user. As root,
// which every folder admits, the server runs as nobody.
func TestPermissionErrorNamesFolderAndUser(t *testing.T) {
	base, err := os.MkdirTemp("", "tonebase-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(base, 0o700); _ = os.RemoveAll(base) })
	data := filepath.Join(base, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	bin, who := os.Args[0], ""
	var tune []func(*exec.Cmd)
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			testkit.Needed(t, fmt.Sprintf("no user nobody to run as: %v", err))
		}
		var uid, gid uint32
		fmt.Sscan(nobody.Uid, &uid)
		fmt.Sscan(nobody.Gid, &gid)
		// nobody must reach the test binary: a copy in a folder it may read.
		if err := os.Chmod(base, 0o755); err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(base, "tonebase.test")
		if b, err := os.ReadFile(os.Args[0]); err != nil || os.WriteFile(bin, b, 0o755) != nil {
			t.Fatalf("copy the test binary: %v", err)
		}
		who = "nobody"
		tune = append(tune, func(c *exec.Cmd) {
			c.Path, c.Args[0] = bin, bin
			c.Dir = base
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		})
	} else {
		if err := os.Chmod(data, 0o500); err != nil {
			t.Fatal(err)
		}
		u, err := user.Current()
		if err != nil {
			testkit.Needed(t, err.Error())
		}
		who = u.Username
	}
	code, errOut := runMain(t, []string{"serve", "--addr", "127.0.0.1:0", "--data", data}, tune...)
	for _, want := range []string{"permission denied", "user " + who, data} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Fatalf("exit %d, said %q; want it to say %q", code, errOut, want)
		}
	}
}

// TestCloseWithin: a close that ends is waited for and its error kept; one
// that does not end is left behind once the bound passes, saying what
// that leaves.
func TestCloseWithin(t *testing.T) {
	boom := errors.New("boom")
	if err := closeWithin(func() error { return boom }, time.Second); !errors.Is(err, boom) {
		t.Fatalf("a failed close: %v", err)
	}
	if err := closeWithin(func() error { time.Sleep(20 * time.Millisecond); return nil }, time.Second); err != nil {
		t.Fatalf("a slow close within the bound: %v", err)
	}
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	err := closeWithin(func() error { <-block; return nil }, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "--stop-timeout") || !strings.Contains(err.Error(), "synced log") {
		t.Fatalf("a close that never ends: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the bound of 100ms took %v", took)
	}
}
