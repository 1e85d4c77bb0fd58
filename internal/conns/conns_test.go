package conns

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/observe"
)

// expiries reports a Sweeper's counts by state, for failure messages.
func expiries(c *observe.CounterVec) string {
	return fmt.Sprintf("new %d, active %d, idle %d", c.Value("new"), c.Value("active"), c.Value("idle"))
}

const limit = 200 * time.Millisecond

// start serves a handler that sleeps for ?sleep= behind a Sweeper with
// every limit at 200 ms.
func start(t *testing.T) (string, *observe.CounterVec) {
	t.Helper()
	expired := observe.New().Counter("expired", "Expired connections.", "state")
	s := New(Limits{Busy: limit, Idle: limit}, expired)
	go s.Run()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{ConnState: s.ConnState, Handler: func(ctx *fasthttp.RequestCtx) {
		if d, err := time.ParseDuration(string(ctx.QueryArgs().Peek("sleep"))); err == nil {
			time.Sleep(d)
		}
		ctx.SetBodyString("ok")
	}}
	go srv.Serve(s.Listener(ln)) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = srv.Shutdown(); s.Close() })
	return ln.Addr().String(), expired
}

// dial connects to addr for the rest of the test.
func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// request sends one request on c and reads its answer's status line and
// headers; false if the connection ended first.
func request(t *testing.T, c net.Conn, r *bufio.Reader, query string) bool {
	t.Helper()
	if _, err := io.WriteString(c, "GET /?"+query+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return false
	}
	var resp fasthttp.Response
	return resp.Read(r) == nil && resp.StatusCode() == 200
}

// closedAfter waits for the server to end c and returns how long that took.
func closedAfter(t *testing.T, c net.Conn, r *bufio.Reader, from time.Time) time.Duration {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("the server sent a byte instead of closing the connection")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the connection was not closed within 5 s")
	}
	return time.Since(from)
}

