package agi

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/ivr"
)

func (s *testServer) url(script string, extra string) string {
	return fmt.Sprintf("%s?cid=%d&dbid=%d&key=%s%s", script, s.env.CID, s.env.DBID, s.env.Key, extra)
}

func TestFlowSessions(t *testing.T) {
	s := startServer(t, ivrtest.Options{Telephony: ivr.Telephony{AGI: &ivr.AGISettings{Prompts: map[string]string{"ref2": "custom/dob"}}}},
		Config{DigitTimeout: 3 * time.Second})
	tests := []struct {
		name    string
		keys    []string
		want    map[string]string
		gets    int      // GET DATA commands
		says    []string // SAY commands
		prompts []string // the sound each GET DATA played, in order
	}{
		{"found", []string{"123456#", "01021990#"}, map[string]string{
			"LOOKUP_STATUS": "found", "BALANCE": "12.50", "BALANCE_MINOR": "1250", "MIN_PAYMENT": "5.00", "MAX_PAYMENT": "12.50",
			"LOOKUP_REASON": "", "LOOKUP_FIELD": "",
			"LOOKUP_MESSAGE": "Your balance is twelve pounds and fifty pence. The least you may pay is five pounds."},
			2, []string{`SAY NUMBER 12 ""`, `SAY DIGITS 50 ""`, `SAY NUMBER 5 ""`}, []string{"beep", "custom/dob"}},
		{"short entry re-prompted, then corrected", []string{"12345#", "123456#", "01021990#"},
			map[string]string{"LOOKUP_STATUS": "found", "BALANCE": "12.50"}, 3, nil, []string{"beep", "beep", "custom/dob"}},
		// Seven keys fill GET DATA's seven, so the '#' after them ends the
		// next GET DATA at once: that is not the caller's next try.
		// "Please try again" is stopped by that '#', which is not the
		// caller's next try either.
		{"too long, its '#' left over, then right", []string{"1234567#", "123456#", "01021990#"},
			map[string]string{"LOOKUP_STATUS": "found"}, 3, nil, []string{"beep", "beep", "custom/dob"}},
		{"too long three times", []string{"1234567#", "1234567#", "1234567#"},
			map[string]string{"LOOKUP_STATUS": "invalid_input", "LOOKUP_REASON": "too_long", "LOOKUP_FIELD": "ref1"}, 3, nil, nil},
		{"star and silence", []string{"*#", "", ""}, map[string]string{
			"LOOKUP_STATUS": "invalid_input", "LOOKUP_FIELD": "ref1", "LOOKUP_REASON": "missing", "BALANCE": "", "BALANCE_MINOR": ""},
			3, nil, nil},
		{"a date that does not exist, three times", []string{"123456#", "31021990#", "3102199", "31021990#"}, map[string]string{
			"LOOKUP_STATUS": "invalid_input", "LOOKUP_FIELD": "ref2", "LOOKUP_REASON": "bad_date"}, 4, nil, nil},
		{"not found says no amounts", []string{"123456#", "02021990#"}, map[string]string{
			"LOOKUP_STATUS": "not_found", "BALANCE": "", "LOOKUP_MESSAGE": "We could not find an account with those details."}, 2, []string{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCall{script: s.url("flow", ""), keys: tc.keys, vars: map[string]string{"TONEBASE_SECRET": s.env.Secret}}
			f.run(t, s.addr)
			for k, v := range tc.want {
				if got, ok := f.vars[k]; !ok || got != v {
					t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
				}
			}
			if len(f.gets) != tc.gets {
				t.Errorf("%d GET DATA, want %d: %q", len(f.gets), tc.gets, f.gets)
			}
			for i, p := range tc.prompts {
				if want := "GET DATA " + p + " 3000 "; i < len(f.gets) && !strings.HasPrefix(f.gets[i], want) {
					t.Errorf("GET DATA %d = %q, want %q…", i+1, f.gets[i], want)
				}
			}
			if tc.says != nil && !slices.Equal(f.says, tc.says) && !(len(tc.says) == 0 && len(f.says) == 0) {
				t.Errorf("says %q, want %q", f.says, tc.says)
			}
		})
	}
	// The invoice is 6 digits and the date 8: one key more each, so the '#'
	// is taken by the same GET DATA.
	f := &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"123456#", "01021990#"}}
	f.run(t, s.addr)
	if !strings.HasSuffix(f.gets[0], " 3000 7") || !strings.HasSuffix(f.gets[1], " 3000 9") {
		t.Fatalf("maxdigits: %q", f.gets)
	}
}

