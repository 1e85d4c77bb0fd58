package agi

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/ivr/callflow"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		line string
		want Reply
		err  error
	}{
		{"200 result=1", Reply{Code: 200, Result: "1", EndPos: -1}, nil},
		{"200 result=123456", Reply{Code: 200, Result: "123456", EndPos: -1}, nil},
		{"200 result= (timeout)", Reply{Code: 200, Result: "", Data: "timeout", HasData: true, EndPos: -1}, nil},
		{"200 result=12 (timeout)", Reply{Code: 200, Result: "12", Data: "timeout", HasData: true, EndPos: -1}, nil},
		{"200 result=*", Reply{Code: 200, Result: "*", EndPos: -1}, nil},
		{"200 result=", Reply{Code: 200, EndPos: -1}, nil},
		{"200 result=-1", Reply{Code: 200, Result: "-1", EndPos: -1}, nil},
		{"200 result=1 (a (b) c)", Reply{Code: 200, Result: "1", Data: "a (b) c", HasData: true, EndPos: -1}, nil},
		{"200 result=1 ()", Reply{Code: 200, Result: "1", HasData: true, EndPos: -1}, nil},
		{"200 result=0 endpos=8000", Reply{Code: 200, Result: "0", EndPos: 8000}, nil},
		{"200 result=-1 endpos=0", Reply{Code: 200, Result: "-1", EndPos: 0}, nil},
		{"HANGUP", Reply{}, errHangup},
		{"511 Command Not Permitted on a dead channel or intercept routine", Reply{Code: 511}, errHangup},
		{"510 Invalid or unknown command", Reply{Code: 510}, errRefused},
		{"520 End of proper usage.", Reply{Code: 520}, errRefused},
		{"", Reply{}, errMalformed},
		{"20", Reply{}, errMalformed},
		{"200", Reply{}, errMalformed},
		{"200 result", Reply{}, errMalformed},
		{"200 result=abc", Reply{}, errMalformed},
		{"200 result=1 (unclosed", Reply{}, errMalformed},
		{"200 result=1 junk", Reply{}, errMalformed},
		{"200 result=1 endpos=-5", Reply{}, errMalformed},
		{"200 result=1 endpos=05", Reply{}, errMalformed},
		{"300 result=1", Reply{}, errMalformed},
		{"x00 result=1", Reply{}, errMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got, err := ParseReply(tc.line)
			if tc.err != nil {
				if err == nil || !isErr(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				if got != tc.want {
					t.Fatalf("got %+v with the error, want %+v", got, tc.want)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func isErr(err, target error) bool { return strings.Contains(err.Error(), target.Error()) }

func TestParseEnv(t *testing.T) {
	good := []string{"agi_network: yes", "agi_network_script: flow?cid=1&dbid=2", "agi_request: agi://127.0.0.1/flow?cid=1&dbid=2",
		"agi_callerid: +447700900123", "agi_calleridname: ", "agi_dnid:", "agi_arg_1: ref1=123456", "agi_arg_2: ref2=01021990", ""}
	env, err := ParseEnv(good)
	if err != nil {
		t.Fatal(err)
	}
	if env.Caller() != "+447700900123" || len(env.Args) != 2 || env.Args[1] != "ref2=01021990" {
		t.Fatalf("env %+v", env)
	}
	if v, ok := env.Get("calleridname"); !ok || v != "" {
		t.Fatalf("an empty value: %q %v", v, ok)
	}
	bad := map[string][]string{
		"no blank line":      good[:len(good)-1],
		"empty":              {""},
		"no agi_ prefix":     {"agi_request: agi://x/flow", "network: yes", ""},
		"no colon":           {"agi_request agi://x/flow", ""},
		"upper-case name":    {"agi_Request: agi://x/flow", ""},
		"sent twice":         {"agi_request: agi://x/flow", "agi_request: agi://x/lookup", ""},
		"an argument gap":    {"agi_request: agi://x/flow", "agi_arg_2: x", ""},
		"argument zero":      {"agi_request: agi://x/flow", "agi_arg_0: x", ""},
		"argument 01":        {"agi_request: agi://x/flow", "agi_arg_01: x", ""},
		"no request":         {"agi_network: yes", ""},
		"after the blank":    {"agi_request: agi://x/flow", "", "agi_network: yes"},
		"a control byte":     {"agi_request: agi://x/fl\x00ow", ""},
		"too many variables": append(append([]string{"agi_request: agi://x/flow"}, manyArgs(maxEnvLines)...), ""),
	}
	for name, lines := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseEnv(lines); err == nil || !isErr(err, errMalformed) {
				t.Fatalf("accepted: %v", err)
			}
		})
	}
}

func manyArgs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "agi_arg_" + strconv.Itoa(i+1) + ": x"
	}
	return out
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		script string
		refs   map[string]string
		err    error
	}{
		{"network script", []string{"agi_network_script: flow?cid=1&dbid=2&key=k&secret=s%20t", "agi_request: agi://h/flow?cid=1&dbid=2&key=k&secret=s%20t"},
			scriptFlow, map[string]string{}, nil},
		{"request URL only", []string{"agi_request: agi://h:4573/lookup?cid=1&dbid=2&ref1=123456"}, scriptLookup, map[string]string{"ref1": "123456"}, nil},
		{"arguments", []string{"agi_request: agi://h/lookup?cid=1&dbid=2", "agi_arg_1: ref1=123456", "agi_arg_2: colB=01021990", "agi_arg_3: "},
			scriptLookup, map[string]string{"ref1": "123456", "colB": "01021990"}, nil},
		{"unknown script", []string{"agi_request: agi://h/other?cid=1&dbid=2"}, "", nil, errMalformed},
		{"not agi", []string{"agi_request: /usr/bin/script"}, "", nil, errMalformed},
		{"a ref twice", []string{"agi_request: agi://h/lookup?cid=1&dbid=2&ref1=1", "agi_arg_1: ref1=2"}, "", nil, errMalformed},
		{"an argument without =", []string{"agi_request: agi://h/lookup?cid=1&dbid=2", "agi_arg_1: 123456"}, "", nil, errMalformed},
		{"bad escape", []string{"agi_request: agi://h/lookup?cid=1&dbid=2&ref1=%zz"}, "", nil, errMalformed},
		{"cid not a number", []string{"agi_request: agi://h/lookup?cid=x&dbid=2"}, "", nil, errBadRequest},
		{"dbid with a leading zero", []string{"agi_request: agi://h/lookup?cid=1&dbid=02"}, "", nil, errBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := ParseEnv(append(tc.env, ""))
			if err != nil {
				t.Fatal(err)
			}
			req, err := parseRequest(&env)
			if tc.err != nil {
				if err == nil || !isErr(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || req.script != tc.script || req.cid != 1 || req.dbid != 2 {
				t.Fatalf("%+v %v", req, err)
			}
			if len(req.params) != len(tc.refs) {
				t.Fatalf("params %v, want %v", req.params, tc.refs)
			}
			for k, v := range tc.refs {
				if got, _ := req.ref(k); got != v {
					t.Fatalf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{"": `""`, "12.50": `"12.50"`, `a "b" \c`: `"a \"b\" \\c"`, "x\ny": `"x y"`} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"200 result=1", "200 result= (timeout)", "200 result=1 (x) endpos=5", "HANGUP", "520 End of proper usage.", "200 result=1 (a)b)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseReply(line)
		if err != nil {
			return
		}
		if r.Code != 200 || !validResult(r.Result) || r.EndPos < -1 {
			t.Fatalf("accepted %q as %+v", line, r)
		}
		if !r.HasData && r.Data != "" {
			t.Fatalf("data without parentheses: %+v", r)
		}
	})
}

func FuzzParseEnv(f *testing.F) {
	f.Add("agi_request: agi://h/flow?cid=1&dbid=2\nagi_arg_1: ref1=1\n")
	f.Add("agi_network: yes\nagi_request: x\nagi_callerid: unknown\n")
	f.Fuzz(func(t *testing.T, text string) {
		lines := append(strings.Split(text, "\n"), "")
		env, err := ParseEnv(lines)
		if err != nil {
			return
		}
		if _, ok := env.Get("request"); !ok {
			t.Fatalf("an environment without agi_request: %q", text)
		}
		for _, a := range env.Args {
			if strings.ContainsAny(a, "\r\n\x00") {
				t.Fatalf("a control byte in an argument: %q", a)
			}
		}
		req, err := parseRequest(&env)
		if err != nil {
			return
		}
		if req.cid <= 0 || req.dbid <= 0 || (req.script != scriptFlow && req.script != scriptLookup) || len(req.params) > maxParams {
			t.Fatalf("accepted %q as %+v", text, req)
		}
		for _, k := range []string{"cid", "dbid", "key", "secret"} {
			if _, ok := req.params[k]; ok {
				t.Fatalf("%s left among the refs", k)
			}
		}
	})
}

// FuzzSession feeds a whole session's worth of bytes from "Asterisk" (the
// environment, then replies) to the server's session handling, outside
// the recover that guards a real session: nothing Asterisk sends may
// panic it or keep it from ending once the peer goes.
func FuzzSession(f *testing.F) {
	env := ivrtest.New(f, ivrtest.Options{})
	srv := New(callflow.New(env.Service), env.Clients, observe.NewEvents(observe.New()), zerolog.Nop(),
		Config{Idle: time.Second, MaxLine: 512, DigitTimeout: time.Millisecond})
	lookup := fmt.Sprintf("agi_network_script: lookup?cid=%d&dbid=%d&key=%s&ref1=123456&ref2=01021990\nagi_request: agi://x/lookup\n\n", env.CID, env.DBID, env.Key)
	flow := fmt.Sprintf("agi_network_script: flow?cid=%d&dbid=%d&key=%s\nagi_request: agi://x/flow\nagi_callerid: 1\n\n", env.CID, env.DBID, env.Key)
	f.Add(lookup + "200 result=1 (" + env.Secret + ")\n" + strings.Repeat("200 result=1\n", 9))
	f.Add(flow + "200 result=1 (" + env.Secret + ")\n200 result=12345\n200 result=0 endpos=10\n200 result=123456\n200 result=-1\n200 result=6\n" +
		"200 result=01021990\n200 result=0\n200 result=0\n" + strings.Repeat("200 result=1\n", 9))
	f.Add(flow + "200 result=1 (" + env.Secret + ")\nHANGUP\n")
	f.Add(flow + "200 result=1 (" + env.Secret + ")\n520-Invalid command syntax.\nUsage: x\n520 End of proper usage.\n")
	f.Fuzz(func(t *testing.T, in string) {
		server, peer := net.Pipe()
		done := make(chan struct{})
		go func() { // drain what the server writes
			defer close(done)
			_, _ = io.Copy(io.Discard, peer)
		}()
		go func() {
			_, _ = peer.Write([]byte(in))
			_ = peer.Close()
		}()
		srv.serveSession(newSession(server, srv.cfg.MaxLine, srv.cfg.Idle))
		_ = server.Close()
		<-done
	})
}
