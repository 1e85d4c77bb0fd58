package agi

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// asteriskCall is one call placed through the real Asterisk: the AGI the
// answering half runs, and what the caller's half keys.
type asteriskCall struct {
	name   string
	caller string
	agi    string   // the AGI() application's data, {url} replaced by the server's
	keys   []string // SendDTMF groups, a second apart; "" waits without keying
	hangup bool     // the caller hangs up after the keys instead of waiting
	want   string   // STATUS|BALANCE|BALANCE_MINOR|REASON|FIELD
	// message, if set, is what LOOKUP_MESSAGE must hold: set through
	// Asterisk's own parsing of a quoted SET VARIABLE.
	message string
}

// resultLine is what the dialplan writes once the AGI returns.
const resultLine = "${LOOKUP_STATUS}|${BALANCE}|${BALANCE_MINOR}|${LOOKUP_REASON}|${LOOKUP_FIELD}"

// dialplan is extensions.conf for the calls: context tonebase answers and
// runs the AGI, context caller keys what a caller would. The secret is
// a global TONEBASE_SECRET, as the README tells an Asterisk admin to:
// GET VARIABLE finds it, and no line of Asterisk's log shows it.
func dialplan(dir, secret string, calls []asteriskCall) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[general]\n[globals]\nTONEBASE_SECRET=%s\n[tonebase]\n", secret)
	for _, c := range calls {
		fmt.Fprintf(&b, "exten => %s,1,Answer()\n", c.name)
		fmt.Fprintf(&b, " same => n,Set(CASE=%s)\n", c.name)
		fmt.Fprintf(&b, " same => n,Set(CALLERID(num)=%s)\n", c.caller)
		fmt.Fprintf(&b, " same => n,AGI(%s)\n", c.agi)
		fmt.Fprintf(&b, " same => n,System(echo '${LOOKUP_MESSAGE}' > %s/results/%s.message)\n", dir, c.name)
		fmt.Fprintf(&b, " same => n,System(echo '%s' > %s/results/%s.tmp && mv %s/results/%s.tmp %s/results/%s)\n",
			resultLine, dir, c.name, dir, c.name, dir, c.name)
		b.WriteString(" same => n,Hangup()\n")
	}
	// The h extension runs on every hang-up, the caller's mid-flow too.
	fmt.Fprintf(&b, "exten => h,1,System(echo '%s ${AGISTATUS}' > %s/results/${CASE}.h)\n", resultLine, dir)
	b.WriteString("[caller]\n")
	for _, c := range calls {
		if c.keys == nil && c.agi != "" && strings.Contains(c.agi, "/flow") {
			continue // a call from outside (SIPp): no caller half
		}
		fmt.Fprintf(&b, "exten => %s,1,Wait(1)\n", c.name)
		for _, k := range c.keys {
			if k != "" {
				fmt.Fprintf(&b, " same => n,SendDTMF(%s,100,80)\n", k)
			}
			b.WriteString(" same => n,Wait(1)\n")
		}
		if !c.hangup {
			b.WriteString(" same => n,Wait(30)\n")
		}
		b.WriteString(" same => n,Hangup()\n")
	}
	return b.String()
}

func callFile(name string) string {
	return fmt.Sprintf("Channel: Local/%s@tonebase\nContext: caller\nExtension: %s\nPriority: 1\nMaxRetries: 0\nWaitTime: 30\n", name, name)
}

