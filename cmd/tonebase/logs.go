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
// before the oldest are dropped: about a quarter of a second of lookups
// at the most this machine class answers, some 4 MiB of lines.
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
// blocks a request (logsink.Async) and holds up to lines lines for it;
// without it access lines go to the main log.
func withAccessLog(w io.Writer, lines int) appOption {
	return func(o *appWiring) { o.access, o.accessLines = w, lines }
}

// accessLogger is the logger the request middleware writes: off, the
// main log, or an asynchronous writer of w holding up to lines lines,
// whose dropped lines are counted in reg. The writer is returned so that close can flush it.
func accessLogger(cfg serveConfig, log zerolog.Logger, w io.Writer, lines int, reg *observe.Registry) (zerolog.Logger, *logsink.Async) {
	if !cfg.AccessLog {
		return zerolog.Nop(), nil
	}
	if w == nil {
		return log, nil
	}
	dropped := reg.Counter("tonebase_log_lines_dropped_total",
		"Access-log lines dropped because the log's destination did not keep up; requests never wait for it.").With()
	async := logsink.NewAsync(w, lines, func(n int) { dropped.Add(int64(n)) })
	return zerolog.New(async).Level(log.GetLevel()).With().Timestamp().Logger(), async
}
