package twilio

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

const token = "0123456789abcdef0123456789abcdef"

// call is a test Twilio: it posts to the webhook as Twilio does, signed
// by Twilio's own library, and follows each Gather's action.
type call struct {
	t      *testing.T
	p      *peer
	base   string // http://127.0.0.1:port
	path   string // the webhook, then each action
	token  string
	sid    string
	from   string
	events *observe.Events
	h      *Handlers
}

type server struct {
	env    *ivrtest.Env
	base   string
	events *observe.Events
	h      *Handlers
}

func startServer(t *testing.T, o ivrtest.Options) *server {
	t.Helper()
	return startWith(t, o, nil)
}

// startWith is startServer with payments posted to p.
func startWith(t *testing.T, o ivrtest.Options, p Payments) *server {
	t.Helper()
	env := ivrtest.New(t, o)
	if _, err := env.Clients.SetTwilioToken(env.CID, token); err != nil {
		t.Fatal(err)
	}
	events := observe.NewEvents(observe.New())
	h, err := NewHandlers(callflow.New(env.Service), env.Clients, p, events, zerolog.Nop(), []byte("server secret"))
	if err != nil {
		t.Fatal(err)
	}
	r := router.New()
	r.POST("/twilio/v1/{cid}/{dbid}/voice", h.Voice)
	return &server{env: env, base: ivrtest.Serve(t, r.Handler), events: events, h: h}
}

func (s *server) call(t *testing.T, cid, dbid int64, sid string) *call {
	return &call{t: t, p: twilioPeer(t), base: s.base, path: webhook(cid, dbid), token: token, sid: sid,
		from: "+447700900123", events: s.events, h: s.h}
}

func webhook(cid, dbid int64) string {
	return "/twilio/v1/" + strconv.FormatInt(cid, 10) + "/" + strconv.FormatInt(dbid, 10) + "/voice"
}

// post sends one webhook request with these parameters (CallSid and From
// added), signed as Twilio signs it unless sig is given.
func (c *call) post(path string, params map[string]string, sig *string) (int, string) {
	c.t.Helper()
	all := map[string]string{"CallSid": c.sid, "From": c.from, "To": "+441234567890", "AccountSid": "AC1"}
	for k, v := range params {
		all[k] = v
	}
	form := url.Values{}
	for k, v := range all {
		form.Set(k, v)
	}
	s := c.p.sign(c.t, c.token, c.base+path, all)
	if sig != nil {
		s = *sig
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.base + path)
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", s)
	req.SetBodyString(form.Encode())
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode(), string(resp.Body())
}

// step posts the digits (nil for Twilio's empty result) to the current
// action and returns the TwiML, following the next Gather's action.
func (c *call) step(digits *string) string {
	c.t.Helper()
	params := map[string]string{}
	if digits != nil {
		params["Digits"] = *digits
	}
	status, body := c.post(c.path, params, nil)
	if status != 200 {
		c.t.Fatalf("webhook answered %d: %s", status, body)
	}
	c.follow(body)
	return body
}

// follow makes the next request go to the action of the answer's Gather
// or Pay, if it has one.
func (c *call) follow(body string) {
	for _, n := range parseXML(c.t, body).Children {
		if n.Name != "Gather" && n.Name != "Pay" {
			continue
		}
		for _, a := range n.Attrs {
			if v, ok := strings.CutPrefix(a, "action="); ok {
				c.path = v
			}
		}
	}
}

func keys(s string) *string { return &s }

// gatherWant is what Twilio's builder makes of an asking turn.
func gatherWant(c *call, action string, numDigits int, says ...string) string {
	var ss []map[string]any
	for _, s := range says {
		ss = append(ss, map[string]any{"language": "en-GB", "text": s})
	}
	return c.p.twiml(c.t, []map[string]any{{"gather": map[string]any{"input": "dtmf", "finishOnKey": "#",
		"numDigits": numDigits, "timeout": GatherTimeout, "actionOnEmptyResult": true, "method": "POST", "action": action},
		"says": ss}})
}

func endWant(c *call, says ...string) string {
	var verbs []map[string]any
	for _, s := range says {
		verbs = append(verbs, map[string]any{"say": map[string]any{"language": "en-GB", "text": s}})
	}
	return c.p.twiml(c.t, append(verbs, map[string]any{"hangup": true}))
}

