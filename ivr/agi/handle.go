package agi

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// The channel variables a session sets, every one of them at the end of
// every session that gets that far, so that a dialplan never reads a
// value left from an earlier AGI() on the same channel.
const (
	varStatus     = "LOOKUP_STATUS"
	varBalance    = "BALANCE"
	varMinor      = "BALANCE_MINOR"
	varMin        = "MIN_PAYMENT"
	varMax        = "MAX_PAYMENT"
	varReason     = "LOOKUP_REASON"
	varField      = "LOOKUP_FIELD"
	varRetryAfter = "LOOKUP_RETRY_AFTER"
	varMessage    = "LOOKUP_MESSAGE"
	// varSecret is where the dialplan may leave the client's API secret,
	// so that the AGI URL Asterisk logs does not hold it.
	varSecret = "TONEBASE_SECRET"
)

// defaultPrompt is played before each ref a database names no sound for.
const defaultPrompt = "beep"

// retryPrompt is said when an entry was refused, before the ref's prompt:
// Asterisk's own "Please try again." (GET DATA takes one sound, not a
// list joined by '&': Asterisk 22 answers -1 to one).
const retryPrompt = "please-try-again"

// keyingPrompt is what GET DATA plays when the caller started keying
// during retryPrompt: a second of silence, so no beep cuts into the entry.
const keyingPrompt = "silence/1"

// Reasons a session ends with status error, in LOOKUP_REASON.
const (
	reasonUnauthorized = "unauthorized"
	reasonNoDatabase   = "no_database"
	reasonBadRequest   = "bad_request"
	reasonInternal     = "internal"
	reasonNoSound      = "no_sound"
)

// serveSession reads the environment and runs the script it asks for.
func (s *Server) serveSession(ss *session) {
	env, err := ss.readEnv()
	if err != nil {
		s.dropped(err, "environment")
		return
	}
	req, err := parseRequest(&env)
	switch {
	case errors.Is(err, errBadRequest):
		s.finish(ss, outcome{status: "error", reason: reasonBadRequest})
		return
	case err != nil:
		s.dropped(err, "request")
		return
	}
	start := time.Now()
	cid, err := s.authenticate(ss, &req)
	if err != nil {
		if !errors.Is(err, errUnauthorized) {
			s.dropped(err, "secret")
			return
		}
		s.metrics.PlatformLookup(Platform, "error", 0)
		s.finish(ss, outcome{status: "error", reason: reasonUnauthorized})
		return
	}
	if cid != req.cid {
		// Another client's database answers as a missing one: nothing
		// says which databases exist.
		s.metrics.PlatformLookup(Platform, "error", 0)
		s.finish(ss, outcome{status: "error", reason: reasonNoDatabase})
		return
	}
	var turn callflow.Turn
	if req.script == scriptLookup {
		turn, err = s.flow.Complete(req.cid, req.dbid, req.ref, env.Caller())
	} else {
		turn, err = s.runFlow(ss, &req, env.Caller())
	}
	if err != nil {
		if isGone(err) {
			s.dropped(err, "call")
			return
		}
		reason := reasonInternal
		switch {
		case errors.Is(err, errNoSound):
			reason = reasonNoSound
			s.log.Error().Int64("cid", req.cid).Int64("dbid", req.dbid).Msg("agi call failed: Asterisk cannot play beep; install its core sounds")
		case errors.Is(err, ivr.ErrNoDatabase):
			reason = reasonNoDatabase
		case errors.Is(err, ivr.ErrInvalid):
			reason = reasonBadRequest
		default:
			s.log.Error().Err(err).Int64("cid", req.cid).Int64("dbid", req.dbid).Msg("agi call failed")
		}
		s.metrics.PlatformLookup(Platform, "error", 0)
		s.finish(ss, outcome{status: "error", reason: reason})
		return
	}
	s.metrics.PlatformLookup(Platform, turn.Status, time.Since(start))
	if req.script == scriptFlow {
		if err := s.sayAmounts(ss, &turn); err != nil {
			s.dropped(err, "call")
			return
		}
	}
	s.finish(ss, outcomeOf(&turn))
}

// errUnauthorized is credentials the registry refused.
var errUnauthorized = errors.New("agi: unauthorized")

