package observe

import (
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/tonebase/tonebase/internal/jsonstr"
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
	b = jsonstr.Append(b, l.id)
	b = append(b, `,"method":`...)
	b = jsonstr.Append(b, l.method)
	b = append(b, `,"path":`...)
	b = jsonstr.Append(b, l.path)
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
