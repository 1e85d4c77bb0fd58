package observe

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// ServerLogger is the logger to give fasthttp.Server. fasthttp's
// connection-error lines quote what it could not parse: a request line
// with a lookup's invoice, date of birth and caller id, an Authorization
// header, an upload's Hash, bytes past a Content-Length (a card number,
// say). No log line may carry request bytes, so this keeps only the
// message's fixed words, the connection's addresses and the kind of error,
// never an argument's text.
type ServerLogger struct{ Log zerolog.Logger }

// Printf logs fasthttp's message. The format is fasthttp's own constant
// text; every argument but an address is replaced by its kind.
func (s ServerLogger) Printf(format string, args ...any) {
	ev := s.Log.Warn()
	var addrs []string
	kinds := make([]string, 0, len(args))
	for _, a := range args {
		switch v := a.(type) {
		case net.Addr:
			addrs = append(addrs, v.String())
		case error:
			kinds = append(kinds, errorKind(v))
		default:
			kinds = append(kinds, fmt.Sprintf("%T", a))
		}
	}
	if len(addrs) > 0 {
		ev = ev.Strs("addrs", addrs)
	}
	ev.Strs("error_kinds", kinds).Msg(fixedWords(format))
}

// fixedWords is the format without its verbs, so "error when serving
// connection %q<->%q: %v" logs as "error when serving connection".
func fixedWords(format string) string {
	if i := strings.IndexByte(format, '%'); i >= 0 {
		format = format[:i]
	}
	return strings.TrimRight(strings.TrimSpace(format), ":")
}

// errorKind names an error without its text, which fasthttp builds from
// the request's bytes.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "cut_off"
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return "body_too_large"
	case errors.As(err, new(*fasthttp.ErrSmallBuffer)):
		return "headers_too_large"
	}
	return "malformed (" + fmt.Sprintf("%T", err) + ")"
}