// authenticate checks the key and the secret: the URL's, or the
// TONEBASE_SECRET channel variable's.
func (s *Server) authenticate(ss *session, req *request) (int64, error) {
	secret := req.secret
	req.secret = ""
	if secret == "" {
		v, ok, err := ss.getVariable(varSecret)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, errUnauthorized
		}
		secret = v
	}
	if req.key == "" || secret == "" {
		return 0, errUnauthorized
	}
	cid, err := s.clients.Authenticate([]byte(req.key), []byte(secret))
	if err != nil {
		return 0, errUnauthorized
	}
	return cid, nil
}

// runFlow asks for each ref with GET DATA until the flow ends the call.
func (s *Server) runFlow(ss *session, req *request, caller string) (callflow.Turn, error) {
	turn, err := s.flow.Start(req.cid, req.dbid)
	// stray is true while a '#' of the last entry may still be on its way:
	// an entry too long to end with its '#' leaves the '#' to end whatever
	// listens next, which is not the caller's next try.
	stray := false
	for err == nil && turn.Kind == callflow.Ask {
		prompt := defaultPrompt
		if p := turn.Script.AGI; p != nil && p.Prompts[string(turn.Ref.IVRField)] != "" {
			prompt = p.Prompts[string(turn.Ref.IVRField)]
		}
		// One key more than the ref takes, so the caller's '#' is
		// consumed here rather than ending the next prompt empty.
		maxDigits := turn.Ref.MaxDTMF + 1
		first := ""            // a key that stopped "please try again"
		if len(turn.Say) > 0 { // the flow refused the last entry
			k, rerr := s.retry(ss)
			if rerr != nil {
				return callflow.Turn{}, rerr
			}
			if k == "#" && stray {
				k, stray = "", false
			}
			first = k
		}
		var e entry
		var gerr error
		switch first {
		case "#": // a '#' alone: an empty entry
		case "":
			e, gerr = s.gather(ss, prompt, maxDigits)
			if gerr == nil && stray && e.digits == "" && !e.timedOut {
				e, gerr = s.gather(ss, prompt, maxDigits)
			}
		default:
			// The caller is keying already: the rest of the entry, after
			// a second of silence rather than the prompt.
			e, gerr = s.gather(ss, keyingPrompt, maxDigits-1)
			e.digits = first + e.digits
		}
		if gerr != nil {
			return callflow.Turn{}, gerr
		}
		stray = len(e.digits) >= maxDigits
		turn, err = s.flow.Step(req.cid, req.dbid, turn.State, callflow.Input{Digits: e.digits, Present: e.digits != "", Caller: caller})
	}
	return turn, err
}

// retry plays retryPrompt, which any key stops; it returns that key, if
// one was pressed. A sound Asterisk cannot play is skipped.
func (s *Server) retry(ss *session) (string, error) {
	r, err := ss.command(0, "STREAM", "FILE", retryPrompt, `"0123456789*#"`)
	if err != nil {
		return "", err
	}
	if r.Failed() {
		if up, err := ss.channelUp(); err != nil || !up {
			return "", errHangup
		}
		return "", nil
	}
	code, err := strconv.Atoi(r.Result)
	if err != nil || code < 0 || code > 127 {
		return "", fmt.Errorf("%w: STREAM FILE answered %q", errMalformed, r.Result)
	}
	if code == 0 {
		return "", nil
	}
	if k := rune(code); strings.ContainsRune("0123456789*#", k) {
		return string(k), nil
	}
	return "", fmt.Errorf("%w: STREAM FILE stopped by %d", errMalformed, code)
}

// errNoSound is a call whose prompts Asterisk cannot play, beep included:
// its sounds are not installed.
var errNoSound = errors.New("agi: Asterisk cannot play the prompt, nor beep")