const (
	askInvoice = "Please enter your 6 digit invoice number, then press hash."
	askDOB     = "Please enter your date of birth as 8 digits, day, month and year, then press hash."
	goodbye    = "Thank you for calling. Goodbye."
)

func TestCallFoundAfterAShortEntry(t *testing.T) {
	s := startServer(t, ivrtest.Options{})
	c := s.call(t, s.env.CID, s.env.DBID, "CA0001")
	got := c.step(nil)
	sameTwiML(t, got, gatherWant(c, c.path, 7, askInvoice))
	got = c.step(keys("12345"))
	sameTwiML(t, got, gatherWant(c, c.path, 7, "That was 5 digits; your invoice number has 6.", askInvoice))
	got = c.step(keys("123456"))
	sameTwiML(t, got, gatherWant(c, c.path, 9, askDOB))
	if strings.Contains(c.path, "123456") {
		t.Fatalf("the keyed invoice number is in the action URL: %s", c.path)
	}
	got = c.step(keys("01021990"))
	sameTwiML(t, got, endWant(c, "Your balance is twelve pounds and fifty pence.", "The least you may pay is five pounds.", goodbye))
	if n := s.events.Lookups(ivr.StatusFound); n != 1 {
		t.Fatalf("found lookups counted: %d", n)
	}
}

func TestCallEndings(t *testing.T) {
	tests := []struct {
		name  string
		keyed []*string
		says  []string
	}{
		{"three refusals hang up", []*string{keys("*"), nil, keys("1234567")},
			[]string{"That was 7 digits; your invoice number has 6.", "Sorry, we could not take your details.", goodbye}},
		{"not found", []*string{keys("123456"), keys("02021990")},
			[]string{"We could not find an account with those details.", goodbye}},
		{"nothing owed", []*string{keys("234567"), keys("15081985")},
			[]string{"There is nothing to pay on this account.", goodbye}},
	}
	s := startServer(t, ivrtest.Options{})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.call(t, s.env.CID, s.env.DBID, "CA1"+strconv.Itoa(i))
			c.step(nil)
			var got string
			for _, k := range tc.keyed {
				got = c.step(k)
			}
			sameTwiML(t, got, endWant(c, tc.says...))
		})
	}
}

func TestCallLockedAfterFiveMisses(t *testing.T) {
	s := startServer(t, ivrtest.Options{})
	var got string
	for i := range 6 {
		c := s.call(t, s.env.CID, s.env.DBID, "CA2"+strconv.Itoa(i))
		c.step(nil)
		c.step(keys("123456"))
		got = c.step(keys("02021990"))
	}
	c := s.call(t, s.env.CID, s.env.DBID, "CA2x")
	sameTwiML(t, got, endWant(c, "There have been too many attempts. Please try again later.", goodbye))
}

