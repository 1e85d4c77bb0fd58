package agi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/ivr/callflow"
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

// runFlow asks for each ref with GET DATA until the flow ends the call. took
// is how long the flow's last step, the one that looked the caller up,
// took: what the lookups' latency counts.
func (s *Server) runFlow(ss *session, req *request, caller string) (turn callflow.Turn, took time.Duration, err error) {
	turn, err = s.flow.Start(req.cid, req.dbid)
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
				return callflow.Turn{}, 0, rerr
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
			return callflow.Turn{}, 0, gerr
		}
		stray = len(e.digits) >= maxDigits
		start := time.Now()
		turn, err = s.flow.Step(req.cid, req.dbid, turn.State, callflow.Input{Digits: e.digits, Present: e.digits != "", Caller: caller})
		took = time.Since(start)
	}
	return turn, took, err
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
