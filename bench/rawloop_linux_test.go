//go:build linux && (amd64 || arm64)

package bench

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct {
		name           string
		in             string
		status, size   int
		closing, whole bool
	}{
		{"head not all in", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 0, 0, false, false},
		{"answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, 40, false, true},
		{"body not all in", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", 200, 49, false, true},
		{"header names in any case", "HTTP/1.1 404 Not Found\r\ncontent-length:  3 \r\nCONNECTION: Close\r\n\r\nabc", 404, 69, true, true},
		{"keep-alive", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 200, 62, false, true},
		{"HTTP/1.0", "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 503, 55, false, true},
		{"no length", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n{}", -1, 0, false, true},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", -1, 0, false, true},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -1, 0, false, true},
		{"not a status line", "SSH-2.0-OpenSSH\r\n\r\n", -1, 0, false, true},
		{"status not a number", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", -1, 0, false, true},
		{"short status line", "HTTP/1.1 20\r\n\r\n", -1, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, size, closing, whole := parseAnswer([]byte(tc.in))
			if status != tc.status || size != tc.size || closing != tc.closing || whole != tc.whole {
				t.Fatalf("parseAnswer(%q) = %d, %d, %v, %v; want %d, %d, %v, %v", tc.in, status, size, closing, whole,
					tc.status, tc.size, tc.closing, tc.whole)
			}
		})
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		status, size, _, whole := parseAnswer(b)
		if !whole {
			if status != 0 || size != 0 {
				t.Fatalf("an unfinished head gave status %d, size %d", status, size)
			}
			return
		}
		if status >= 0 && (status < 100 || status > 999 || size < strings.Index(string(b), "\r\n\r\n")+4) {
			t.Fatalf("status %d, size %d for %q", status, size, b)
		}
	})
}

// rawServer accepts connections on a real listener, each served by serve
// until it returns, and returns the listener's address.
func rawServer(t *testing.T, serve func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	return ln.Addr().String()
}

// readHead reads a request's head and returns its Content-Length, -1 for
// none.
func readHead(r *bufio.Reader) (int, error) {
	size := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		if line == "\r\n" {
			return size, nil
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			size, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
}

// misbehaving answers the i-th request on a connection with answers[i]
// (then with the last one), and counts the requests it read.
func misbehaving(t *testing.T, answers ...string) (string, *atomic.Int64) {
	var n atomic.Int64
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) {
		for i := 0; ; i++ {
			if _, err := readHead(r); err != nil {
				return
			}
			n.Add(1)
			a := answers[min(i, len(answers)-1)]
			if a == "" { // hang up instead of answering
				return
			}
			if _, err := c.Write([]byte(a)); err != nil || strings.Contains(a, "Connection: close") {
				return
			}
		}
	})
	return addr, &n
}

// TestProbeLoopOnAFailingServer: every request the loop sends is counted
// once, answered or not, and a connection the server drops is dialled
// again for the next request.
func TestProbeLoopOnAFailingServer(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
	for _, tc := range []struct {
		name    string
		answers []string
		errors  func(requests int) bool
	}{
		{"answers", []string{ok}, func(int) bool { return false }},
		{"server closes after each answer", []string{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"},
			func(int) bool { return false }},
		{"server errors", []string{"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"}, func(int) bool { return true }},
		{"server hangs up on the second request", []string{ok, ""}, nil},
		{"chunked answers", []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}, func(int) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, seen := misbehaving(t, tc.answers...)
			spec := ProbeSpec{Addr: addr, Tenant: Tenant{CID: 7, DBID: 9, APIKey: "k", APISecret: "s"}, Rows: 100, Rate: 400, Conns: 3}
			quit := make(chan struct{})
			time.AfterFunc(600*time.Millisecond, func() { close(quit) })
			st, err := probeLoop(spec, quit)
			if err != nil {
				t.Fatal(err)
			}
			if st.Requests != 400 || len(st.lat) != st.Requests {
				t.Fatalf("%d requests, %d latencies; want the whole first second's 400", st.Requests, len(st.lat))
			}
			if got := seen.Load(); got != int64(st.Requests) {
				t.Fatalf("the server read %d requests, the loop counted %d", got, st.Requests)
			}
			switch {
			case tc.errors == nil: // the first request on each connection is answered, the others fail
				if st.Errors == 0 || st.Errors == st.Requests {
					t.Fatalf("%d errors of %d; want some", st.Errors, st.Requests)
				}
			case tc.errors(st.Requests) && st.Errors != st.Requests, !tc.errors(st.Requests) && st.Errors != 0:
				t.Fatalf("%d errors of %d", st.Errors, st.Requests)
			}
		})
	}
}

