package agi

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// testServer is a server over the guide's debtors on a loopback port.
type testServer struct {
	env  *ivrtest.Env
	srv  *Server
	addr string
	log  *testkit.SyncBuffer
}

func startServer(t *testing.T, o ivrtest.Options, cfg Config) *testServer {
	t.Helper()
	env := ivrtest.New(t, o)
	log := &testkit.SyncBuffer{}
	srv := New(callflow.New(env.Service), env.Clients, observe.NewEvents(observe.New()),
		zerolog.New(log).Level(zerolog.DebugLevel), cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v", err)
		}
	})
	return &testServer{env: env, srv: srv, addr: ln.Addr().String(), log: log}
}

// fakeCall plays Asterisk's side of one session: the environment, then a
// reply to each command, GET DATA answered from keys in order.
type fakeCall struct {
	script string   // agi_network_script
	args   []string // agi_arg_N
	caller string
	vars   map[string]string // channel variables, set by the session too
	keys   []string          // what each GET DATA gathers; "" is a timeout
	// hangupAt, if > 0, answers that GET DATA with HANGUP.
	hangupAt int
	// sounds, if set, are the only prompts GET DATA can play: another
	// answers -1, as Asterisk does for a sound it does not have.
	sounds []string
	// early makes the caller key during STREAM FILE: its first key stops
	// the sound. Keys left over from an entry too long for GET DATA stop
	// it anyway, being typed already.
	early    bool
	leftover bool
	streams  []string // STREAM FILE commands seen

	gets     []string // GET DATA commands seen
	says     []string // SAY commands seen
	commands int
}

func (f *fakeCall) run(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	caller := f.caller
	if caller == "" {
		caller = "unknown"
	}
	var env strings.Builder
	fmt.Fprintf(&env, "agi_network: yes\nagi_network_script: %s\nagi_request: agi://127.0.0.1/%s\n", f.script, f.script)
	fmt.Fprintf(&env, "agi_channel: Local/flow@tonebase-00000001;2\nagi_language: en\nagi_callerid: %s\nagi_calleridname: unknown\n", caller)
	for i, a := range f.args {
		fmt.Fprintf(&env, "agi_arg_%d: %s\n", i+1, a)
	}
	env.WriteString("\n")
	if _, err := c.Write([]byte(env.String())); err != nil {
		t.Fatal(err)
	}
	if f.vars == nil {
		f.vars = map[string]string{}
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return // the session ended
		}
		f.commands++
		cmd := strings.TrimSuffix(line, "\n")
		reply := "200 result=0"
		switch {
		case strings.HasPrefix(cmd, "SET VARIABLE "):
			name, value, _ := strings.Cut(strings.TrimPrefix(cmd, "SET VARIABLE "), " ")
			f.vars[name] = strings.ReplaceAll(strings.Trim(value, `"`), `\"`, `"`)
			reply = "200 result=1"
		case strings.HasPrefix(cmd, "GET VARIABLE "):
			if v, ok := f.vars[strings.TrimPrefix(cmd, "GET VARIABLE ")]; ok {
				reply = "200 result=1 (" + v + ")"
			}
		case strings.HasPrefix(cmd, "STREAM FILE "):
			f.streams = append(f.streams, cmd)
			reply = "200 result=0 endpos=8000"
			if len(f.keys) > 0 && f.keys[0] != "" && (f.early || f.leftover) {
				k := f.keys[0]
				reply = fmt.Sprintf("200 result=%d endpos=1200", k[0])
				if f.keys[0] = k[1:]; f.keys[0] == "" {
					f.keys = f.keys[1:]
				}
			}
			f.leftover = false
		case cmd == "CHANNEL STATUS":
			reply = "200 result=6" // up
		case strings.HasPrefix(cmd, "GET DATA "):
			f.gets = append(f.gets, cmd)
			if len(f.gets) == f.hangupAt {
				_, _ = c.Write([]byte("HANGUP\n"))
				continue
			}
			if f.sounds != nil && !slices.Contains(f.sounds, strings.Fields(cmd)[2]) {
				reply = "200 result=-1"
				break
			}
			k := ""
			if len(f.keys) > 0 {
				k, f.keys = f.keys[0], f.keys[1:]
			}
			// Asterisk keeps the '#' that ended the entry to itself; an
			// entry of maxdigits keys ends without one, and anything else
			// by the timeout.
			words := strings.Fields(cmd)
			maxDigits, _ := strconv.Atoi(words[len(words)-1])
			d, hash := strings.CutSuffix(k, "#")
			switch {
			case len(d) >= maxDigits:
				reply = "200 result=" + k[:maxDigits]
				if rest := k[maxDigits:]; rest != "" {
					f.keys = append([]string{rest}, f.keys...)
					f.leftover = true
				}
			case hash:
				reply = "200 result=" + d
			default:
				reply = "200 result=" + k + " (timeout)"
			}
		case strings.HasPrefix(cmd, "SAY "):
			f.says = append(f.says, cmd)
		default:
			reply = "510 Invalid or unknown command"
		}
		if _, err := c.Write([]byte(reply + "\n")); err != nil {
			return
		}
	}
}