func TestCallRedirectsToTheMerchant(t *testing.T) {
	s := startServer(t, ivrtest.Options{Telephony: ivr.Telephony{Twilio: &ivr.TwilioSettings{RedirectURL: "https://pay.example.com/step?merchant=7"}}})
	c := s.call(t, s.env.CID, s.env.DBID, "CA3")
	c.step(nil)
	c.step(keys("123456#"))
	got := c.step(keys("01021990"))
	root := parseXML(t, got)
	last := root.Children[len(root.Children)-1]
	if last.Name != "Redirect" {
		t.Fatalf("the call does not end in a redirect: %s", got)
	}
	sameTwiML(t, got, c.p.twiml(t, []map[string]any{
		{"say": map[string]any{"language": "en-GB", "text": "Your balance is twelve pounds and fifty pence."}},
		{"say": map[string]any{"language": "en-GB", "text": "The least you may pay is five pounds."}},
		{"redirect": map[string]any{"method": "POST", "url": last.Text}},
	}))
	u, err := url.Parse(last.Text)
	if err != nil || u.Host != "pay.example.com" || u.Path != "/step" {
		t.Fatalf("redirect to %q", last.Text)
	}
	q := u.Query()
	want := map[string]string{"merchant": "7", "tonebase_status": "found", "tonebase_balance": "12.50", "tonebase_balance_minor": "1250",
		"tonebase_min_payment": "5.00", "tonebase_min_payment_minor": "500", "tonebase_max_payment": "12.50", "tonebase_currency": "GBP"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Get("tonebase_signature") != OutcomeSignature(token, "CA3", q) {
		t.Fatal("the outcome's signature does not verify")
	}
	q.Set("tonebase_balance_minor", "125000")
	if q.Get("tonebase_signature") == OutcomeSignature(token, "CA3", q) {
		t.Fatal("a changed amount keeps its signature")
	}
	if q.Get("tonebase_signature") == OutcomeSignature(token, "CA4", u.Query()) {
		t.Fatal("the signature holds for another call")
	}
}

func TestWebhookRefusesWhatTwilioDidNotSign(t *testing.T) {
	s := startServer(t, ivrtest.Options{})
	otherCID, otherDB, _, _ := s.env.Other(t)
	if _, err := s.env.Clients.SetTwilioToken(otherCID, "the-other-clients-token"); err != nil {
		t.Fatal(err)
	}
	c := s.call(t, s.env.CID, s.env.DBID, "CA5")
	c.step(nil) // a signed first step works
	empty, wrong := "", c.p.sign(t, "another token", s.base+c.path, map[string]string{})
	cases := []struct {
		name   string
		do     func() (int, string)
		status int
	}{
		{"no signature", func() (int, string) { return c.post(c.path, nil, &empty) }, 403},
		{"signed with another token", func() (int, string) { return c.post(c.path, nil, &wrong) }, 403},
		{"URL changed after signing", func() (int, string) {
			sig := c.p.sign(t, token, s.base+c.path, map[string]string{"CallSid": c.sid, "From": c.from, "To": "+441234567890", "AccountSid": "AC1"})
			return c.post(c.path+"&x=1", nil, &sig)
		}, 403},
		{"a parameter changed after signing", func() (int, string) {
			sig := c.p.sign(t, token, s.base+c.path, map[string]string{"CallSid": c.sid, "From": c.from, "To": "+441234567890", "AccountSid": "AC1", "Digits": "123456"})
			return c.post(c.path, map[string]string{"Digits": "123457"}, &sig)
		}, 403},
		{"this client's signature on another client's webhook", func() (int, string) {
			return c.post(webhook(otherCID, otherDB), nil, nil)
		}, 403},
		{"a client without a token", func() (int, string) {
			cl, _, err := s.env.Clients.Create("No Twilio", 0)
			if err != nil {
				t.Fatal(err)
			}
			return c.post(webhook(cl.CID, 1), nil, nil)
		}, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.do()
			if status != tc.status {
				t.Fatalf("answered %d, want %d: %s", status, tc.status, body)
			}
			if strings.Contains(body, "<Response>") {
				t.Fatalf("a refused request ran the flow: %s", body)
			}
		})
	}
}

func TestStateOpensOnlyForItsCall(t *testing.T) {
	s := startServer(t, ivrtest.Options{})
	c := s.call(t, s.env.CID, s.env.DBID, "CA6")
	c.step(nil)
	c.step(keys("123456")) // the state now holds a keyed invoice
	action := c.path

	// The same state under another CallSid, properly signed: the flow
	// starts again; nothing keyed in the first call is used.
	other := s.call(t, s.env.CID, s.env.DBID, "CA7")
	other.path = action
	got := other.step(keys("01021990"))
	sameTwiML(t, got, gatherWant(other, other.path, 7, askInvoice))

	// Another client's webhook, signed with that client's own token, given
	// this call's state: it reaches nothing of this client.
	otherCID, otherDB, _, _ := s.env.Other(t)
	if _, err := s.env.Clients.SetTwilioToken(otherCID, "tok2"); err != nil {
		t.Fatal(err)
	}
	foreign := s.call(t, otherCID, otherDB, "CA6")
	foreign.token = "tok2"
	_, q, _ := strings.Cut(action, "?")
	foreign.path = webhook(otherCID, otherDB) + "?" + q
	got = foreign.step(keys("01021990"))
	sameTwiML(t, got, gatherWant(foreign, foreign.path, 7, askInvoice))

	// Past 15 minutes the state has expired.
	c.h.now = func() time.Time { return time.Now().Add(StateTTL + time.Minute) }
	defer func() { c.h.now = time.Now }()
	got = c.step(keys("01021990"))
	sameTwiML(t, got, gatherWant(c, c.path, 7, askInvoice))
}