// TestProbeLoopGivesUpOnASilentServer: a server that reads requests and
// never answers fails them at the timeout, and the loop still ends.
func TestProbeLoopGivesUpOnASilentServer(t *testing.T) {
	addr := rawServer(t, func(_ net.Conn, r *bufio.Reader) { _, _ = r.WriteTo(io.Discard) })
	spec := ProbeSpec{Addr: addr, Tenant: Tenant{CID: 7, DBID: 9}, Rows: 100, Rate: 20, Conns: 4}
	l, err := newRawLoop(spec.target(), spec.Conns)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	l.timeout = 300 * time.Millisecond
	quit := make(chan struct{})
	close(quit)
	done := make(chan Stats)
	go func() {
		st, err := l.run(spec.Rate, quit)
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	select {
	case st := <-done:
		if st.Requests != 20 || st.Errors != 20 {
			t.Fatalf("%d requests, %d errors; want the turn's 20, all failed", st.Requests, st.Errors)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not end against a server that never answers")
	}
}

// TestProbeLoopWritesLargeBodies: a body larger than the socket takes at
// once, sent to a server slow to read it, goes out in parts as epoll says
// the socket can take more.
func TestProbeLoopWritesLargeBodies(t *testing.T) {
	var whole atomic.Int64 // requests whose body arrived whole
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) {
		for {
			size, err := readHead(r)
			if err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond) // the sender's socket fills meanwhile
			if n, err := io.CopyN(io.Discard, r, int64(size)); err != nil || n != int64(size) {
				return
			}
			whole.Add(1)
			if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")); err != nil {
				return
			}
		}
	})
	body := make([]byte, 32<<20)
	target := Target{Addr: addr, OK: func(s int) bool { return s == 200 },
		Path: func(int) string { return "/upload" }, JSON: func(int) []byte { return body }}
	l, err := newRawLoop(target, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	quit := make(chan struct{})
	close(quit)
	st, err := l.run(4, quit)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 4 || st.Errors != 0 || whole.Load() != 4 {
		t.Fatalf("%d requests (%d errors), %d bodies whole at the server; want 4 answered", st.Requests, st.Errors, whole.Load())
	}
}

// TestProbeLoopSendsOneTurnAtLeast: a quit before the first request is
// due still sends a whole turn, as the turns of probeTurns did.
func TestProbeLoopSendsOneTurnAtLeast(t *testing.T) {
	addr, sent := answering(t)
	spec := ProbeSpec{Addr: addr, Tenant: Tenant{CID: 7, DBID: 9, APIKey: "k", APISecret: "s"}, Rows: 100, Rate: 50, Conns: 2}
	quit := make(chan struct{})
	close(quit)
	st, err := probeLoop(spec, quit)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 50 || st.Errors != 0 || sent.Load() != 50 {
		t.Fatalf("%d requests (%d errors), %d seen by the server; want one turn of 50", st.Requests, st.Errors, sent.Load())
	}
}

// TestProbeLoopKeepsItsSchedule: requests go out when due, not in bursts:
// against a prompt server each is answered well within its interval.
func TestProbeLoopKeepsItsSchedule(t *testing.T) {
	addr, _ := answering(t)
	spec := ProbeSpec{Addr: addr, Tenant: Tenant{CID: 7, DBID: 9, APIKey: "k", APISecret: "s"}, Rows: 100, Rate: 500, Conns: 8}
	quit := make(chan struct{})
	time.AfterFunc(1500*time.Millisecond, func() { close(quit) })
	start := time.Now()
	st, err := probeLoop(spec, quit)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); st.Requests != 1000 || took < 2*time.Second-10*time.Millisecond {
		t.Fatalf("%d requests in %v; want two whole seconds of 500", st.Requests, took)
	}
	if st.Errors != 0 {
		t.Fatalf("%d errors", st.Errors)
	}
	if p50 := st.P(0.5); p50 > 2*time.Millisecond {
		t.Errorf("p50 %v against a server that answers at once; requests are not sent when due", p50)
	}
}
