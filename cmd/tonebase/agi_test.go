package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseServeAGI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       string
		idle       time.Duration
		wantErrSub string
	}{
		{name: "off by default", want: "", idle: 30 * time.Second},
		{name: "flag", args: []string{"--agi-addr", "127.0.0.1:4573"}, want: "127.0.0.1:4573", idle: 30 * time.Second},
		{name: "environment", env: map[string]string{"TONEBASE_AGI_ADDR": "127.0.0.1:4574", "TONEBASE_AGI_IDLE_TIMEOUT": "5s"}, want: "127.0.0.1:4574", idle: 5 * time.Second},
		{name: "flag beats environment", args: []string{"--agi-addr", "127.0.0.1:4575"}, env: map[string]string{"TONEBASE_AGI_ADDR": "127.0.0.1:4574"},
			want: "127.0.0.1:4575", idle: 30 * time.Second},
		{name: "no port", args: []string{"--agi-addr", "127.0.0.1"}, wantErrSub: "--agi-addr wants host:port"},
		{name: "a zero idle timeout", args: []string{"--agi-idle-timeout", "0s"}, wantErrSub: "--agi-idle-timeout must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "TONEBASE_AGI_ADDR", "TONEBASE_AGI_IDLE_TIMEOUT")
			if ok && (c.AGIAddr != tc.want || c.AGIIdle != tc.idle) {
				t.Fatalf("AGIAddr, AGIIdle = %q, %v; want %q, %v", c.AGIAddr, c.AGIIdle, tc.want, tc.idle)
			}
		})
	}
}

// agiSession is one FastAGI session as Asterisk opens it, with the secret
// left in TONEBASE_SECRET and every GET DATA timing out; it returns the
// variables set and the sound each GET DATA played.
func agiSession(t *testing.T, addr, script, secret string) (vars map[string]string, prompts []string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "agi_network: yes\nagi_network_script: %s\nagi_request: agi://%s/%s\nagi_callerid: +447700900123\n\n", script, addr, script)
	vars = map[string]string{}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return vars, prompts
		}
		cmd := strings.TrimSpace(line)
		switch {
		case cmd == "GET VARIABLE TONEBASE_SECRET":
			fmt.Fprintf(c, "200 result=1 (%s)\n", secret)
		case strings.HasPrefix(cmd, "SET VARIABLE "):
			name, value, _ := strings.Cut(strings.TrimPrefix(cmd, "SET VARIABLE "), " ")
			vars[name] = strings.Trim(value, `"`)
			fmt.Fprint(c, "200 result=1\n")
		case strings.HasPrefix(cmd, "STREAM FILE "):
			fmt.Fprint(c, "200 result=0 endpos=8000\n")
		case strings.HasPrefix(cmd, "GET DATA "):
			prompts = append(prompts, strings.Fields(cmd)[2])
			fmt.Fprint(c, "200 result= (timeout)\n")
		default:
			fmt.Fprint(c, "510 Invalid or unknown command\n")
		}
	}
}

// TestAGIWiring runs a FastAGI lookup through the wired server: the one
// lookup service, the tenants' credentials and the platform's metrics.
func TestAGIWiring(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.a.calls.agi.Serve(ln) //nolint:errcheck // ends with the listener
	t.Cleanup(func() { ln.Close() })
	script := fmt.Sprintf("lookup?cid=%d&dbid=%d&key=%s&ref1=123456&ref2=01021990", c.CID, dbid, c.APIKey)
	if got, _ := agiSession(t, ln.Addr().String(), script, c.APISecret); got["LOOKUP_STATUS"] != "not_found" {
		t.Fatalf("lookup: %v", got)
	}
	other := s.newClient("Other")
	if got, _ := agiSession(t, ln.Addr().String(), script, other.APISecret); got["LOOKUP_STATUS"] != "error" || got["LOOKUP_REASON"] != "unauthorized" {
		t.Fatalf("another client's secret: %v", got)
	}
	// The database's sound files, set through the admin API, are what
	// /flow plays before each ref.
	r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid),
		`{"description":"Debtors","agi":{"prompts":{"ref1":"custom/invoice"}},"columns":`+guideColumns+`}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"agi":{"prompts":{"ref1":"custom/invoice"}}`) {
		t.Fatalf("define the prompts: %d %s", r.status, r.body)
	}
	if r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid),
		`{"description":"Debtors","agi":{"prompts":{"ref1":"custom/x\"; EXEC"}},"columns":`+guideColumns+`}`); r.status != 400 {
		t.Fatalf("a sound name that would write an AGI command: %d %s", r.status, r.body)
	}
	flow := fmt.Sprintf("flow?cid=%d&dbid=%d&key=%s", c.CID, dbid, c.APIKey)
	vars, prompts := agiSession(t, ln.Addr().String(), flow, c.APISecret)
	if vars["LOOKUP_STATUS"] != "invalid_input" || vars["LOOKUP_FIELD"] != "ref1" ||
		strings.Join(prompts, " ") != "custom/invoice custom/invoice custom/invoice" {
		t.Fatalf("flow: %v, prompts %q", vars, prompts)
	}
	m := string(s.do("GET", "/metrics", "", nil).body)
	if !strings.Contains(m, `platform="agi"`) {
		t.Fatalf("AGI lookups are not in /metrics by platform")
	}
}

// TestServeAGIStops starts serve with --agi-addr, finds FastAGI answering
// there, and stops it with SIGTERM: cleanly, the port released.
func TestServeAGIStops(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	agiAddr := probe.Addr().String()
	probe.Close()
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TONEBASE_TEST_MAIN=serve --addr 127.0.0.1:0 --agi-addr "+agiAddr+" --data "+data+" --log-format json --stop-timeout 10s")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	var conn net.Conn
	for deadline := time.Now().Add(30 * time.Second); ; {
		if conn, err = net.Dial("tcp", agiAddr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("FastAGI is not on %s: %v", agiAddr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A session that is not AGI is dropped, and the server goes on.
	fmt.Fprint(conn, "GET / HTTP/1.0\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
		t.Fatalf("a session that is not AGI was kept: %v", err)
	}
	conn.Close()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(logs.String(), "stopped cleanly") {
			t.Fatalf("stop: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("did not stop\n%s", logs.String())
	}
	if c, err := net.Dial("tcp", agiAddr); err == nil {
		c.Close()
		t.Fatalf("FastAGI still answers after the stop")
	}
}
