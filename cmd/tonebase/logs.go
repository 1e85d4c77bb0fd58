package main

import (
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/internal/logsink"
	"github.com/tonebase/tonebase/internal/observe"
)

// accessLines is how many access-log lines may wait for a slow sink
// before new ones are dropped: about a quarter of a second of lookups at
// the most this machine class answers, some 4 MiB of lines.
const accessLines = 16 << 10

// logOutput is where serve's lines go in the format asked for: console
// text on a terminal, JSON lines anywhere else, unless --log-format said.
func logOutput(format string, f *os.File) io.Writer {
	format, err := logsink.Resolve(format, logsink.IsTerminal(f))
	if err == nil && format == logsink.Console {
		return zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly}
	}
	return f
}

// appOption changes how newApp wires the app.
type appOption func(*appWiring)

type appWiring struct {
	access      io.Writer
	accessLines int
}

// withAccessLog sends the access log to w through a writer that never
// blocks a request (logsink.Lines) and holds up to lines lines for it;
// an app wired without it writes no access log.
func withAccessLog(w io.Writer, lines int) appOption {
	return func(o *appWiring) { o.access, o.accessLines = w, lines }
}

// accessLine is the size of an access line that accessLines is counted
// in: a lookup's line is some 230 bytes.
const accessLine = 256

// accessLogger is what the request middleware writes to: nothing when the
// access log is off or has no destination, else a writer of w holding up
// to lines lines, whose dropped lines are counted in reg. The writer is
// returned so that close can flush it.
func accessLogger(cfg serveConfig, log zerolog.Logger, w io.Writer, lines int, reg *observe.Registry) (observe.AccessLog, *logsink.Lines) {
	if !cfg.AccessLog || w == nil {
		return observe.AccessLog{}, nil
	}
	dropped := reg.Counter("tonebase_log_lines_dropped_total",
		"Access-log lines dropped because the log's destination did not keep up; requests never wait for it.").With()
	out := logsink.NewLines(w, lines*accessLine, func(n int) { dropped.Add(int64(n)) })
	return observe.AccessLog{Out: out, Level: log.GetLevel()}, out
}