func TestLookupSessions(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{})
	tests := []struct {
		name   string
		script string
		args   []string
		vars   map[string]string
		want   map[string]string
	}{
		{"refs in the URL, secret in a variable", s.url("lookup", "&ref1=123456&ref2=01021990"), nil,
			map[string]string{"TONEBASE_SECRET": s.env.Secret},
			map[string]string{"LOOKUP_STATUS": "found", "BALANCE": "12.50", "BALANCE_MINOR": "1250", "MIN_PAYMENT": "5.00", "MAX_PAYMENT": "12.50"}},
		{"refs as arguments, secret in the URL", s.url("lookup", "&secret="+s.env.Secret), []string{"ref1=123456#", "ref2=01021990"}, nil,
			map[string]string{"LOOKUP_STATUS": "found", "BALANCE": "12.50"}},
		{"by column id", s.url("lookup", "&secret="+s.env.Secret), []string{"colA=123456", "colb=01021990"}, nil,
			map[string]string{"LOOKUP_STATUS": "found"}},
		{"a short ref", s.url("lookup", "&secret="+s.env.Secret+"&ref1=12345&ref2=01021990"), nil, nil,
			map[string]string{"LOOKUP_STATUS": "invalid_input", "LOOKUP_FIELD": "ref1", "LOOKUP_REASON": "too_short", "BALANCE": ""}},
		{"not payable", s.url("lookup", "&secret="+s.env.Secret+"&ref1=234567&ref2=15081985"), nil, nil,
			map[string]string{"LOOKUP_STATUS": "not_payable", "LOOKUP_REASON": "no_balance", "BALANCE": "0.00"}},
		{"no secret", s.url("lookup", "&ref1=123456&ref2=01021990"), nil, nil,
			map[string]string{"LOOKUP_STATUS": "error", "LOOKUP_REASON": "unauthorized", "BALANCE": ""}},
		{"a wrong secret", s.url("lookup", "&secret=x"+s.env.Secret[1:]+"&ref1=123456&ref2=01021990"), nil, nil,
			map[string]string{"LOOKUP_STATUS": "error", "LOOKUP_REASON": "unauthorized"}},
		{"no such database", fmt.Sprintf("lookup?cid=%d&dbid=999&key=%s&secret=%s&ref1=123456&ref2=01021990", s.env.CID, s.env.Key, s.env.Secret), nil, nil,
			map[string]string{"LOOKUP_STATUS": "error", "LOOKUP_REASON": "no_database"}},
		{"no dbid", fmt.Sprintf("lookup?cid=%d&key=%s&secret=%s", s.env.CID, s.env.Key, s.env.Secret), nil, nil,
			map[string]string{"LOOKUP_STATUS": "error", "LOOKUP_REASON": "bad_request"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCall{script: tc.script, args: tc.args, vars: tc.vars}
			f.run(t, s.addr)
			for k, v := range tc.want {
				if got := f.vars[k]; got != v {
					t.Errorf("%s = %q, want %q (all %v)", k, got, v, f.vars)
				}
			}
			if len(f.gets) != 0 || len(f.says) != 0 {
				t.Errorf("a lookup prompted: %q %q", f.gets, f.says)
			}
		})
	}
	if strings.Contains(s.log.String(), s.env.Secret) {
		t.Fatalf("the secret reached the log:\n%s", s.log)
	}
}