// TestAsterisk runs calls through Debian's Asterisk 22 against the server:
// FastAGI as Asterisk speaks it, GET DATA fed by real DTMF.
func TestAsterisk(t *testing.T) {
	root := asteriskRoot(t)
	netns := newNetns(t)
	// The date of birth's sound is one Asterisk does not have: GET DATA
	// fails on it, and the flow plays beep instead.
	env := ivrtest.New(t, ivrtest.Options{Lockout: 5,
		Telephony: ivr.Telephony{AGI: &ivr.AGISettings{Prompts: map[string]string{"ref2": "custom/no-such-sound"}}}})
	log := &testkit.SyncBuffer{}
	srv := New(callflow.New(env.Service), env.Clients, observe.NewEvents(observe.New()), zerolog.New(log).Level(zerolog.DebugLevel),
		Config{DigitTimeout: 2 * time.Second, Idle: 10 * time.Second})
	ln := listenIn(t, netns)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	})
	flow := fmt.Sprintf("agi://%s/flow?cid=%d&dbid=%d&key=%s", ln.Addr(), env.CID, env.DBID, env.Key)
	lookup := fmt.Sprintf("agi://%s/lookup?cid=%d&dbid=%d&key=%s", ln.Addr(), env.CID, env.DBID, env.Key)
	calls := []asteriskCall{
		{name: "found", caller: "+447700900001", agi: flow, keys: []string{"123456#", "01021990#"}, want: "found|12.50|1250||",
			message: "Your balance is twelve pounds and fifty pence. The least you may pay is five pounds."},
		{name: "short", caller: "+447700900002", agi: flow, keys: []string{"12345#", "123456#", "01021990#"}, want: "found|12.50|1250||"},
		// Seven keys fill GET DATA's seven and leave their '#' to end the
		// next GET DATA at once; twice, then right on the third try.
		{name: "toolong", caller: "+447700900007", agi: flow, keys: []string{"1234567#", "1234567#", "123456#", "01021990#"}, want: "found|12.50|1250||"},
		{name: "star", caller: "+447700900003", agi: flow, keys: []string{"*#"}, want: "invalid_input|||missing|ref1"},
		{name: "notfound", caller: "+447700900004", agi: flow, keys: []string{"123456#", "02021990#"}, want: "not_found||||"},
		{name: "lookup", caller: "+447700900005", agi: lookup + ",ref1=123456,ref2=01021990", want: "found|12.50|1250||"},
		{name: "hangup", caller: "+447700900006", agi: flow, keys: []string{"123456#"}, hangup: true},
	}
	const lockCaller = "+447700900099"
	for i := range 6 {
		dob := "01011990#"
		if i == 5 {
			dob = "29022000#" // the right date, once locked
		}
		want := "not_found||||"
		if i == 5 {
			want = "locked||||"
		}
		calls = append(calls, asteriskCall{name: fmt.Sprintf("lock%d", i+1), caller: lockCaller, agi: flow, keys: []string{"456789#", dob}, want: want})
	}
	sip := asteriskCall{name: "sipp", caller: "+447700900077", agi: flow}
	ast := startAsterisk(t, root, netns, func(dir string) map[string]string {
		return map[string]string{"extensions.conf": dialplan(dir, env.Secret, append(calls, sip)), "pjsip.conf": pjsipConf}
	})
	check := func(c asteriskCall) {
		t.Helper()
		if c.hangup {
			got, ok := ast.result(t, c.name+".h", 30*time.Second)
			if !ok || !strings.HasPrefix(got, "||||") {
				t.Errorf("%s: the hang-up left %q (%v)", c.name, got, ok)
			}
			return
		}
		got, ok := ast.result(t, c.name, 40*time.Second)
		if !ok || got != c.want {
			t.Errorf("%s: %q (written %v), want %q", c.name, got, ok, c.want)
		}
		if c.message != "" {
			if msg, _ := ast.result(t, c.name+".message", time.Second); msg != c.message {
				t.Errorf("%s: LOOKUP_MESSAGE %q, want %q", c.name, msg, c.message)
			}
		}
	}
	var locks []asteriskCall
	for _, c := range calls {
		if strings.HasPrefix(c.name, "lock") {
			locks = append(locks, c)
			continue
		}
		ast.call(t, c.name, callFile(c.name))
	}
	// The lockout's calls one after another, while the others run.
	for _, c := range locks {
		ast.call(t, c.name, callFile(c.name))
		check(c)
	}
	for _, c := range calls {
		if !strings.HasPrefix(c.name, "lock") {
			check(c)
		}
	}
	sipp(t, ast, "sipp")
	waitSessions(t, srv, 0)
	if t.Failed() {
		t.Logf("Asterisk's log:\n%s\ntonebase's log:\n%s", ast.messages(), log)
	}
	// Asterisk logs the AGI() it runs, URL and all: the secret read with
	// GET VARIABLE is in none of those lines, nor in tonebase's log.
	if strings.Contains(log.String(), env.Secret) {
		t.Errorf("the secret reached tonebase's log")
	}
	for _, line := range strings.Split(ast.messages(), "\n") {
		if strings.Contains(line, "AGI") && strings.Contains(line, env.Secret) {
			t.Errorf("the secret is in Asterisk's log of an AGI: %s", line)
		}
	}
	if !strings.Contains(log.String(), `"sound":"custom/no-such-sound"`) {
		t.Errorf("the unplayable sound was not logged:\n%s", log)
	}
	if !strings.Contains(log.String(), `"why":"hangup"`) {
		t.Errorf("the hang-up mid-flow was not seen as one:\n%s", log)
	}
}

// pjsipConf lets SIPp in from loopback, with RFC 4733 DTMF.
const pjsipConf = `[udp]
type = transport
protocol = udp
bind = 127.0.0.1:5060

[sipp]
type = endpoint
context = tonebase
disallow = all
allow = ulaw
dtmf_mode = rfc4733
direct_media = no

[sipp-ip]
type = identify
endpoint = sipp
match = 127.0.0.1
`

// sipp places one call over SIP with SIPp, whose RTP carries the keys as
// RFC 4733 events, and checks the outcome the dialplan wrote.
func sipp(t *testing.T, ast *asterisk, name string) {
	t.Helper()
	// The caller keys a second after the answer, and the date of birth
	// a second and a half after the invoice.
	pcap := keysPcap([]string{"123456#", "01021990#"}, time.Second, 1500*time.Millisecond)
	if err := os.WriteFile(ast.path("keys.pcap"), pcap, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ast.path("sipp.xml"), []byte(sippScenario(name, ast.dir+"/keys.pcap")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ast.netns, "chroot", ast.root, "/usr/bin/sipp", "-sf", ast.dir+"/sipp.xml",
		"-m", "1", "-i", "127.0.0.1", "-p", "5070", "-mp", "6000", "-timeout", "60s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", ast.dir+"/log/sipp-errors.log", "-s", name, "127.0.0.1:5060")
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(ast.path("log/sipp-errors.log"))
		t.Errorf("SIPp: %v\n%s\n%s", err, tail(string(out), 2000), errs)
	}
	got, ok := ast.result(t, name, 10*time.Second)
	if !ok || got != "found|12.50|1250||" {
		t.Errorf("the SIP call: %q (written %v)", got, ok)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// sippScenario is a UAC that calls, sends the keys in the capture pcap
// as its RTP, and waits for Asterisk to hang up once the AGI is done.
func sippScenario(name, pcap string) string {
	return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="tonebase ` + name + `">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:+447700900077@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:+447700900077@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <nop><action><exec play_pcap_audio="` + pcap + `"/></action></nop>
  <recv request="BYE" timeout="30000"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
</scenario>
`
}
