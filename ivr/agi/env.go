package agi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxEnvLines bounds the environment Asterisk sends before the first
// command: about twenty agi_ variables and one per AGI() argument, which
// the dialplan caps at 127.
const maxEnvLines = 200

// errMalformed is a session that does not speak AGI.
var errMalformed = errors.New("agi: malformed session")

// Env is the agi_ environment a session opens with.
type Env struct {
	vars map[string]string
	// Args are agi_arg_1, agi_arg_2, … in order.
	Args []string
}

// Get returns agi_name's value.
func (e *Env) Get(name string) (string, bool) {
	v, ok := e.vars[name]
	return v, ok
}

// Caller is the caller's number, "" when Asterisk has none (it sends
// "unknown").
func (e *Env) Caller() string {
	v := e.vars["callerid"]
	if v == "unknown" {
		return ""
	}
	return v
}

// parseEnvLine reads one "agi_name: value" line, without its newline.
func parseEnvLine(line string) (name, value string, err error) {
	rest, ok := strings.CutPrefix(line, "agi_")
	if !ok {
		return "", "", fmt.Errorf("%w: environment line without agi_", errMalformed)
	}
	name, value, ok = strings.Cut(rest, ": ")
	if !ok {
		// An empty value is sent as "agi_name: " and reaches us whole; a
		// line with no ": " at all is not Asterisk's.
		if n, found := strings.CutSuffix(rest, ":"); found {
			name, value, ok = n, "", true
		}
	}
	if !ok || name == "" {
		return "", "", fmt.Errorf("%w: environment line without a name and value", errMalformed)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return "", "", fmt.Errorf("%w: environment name with %q", errMalformed, c)
		}
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", "", fmt.Errorf("%w: control byte in an environment value", errMalformed)
	}
	return name, value, nil
}

// envBuilder collects environment lines until the blank line that ends
// them.
type envBuilder struct {
	env   Env
	lines int
}

// add takes one line; done is true at the blank line.
func (b *envBuilder) add(line string) (done bool, err error) {
	if line == "" {
		if b.lines == 0 {
			return false, fmt.Errorf("%w: empty environment", errMalformed)
		}
		return true, b.args()
	}
	if b.lines++; b.lines > maxEnvLines {
		return false, fmt.Errorf("%w: more than %d environment lines", errMalformed, maxEnvLines)
	}
	name, value, err := parseEnvLine(line)
	if err != nil {
		return false, err
	}
	if b.env.vars == nil {
		b.env.vars = map[string]string{}
	}
	if _, dup := b.env.vars[name]; dup {
		return false, fmt.Errorf("%w: agi_%s sent twice", errMalformed, name)
	}
	b.env.vars[name] = value
	return false, nil
}

// args orders agi_arg_N, which must run from 1 without a gap.
func (b *envBuilder) args() error {
	n := 0
	for name := range b.env.vars {
		if rest, ok := strings.CutPrefix(name, "arg_"); ok {
			i, err := strconv.Atoi(rest)
			if err != nil || i < 1 || strconv.Itoa(i) != rest {
				return fmt.Errorf("%w: argument variable agi_%s", errMalformed, name)
			}
			n++
		}
	}
	b.env.Args = make([]string, n)
	for i := range n {
		v, ok := b.env.vars["arg_"+strconv.Itoa(i+1)]
		if !ok {
			return fmt.Errorf("%w: agi_arg_%d missing", errMalformed, i+1)
		}
		b.env.Args[i] = v
	}
	if _, ok := b.env.vars["request"]; !ok {
		return fmt.Errorf("%w: no agi_request", errMalformed)
	}
	return nil
}

// ParseEnv reads a whole environment, as lines without their newlines,
// the last being the blank one.
func ParseEnv(lines []string) (Env, error) {
	var b envBuilder
	for i, l := range lines {
		done, err := b.add(l)
		if err != nil {
			return Env{}, err
		}
		if done {
			if i != len(lines)-1 {
				return Env{}, fmt.Errorf("%w: lines after the environment", errMalformed)
			}
			return b.env, nil
		}
	}
	return Env{}, fmt.Errorf("%w: environment without its blank line", errMalformed)
}