// TestTenantIsolation: another client's key and secret reach nothing of
// this client's database, whichever way they are sent.
func TestTenantIsolation(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{})
	_, _, key, secret := s.env.Other(t)
	for _, script := range []string{"lookup", "flow"} {
		f := &fakeCall{script: fmt.Sprintf("%s?cid=%d&dbid=%d&key=%s&secret=%s&ref1=123456&ref2=01021990", script, s.env.CID, s.env.DBID, key, secret),
			keys: []string{"123456#", "01021990#"}}
		f.run(t, s.addr)
		if f.vars["LOOKUP_STATUS"] != "error" || f.vars["LOOKUP_REASON"] != "no_database" || f.vars["BALANCE"] != "" || len(f.gets) != 0 {
			t.Fatalf("%s with another client's credentials: %v, %d prompts", script, f.vars, len(f.gets))
		}
		// This client's key with the other's secret.
		f = &fakeCall{script: s.url(script, "&secret="+secret+"&ref1=123456&ref2=01021990")}
		f.run(t, s.addr)
		if f.vars["LOOKUP_STATUS"] != "error" || f.vars["LOOKUP_REASON"] != "unauthorized" {
			t.Fatalf("%s with a mixed key and secret: %v", script, f.vars)
		}
	}
}

func TestCallerFeedsTheLockout(t *testing.T) {
	s := startServer(t, ivrtest.Options{Lockout: 2}, Config{})
	call := func(caller, dob string) string {
		f := &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), caller: caller, keys: []string{"123456#", dob + "#"}}
		f.run(t, s.addr)
		return f.vars["LOOKUP_STATUS"]
	}
	for i, want := range []string{"not_found", "not_found", "locked"} {
		if got := call("+447700900123", "02021990"); got != want {
			t.Fatalf("miss %d: %s, want %s", i+1, got, want)
		}
	}
	if got := call("+447700900123", "01021990"); got != "locked" {
		t.Fatalf("the right date while locked: %s", got)
	}
}

// TestKeyingDuringTryAgain: a caller who keys while "please try again"
// plays keeps that key, and GET DATA takes the rest after silence.
func TestKeyingDuringTryAgain(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{})
	f := &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"12345#", "123456#", "01021990#"}, early: true}
	f.run(t, s.addr)
	if f.vars["LOOKUP_STATUS"] != "found" || len(f.streams) != 1 || !strings.HasPrefix(f.streams[0], `STREAM FILE please-try-again "0123456789*#"`) {
		t.Fatalf("%v, streams %q", f.vars, f.streams)
	}
	if len(f.gets) != 3 || f.gets[1] != "GET DATA silence/1 5000 6" {
		t.Fatalf("GET DATA %q", f.gets)
	}
	// A '#' alone during it is an empty entry.
	f = &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"12345#", "#", "#"}, early: true}
	f.run(t, s.addr)
	if f.vars["LOOKUP_STATUS"] != "invalid_input" || f.vars["LOOKUP_REASON"] != "missing" || len(f.gets) != 1 {
		t.Fatalf("'#' alone: %v, GET DATA %q", f.vars, f.gets)
	}
}

// TestUnplayablePrompt: a database's sound Asterisk does not have gives
// way to beep; without beep either the call ends with error no_sound.
func TestUnplayablePrompt(t *testing.T) {
	s := startServer(t, ivrtest.Options{Telephony: ivr.Telephony{AGI: &ivr.AGISettings{Prompts: map[string]string{"ref1": "custom/missing"}}}}, Config{})
	f := &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"123456#", "01021990#"}, sounds: []string{"beep"}}
	f.run(t, s.addr)
	if f.vars["LOOKUP_STATUS"] != "found" || len(f.gets) != 3 || !strings.HasPrefix(f.gets[1], "GET DATA beep ") {
		t.Fatalf("a missing sound: %v, %q", f.vars, f.gets)
	}
	if !strings.Contains(s.log.String(), `"sound":"custom/missing"`) {
		t.Errorf("the missing sound was not logged:\n%s", s.log)
	}
	f = &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"123456#"}, sounds: []string{}}
	f.run(t, s.addr)
	if f.vars["LOOKUP_STATUS"] != "error" || f.vars["LOOKUP_REASON"] != "no_sound" {
		t.Fatalf("no sounds at all: %v, %q", f.vars, f.gets)
	}
}