func TestSweeperExpiresStalledConnections(t *testing.T) {
	tests := []struct {
		name  string
		state string
		stall func(t *testing.T, c net.Conn, r *bufio.Reader)
	}{
		// fasthttp reports a new connection active as soon as it starts
		// reading its first request.
		{"no request on a new connection", "active", func(*testing.T, net.Conn, *bufio.Reader) {}},
		{"idle after a request", "idle", func(t *testing.T, c net.Conn, r *bufio.Reader) {
			if !request(t, c, r, "") {
				t.Fatal("first request failed")
			}
		}},
		{"request sent a byte at a time", "active", func(t *testing.T, c net.Conn, _ *bufio.Reader) {
			go func() { // slow enough that the whole request takes 5 s
				for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)) {
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}},
		// Not interrupted, but its answer is not written.
		{"handler slower than the limit", "active", func(t *testing.T, c net.Conn, _ *bufio.Reader) {
			if _, err := io.WriteString(c, "GET /?sleep=400ms HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, expired := start(t)
			c, r := dial(t, addr)
			from := time.Now()
			tt.stall(t, c, r)
			took := closedAfter(t, c, r, from)
			// One to two checks (25 ms each) past the limit, plus
			// scheduling on a busy machine; never before the limit.
			if took < limit || took > limit+time.Second {
				t.Errorf("closed after %v, want just over %v", took, limit)
			}
			if got := expired.Value(tt.state); got != 1 {
				t.Errorf("expired[%s] = %d, want 1 (%s)", tt.state, got, expiries(expired))
			}
		})
	}
}

// TestSweeperKeepsBusyConnections: a kept-alive connection whose requests
// keep coming is never expired, however long it lives, and neither is a
// request answered within the limit.
func TestSweeperKeepsBusyConnections(t *testing.T) {
	addr, expired := start(t)
	c, r := dial(t, addr)
	for end := time.Now().Add(4 * limit); time.Now().Before(end); {
		if !request(t, c, r, "sleep=100ms") {
			t.Fatalf("request failed after %v of use; expired %v", 4*limit-time.Until(end), expiries(expired))
		}
		time.Sleep(limit / 2)
	}
}

// TestConnStateSeesThroughTLS: a TLS server hands ConnState the *tls.Conn
// around the Listener's connection; its state changes must still count.
func TestConnStateSeesThroughTLS(t *testing.T) {
	s := New(Limits{Busy: time.Minute, Idle: time.Minute}, nil)
	a, b := net.Pipe()
	defer b.Close()
	c := &conn{Conn: a, s: s}
	tests := []struct {
		name string
		nc   net.Conn
	}{
		{"plain", c},
		{"tls", tls.Server(c, &tls.Config{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.mark.Store(mark(0, fasthttp.StateNew))
			s.now.Store(42)
			s.ConnState(tt.nc, fasthttp.StateIdle)
			if got, want := c.mark.Load(), mark(42, fasthttp.StateIdle); got != want {
				t.Fatalf("mark = %#x, want %#x", got, want)
			}
		})
	}
}

// TestStreamBoundsStallsNotLength: an answer read slowly and steadily
// over many times the Busy limit arrives whole when its connection
// streams, and is cut when it does not; a client that stops reading a
// streaming answer is cut off too. The connections are in-memory pipes,
// which buffer almost nothing, so the server's writes wait on the reader
// as they would on a socket whose buffers are full.
func TestStreamBoundsStallsNotLength(t *testing.T) {
	s := New(Limits{Busy: limit, Idle: limit}, nil)
	go s.Run()
	ln := pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	const size = 2 << 20
	chunk := []byte(strings.Repeat("x", 64<<10))
	srv := &fasthttp.Server{ConnState: s.ConnState, Handler: func(ctx *fasthttp.RequestCtx) {
		if ctx.QueryArgs().Has("stream") {
			s.Stream(ctx.Conn())
		}
		ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
			for range size / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
	}}
	go srv.Serve(s.Listener(&ln)) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = srv.Shutdown(); s.Close() })
	for _, tt := range []struct {
		name, query string
		pause       time.Duration // between reads of 64 KiB
		whole       bool
	}{
		{"streaming, read steadily", "stream", limit / 8, true},
		{"not streaming, read steadily", "", limit / 8, false},
		{"streaming, client stops reading", "stream", 3 * limit, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ln.dial()
			defer c.Close()
			if _, err := io.WriteString(c, "GET /?"+tt.query+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			start := time.Now()
			got, buf := 0, make([]byte, 64<<10)
			for {
				n, err := io.ReadFull(c, buf)
				got += n
				if err != nil {
					break
				}
				if tt.pause > limit {
					if got > 256<<10 {
						time.Sleep(tt.pause) // once, well into the answer
						tt.pause = 0
					}
				} else {
					time.Sleep(tt.pause)
				}
			}
			whole := got > size // the body and its chunked framing
			if whole != tt.whole {
				t.Fatalf("%d bytes of %d in %v: whole %v, want %v", got, size, time.Since(start), whole, tt.whole)
			}
			if tt.whole && time.Since(start) < 3*limit {
				t.Fatalf("read in %v: too fast to outlast the limit, so nothing was tested", time.Since(start))
			}
		})
	}
}

// pipeListener accepts the server ends of net.Pipe connections, which
// buffer nothing: a write waits for the reader.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	l.conns <- server
	return client
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// TestLateSweepExpiresNothingEarly: on a loaded machine the ticker can
// deliver a sweep long after the one before. A state change made during
// that gap was once measured from the earlier sweep, so a connection idle
// for a fraction of its limit was closed; it must be measured from the
// late sweep, and closed once a full limit has passed.
func TestLateSweepExpiresNothingEarly(t *testing.T) {
	const limit = 50 * time.Millisecond
	s := New(Limits{Idle: limit}, nil)
	a, b := net.Pipe()
	defer b.Close()
	c := &conn{Conn: a, s: s}
	s.conns[c] = struct{}{}
	s.sweep()
	time.Sleep(4 * limit) // the next sweep is late
	s.ConnState(c, fasthttp.StateIdle)
	time.Sleep(limit / 2)
	s.sweep()
	if _, kept := s.conns[c]; !kept {
		t.Fatalf("expired %v after its change, before the %v limit", limit/2, limit)
	}
	time.Sleep(limit + limit/5)
	s.sweep()
	if _, kept := s.conns[c]; kept {
		t.Fatalf("not expired %v past its limit", limit+limit/5)
	}
}
