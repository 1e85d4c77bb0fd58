package agi

import (
	"errors"
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
	var took time.Duration // the lookup's own time, not the caller's keying
	if req.script == scriptLookup {
		start := time.Now()
		turn, err = s.flow.Complete(req.cid, req.dbid, req.ref, env.Caller())
		took = time.Since(start)
	} else {
		turn, took, err = s.runFlow(ss, &req, env.Caller())
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
	s.metrics.PlatformLookup(Platform, turn.Status, took)
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