func TestHangupMidFlow(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{})
	f := &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"123456#"}, hangupAt: 2}
	f.run(t, s.addr)
	if _, set := f.vars["LOOKUP_STATUS"]; set || len(f.gets) != 2 {
		t.Fatalf("after a hang-up: %v, %d prompts", f.vars, len(f.gets))
	}
	waitSessions(t, s.srv, 0)
}

func waitSessions(t *testing.T, srv *Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); srv.Sessions() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions, want %d", srv.Sessions(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBadSessionsAreDroppedAlone: garbage, an endless line and a silent
// peer each end their own session, while a good call made at the same
// time is answered at once.
func TestBadSessionsAreDroppedAlone(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{Idle: 500 * time.Millisecond, MaxLine: 256})
	open := func(first string) net.Conn {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if first != "" {
			_, _ = c.Write([]byte(first))
		}
		return c
	}
	drip := open("agi_network: yes\n")
	go func() { // a line every 200 ms, each within the idle bound
		for i := range 20 {
			time.Sleep(200 * time.Millisecond)
			if _, err := fmt.Fprintf(drip, "agi_x%d: y\n", i); err != nil {
				return
			}
		}
	}()
	bad := []net.Conn{
		drip,
		open("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		open("agi_request: " + strings.Repeat("a", 1000)),
		open("agi_network: yes\n"), // then silence
		open("agi_request: agi://x/flow?cid=1&dbid=1\n\n200 result=1\n"),
	}
	start := time.Now()
	f := &fakeCall{script: s.url("lookup", "&secret="+s.env.Secret+"&ref1=123456&ref2=01021990")}
	f.run(t, s.addr)
	if f.vars["LOOKUP_STATUS"] != "found" || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("a good call beside bad ones: %v after %v", f.vars, time.Since(start))
	}
	for i, c := range bad {
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				if os.IsTimeout(err) {
					t.Fatalf("bad session %d was not dropped", i)
				}
				break
			}
		}
	}
	waitSessions(t, s.srv, 0)
	for _, why := range []string{`"why":"malformed"`, `"why":"line_too_long"`, `"why":"silent"`} {
		if !strings.Contains(s.log.String(), why) {
			t.Errorf("no drop logged %s:\n%s", why, s.log)
		}
	}
}

// TestSessionLimit: past MaxSessions a call is closed at once rather than
// queued behind calls in progress.
func TestSessionLimit(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{MaxSessions: 2, Idle: 2 * time.Second})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	waitSessions(t, s.srv, 2)
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
		t.Fatalf("a call past the limit was not closed: %v", err)
	}
	for _, h := range held {
		h.Close()
	}
	waitSessions(t, s.srv, 0)
	f := &fakeCall{script: s.url("lookup", "&secret="+s.env.Secret+"&ref1=123456&ref2=01021990")}
	f.run(t, s.addr)
	if f.vars["LOOKUP_STATUS"] != "found" {
		t.Fatalf("after the limit: %v", f.vars)
	}
}

// TestConcurrentCalls runs many calls at once under -race.
func TestConcurrentCalls(t *testing.T) {
	s := startServer(t, ivrtest.Options{}, Config{})
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for i := range 32 {
		wg.Go(func() {
			f := &fakeCall{script: s.url("flow", "&secret="+s.env.Secret), keys: []string{"123456#", "01021990#"}, caller: fmt.Sprint(i)}
			f.run(t, s.addr)
			if f.vars["LOOKUP_STATUS"] != "found" {
				errs <- fmt.Sprint(f.vars)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
