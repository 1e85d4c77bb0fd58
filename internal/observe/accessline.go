package observe

import (
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// AccessLog is where the middleware writes: one JSON line a request to
// Out, or, when Level is above info, only the lines of requests answered
// 5xx. A nil Out turns the access log off. Out gets each line whole in one
// Write, so a writer that queues lines (logsink.Lines) never tears one.
type AccessLog struct {
	Out   io.Writer
	Level zerolog.Level
}

// The line carries the fields zerolog would give it, in the same order
// and encoding (duration in milliseconds, a fraction; time as RFC 3339),
// so collectors read the access log and the server log alike. It is built
// by hand because the access log is on every request's path: a line costs
// a few hundred nanoseconds and no allocation, where a zerolog event and
// the net.IP's String cost several times that.
type accessLine struct {
	id, method, path []byte
	route            []byte // the route's name, already a JSON string
	status           int
	took             time.Duration
	remote           net.IP
}

// stamps formats the time of a line once a second: every line of one
// second carries the same text.
type stamps struct{ now atomic.Pointer[stamp] }

type stamp struct {
	sec  int64
	text []byte
}

func (s *stamps) at(t time.Time) []byte {
	sec := t.Unix()
	if p := s.now.Load(); p != nil && p.sec == sec {
		return p.text
	}
	p := &stamp{sec: sec, text: t.Truncate(time.Second).AppendFormat(nil, zerolog.TimeFieldFormat)}
	s.now.Store(p)
	return p.text
}

func (l *accessLine) append(b []byte, at []byte) []byte {
	b = append(b, `{"level":"`...)
	if l.status >= 500 {
		b = append(b, "error"...)
	} else {
		b = append(b, "info"...)
	}
	b = append(b, `","request_id":`...)
	b = appendString(b, l.id)
	b = append(b, `,"method":`...)
	b = appendString(b, l.method)
	b = append(b, `,"path":`...)
	b = appendString(b, l.path)
	b = append(b, `,"route":`...)
	b = append(b, l.route...)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendFloat(b, float64(l.took)/float64(time.Millisecond), 'f', -1, 64)
	b = append(b, `,"remote":"`...)
	if ip, ok := netip.AddrFromSlice(l.remote); ok {
		b = ip.Unmap().AppendTo(b)
	}
	b = append(b, `","time":"`...)
	b = append(b, at...)
	return append(b, "\",\"message\":\"request\"}\n"...)
}

// appendString appends s as a JSON string. Bytes that are not UTF-8 become
// U+FFFD, so every line is valid JSON whatever a client put in its path.
func appendString(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
		default:
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
		}
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
