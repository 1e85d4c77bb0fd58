package agi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Reply is Asterisk's answer to one command: "200 result=R", optionally
// followed by " (data)" and by " endpos=N".
type Reply struct {
	Code    int
	Result  string
	Data    string // inside the parentheses: a variable's value, "timeout"
	HasData bool
	EndPos  int64 // STREAM FILE and the like; -1 when not sent
}

// Failed reports the -1 result Asterisk answers a command with when the
// channel hung up or the command could not run.
func (r Reply) Failed() bool { return r.Result == "-1" }

// Errors a reply can carry instead of a result.
var (
	// errHangup: the channel hung up (Asterisk sent HANGUP, or 511).
	errHangup = errors.New("agi: the channel hung up")
	// errRefused: Asterisk refused the command (510 or 520): a bug here.
	errRefused = errors.New("agi: Asterisk refused the command")
)

// ParseReply reads one reply line, without its newline. A 5xx line is
// returned as its error; 520's usage text is read by the session and
// handed here as its last line.
func ParseReply(line string) (Reply, error) {
	if line == "HANGUP" {
		return Reply{}, errHangup
	}
	if len(line) < 3 {
		return Reply{}, fmt.Errorf("%w: short reply", errMalformed)
	}
	code, err := strconv.Atoi(line[:3])
	if err != nil || line[0] < '1' || line[0] > '5' {
		return Reply{}, fmt.Errorf("%w: reply without a status code", errMalformed)
	}
	rest := line[3:]
	switch code {
	case 200:
	case 511:
		return Reply{Code: code}, errHangup
	case 510, 520:
		return Reply{Code: code}, fmt.Errorf("%w (%d)", errRefused, code)
	default:
		return Reply{}, fmt.Errorf("%w: status %d", errMalformed, code)
	}
	rest, ok := strings.CutPrefix(rest, " result=")
	if !ok {
		return Reply{}, fmt.Errorf("%w: 200 without result=", errMalformed)
	}
	r := Reply{Code: code, EndPos: -1}
	r.Result, rest, _ = strings.Cut(rest, " ")
	if !validResult(r.Result) {
		return Reply{}, fmt.Errorf("%w: result %q", errMalformed, r.Result)
	}
	if strings.HasPrefix(rest, "(") {
		// The data is a variable's value and may hold anything, ") " and
		// "endpos=" included: it ends at the last ')' on the line, after
		// which only " endpos=N" may follow.
		end := strings.LastIndexByte(rest, ')')
		if end < 0 {
			return Reply{}, fmt.Errorf("%w: unclosed data", errMalformed)
		}
		r.Data, r.HasData, rest = rest[1:end], true, rest[end+1:]
		rest = strings.TrimPrefix(rest, " ")
	}
	if rest != "" {
		pos, ok := strings.CutPrefix(rest, "endpos=")
		n, err := strconv.ParseInt(pos, 10, 64)
		if !ok || err != nil || n < 0 || strconv.FormatInt(n, 10) != pos {
			return Reply{}, fmt.Errorf("%w: trailing %q", errMalformed, rest)
		}
		r.EndPos = n
	}
	return r, nil
}

// validResult: a number (-1, 0, 1, a digit's code) or what GET DATA
// keyed: digits, '*' and '#' only; nothing else is ever a result.
func validResult(s string) bool {
	if s == "-1" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '*' || c == '#' || c >= 'A' && c <= 'D') {
			return false
		}
	}
	return true
}
