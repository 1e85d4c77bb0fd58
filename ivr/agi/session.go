package agi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// session is one FastAGI connection: lines in, commands out, each read
// bounded in length and in time.
type session struct {
	conn net.Conn
	r    *bufio.Reader
	idle time.Duration
	out  []byte
}

// errLineTooLong is a line past the server's bound.
var errLineTooLong = fmt.Errorf("%w: line too long", errMalformed)

func newSession(c net.Conn, maxLine int, idle time.Duration) *session {
	return &session{conn: c, r: bufio.NewReaderSize(c, maxLine+2), idle: idle}
}

// readLine reads one line, waiting at most wait for it; the newline (and
// a carriage return before it) is dropped.
func (s *session) readLine(wait time.Duration) (string, error) {
	if err := s.conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return "", err
	}
	b, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte("\r"))
	return string(b), nil
}

// readEnv reads the agi_ environment. Asterisk writes it whole at once,
// so all of it must come within the idle bound: a peer dripping a line at
// a time holds no session for long.
func (s *session) readEnv() (Env, error) {
	var b envBuilder
	deadline := time.Now().Add(s.idle)
	for {
		line, err := s.readLine(time.Until(deadline))
		if err != nil {
			return Env{}, err
		}
		done, err := b.add(line)
		if err != nil {
			return Env{}, err
		}
		if done {
			return b.env, nil
		}
	}
}

// command sends one command and reads its reply, waiting for it the idle
// bound plus extra, the time the command itself may rightly take (a GET
// DATA waiting for keys).
func (s *session) command(extra time.Duration, words ...string) (Reply, error) {
	s.out = s.out[:0]
	for i, w := range words {
		if i > 0 {
			s.out = append(s.out, ' ')
		}
		s.out = append(s.out, w...)
	}
	s.out = append(s.out, '\n')
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.idle)); err != nil {
		return Reply{}, err
	}
	if _, err := s.conn.Write(s.out); err != nil {
		return Reply{}, err
	}
	line, err := s.readLine(s.idle + extra)
	if err != nil {
		return Reply{}, err
	}
	if strings.HasPrefix(line, "520-") {
		// Usage text, ended by "520 End of proper usage.": bounded like
		// the environment.
		for range maxEnvLines {
			if line, err = s.readLine(s.idle); err != nil {
				return Reply{}, err
			}
			if strings.HasPrefix(line, "520 ") {
				break
			}
		}
	}
	return ParseReply(line)
}

// quote makes v one AGI argument: Asterisk splits a command on spaces
// outside double quotes and takes a backslash as an escape.
func quote(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// A control byte would end or break the command line; no
			// value tonebase sets holds one.
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// setVariable sets a channel variable.
func (s *session) setVariable(name, value string) error {
	r, err := s.command(0, "SET", "VARIABLE", name, quote(value))
	if err != nil {
		return err
	}
	if r.Result != "1" {
		return fmt.Errorf("agi: SET VARIABLE %s answered %s", name, r.Result)
	}
	return nil
}

// getVariable reads a channel variable; false when it is not set.
func (s *session) getVariable(name string) (string, bool, error) {
	r, err := s.command(0, "GET", "VARIABLE", name)
	if err != nil {
		return "", false, err
	}
	switch {
	case r.Result == "1" && r.HasData:
		return r.Data, true, nil
	case r.Result == "0":
		return "", false, nil
	}
	return "", false, fmt.Errorf("%w: GET VARIABLE answered %q", errMalformed, r.Result)
}

// entry is what one GET DATA gathered: the keys before the '#' that ended
// it (Asterisk keeps the '#'), and whether it ended by waiting in vain.
type entry struct {
	digits   string
	timedOut bool
}

// getData plays prompt and gathers up to maxDigits keys, waiting timeout
// for each.
func (s *session) getData(prompt string, timeout time.Duration, maxDigits int) (entry, error) {
	ms := strconv.FormatInt(timeout.Milliseconds(), 10)
	r, err := s.command(time.Duration(maxDigits+1)*timeout, "GET", "DATA", prompt, ms, strconv.Itoa(maxDigits))
	if err != nil {
		return entry{}, err
	}
	if r.Failed() {
		return entry{}, errGetData
	}
	if r.HasData && r.Data != "timeout" {
		return entry{}, fmt.Errorf("%w: GET DATA answered (%s)", errMalformed, r.Data)
	}
	return entry{digits: r.Result, timedOut: r.HasData}, nil
}

// errGetData is GET DATA's -1: the channel hung up, or the prompt is a
// sound Asterisk could not play (GET DATA gives up on its prompt).
var errGetData = errors.New("agi: GET DATA failed")

// channelUp reports whether the channel is still there.
func (s *session) channelUp() (bool, error) {
	r, err := s.command(0, "CHANNEL", "STATUS")
	if err != nil {
		return false, err
	}
	state, err := strconv.Atoi(r.Result)
	return err == nil && state >= 0, nil
}

// sayNumber says n in the channel's language. A sound Asterisk cannot
// play is not the end of the call: the variables still get set.
func (s *session) sayNumber(n int64) error {
	_, err := s.command(0, "SAY", "NUMBER", strconv.FormatInt(n, 10), `""`)
	return err
}

// sayDigits says each digit of d.
func (s *session) sayDigits(d string) error {
	_, err := s.command(0, "SAY", "DIGITS", d, `""`)
	return err
}