// gather runs one GET DATA. Its -1 is a hang-up or a prompt Asterisk could
// not play; a channel still up means the latter, and the database's sound
// (a name the admin may have mistyped) gives way to beep rather than end
// every call.
func (s *Server) gather(ss *session, prompt string, maxDigits int) (entry, error) {
	for {
		e, err := ss.getData(prompt, s.cfg.DigitTimeout, maxDigits)
		if !errors.Is(err, errGetData) {
			return e, err
		}
		up, err := ss.channelUp()
		switch {
		case err != nil:
			return entry{}, err
		case !up:
			return entry{}, errHangup
		case prompt == defaultPrompt:
			return entry{}, errNoSound
		}
		s.log.Warn().Str("sound", prompt).Msg("agi prompt not playable; playing beep instead")
		prompt = defaultPrompt
	}
}

// sayAmounts reads the amounts the outcome tells, each as its whole units
// (SAY NUMBER) and, when there are any, its two minor digits (SAY DIGITS).
func (s *Server) sayAmounts(ss *session, t *callflow.Turn) error {
	for _, minor := range callflow.AmountsSaid(t) {
		if err := ss.sayNumber(minor / 100); err != nil {
			return err
		}
		if cents := minor % 100; cents != 0 {
			if err := ss.sayDigits(strconv.FormatInt(100+cents, 10)[1:]); err != nil {
				return err
			}
		}
	}
	return nil
}

// outcome is what the variables say at the end.
type outcome struct {
	status, reason, field, message string
	balance, min, max              *int64
	retryAfter                     int
}

func outcomeOf(t *callflow.Turn) outcome {
	o := outcome{status: t.Status, reason: t.Result.Reason}
	if in := t.Input; in != nil {
		o.field, o.reason = in.Field, in.Reason
	}
	if t.Status == ivr.StatusLocked {
		o.retryAfter = t.Result.RetrySeconds()
	}
	if rec := &t.Result.Record; rec.Found() {
		if a, ok := rec.Amounts(); ok {
			o.balance, o.min, o.max = &a.Balance, &a.MinPayment, &a.MaxPayment
		}
	}
	say := t.Say
	if len(say) > 0 {
		say = say[:len(say)-1] // the goodbye is the dialplan's to say
	}
	o.message = strings.Join(say, " ")
	return o
}

// finish sets every variable and ends the session; Asterisk's dialplan
// goes on once the connection closes.
func (s *Server) finish(ss *session, o outcome) {
	amount := func(p *int64) string {
		if p == nil {
			return ""
		}
		return money.FormatMinor(*p)
	}
	minor := ""
	if o.balance != nil {
		minor = strconv.FormatInt(*o.balance, 10)
	}
	retry := ""
	if o.retryAfter > 0 {
		retry = strconv.Itoa(o.retryAfter)
	}
	for _, v := range [][2]string{
		{varStatus, o.status}, {varBalance, amount(o.balance)}, {varMinor, minor},
		{varMin, amount(o.min)}, {varMax, amount(o.max)}, {varReason, o.reason}, {varField, o.field},
		{varRetryAfter, retry}, {varMessage, o.message},
	} {
		if err := ss.setVariable(v[0], v[1]); err != nil {
			s.dropped(err, "variables")
			return
		}
	}
}

// isGone reports an error that is the call's or the connection's end, not
// tonebase's failure.
func isGone(err error) bool {
	var ne net.Error
	return errors.Is(err, errHangup) || errors.Is(err, errMalformed) || errors.Is(err, errRefused) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &ne)
}

// dropped logs a session that ended before its variables were set. The
// error names no request bytes: the URL holds the secret.
func (s *Server) dropped(err error, stage string) {
	ev := s.log.Info()
	switch {
	case errors.Is(err, errHangup), errors.Is(err, io.EOF):
		ev = s.log.Debug()
	case errors.Is(err, errMalformed), errors.Is(err, errRefused), errors.Is(err, os.ErrDeadlineExceeded):
		ev = s.log.Warn()
	}
	ev.Str("stage", stage).Str("why", dropReason(err)).Msg("agi session dropped")
}

// dropReason names why a session was dropped without the error's text,
// which for a read may quote what was read.
func dropReason(err error) string {
	switch {
	case errors.Is(err, errHangup):
		return "hangup"
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "silent"
	case errors.Is(err, errLineTooLong):
		return "line_too_long"
	case errors.Is(err, errMalformed):
		return "malformed"
	case errors.Is(err, errRefused):
		return "command_refused"
	}
	return "io"
}
