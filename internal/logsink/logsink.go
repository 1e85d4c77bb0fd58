// Package logsink is where tonebase's log lines go: the format the reader
// wants (a person at a terminal or a log collector behind a pipe), and a
// writer for the access log that never makes a request wait for the sink.
package logsink

import (
	"fmt"
	"os"

	"github.com/mattn/go-isatty"
)

// The formats serve's --log-format takes.
const (
	Auto    = "auto"    // Console on a terminal, JSON otherwise
	JSON    = "json"    // one JSON object a line, for collectors
	Console = "console" // coloured, aligned text for a person
)

// Resolve turns a requested format into the one to write: an explicit one
// stands; Auto is Console when the log goes to a terminal and JSON when it
// goes anywhere else (a file, a pipe to journald, /dev/null).
func Resolve(requested string, terminal bool) (string, error) {
	switch requested {
	case JSON, Console:
		return requested, nil
	case Auto, "":
		if terminal {
			return Console, nil
		}
		return JSON, nil
	}
	return "", fmt.Errorf("logsink: format %q: want %s, %s or %s", requested, Auto, JSON, Console)
}

// IsTerminal reports whether f is a terminal. A character device is not
// enough: /dev/null is one too.
func IsTerminal(f *os.File) bool { return isatty.IsTerminal(f.Fd()) }
