package httpx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/valyala/fasthttp"
)

// bodyServer serves a handler behind StreamBodies with a small limit, and
// records the paths the handler saw with the bodies it read.
type bodyServer struct {
	addr  string
	mu    sync.Mutex
	calls []string
}

const testLimit = 64 << 10

func serveBodies(t *testing.T, errorHandler func(*fasthttp.RequestCtx, error)) *bodyServer {
	t.Helper()
	bs := &bodyServer{}
	refuse := errorHandler
	if refuse == nil {
		refuse = plainRefusal
	}
	// /whole is a SmallBody route; every other path takes no body.
	whole := TakeBody(SmallBody, testLimit, refuse, bs.handle)
	srv := &fasthttp.Server{MaxRequestBodySize: testLimit, ReadTimeout: 10 * time.Second, ErrorHandler: errorHandler,
		Handler: func(ctx *fasthttp.RequestCtx) {
			if string(ctx.Path()) == "/whole" {
				whole(ctx)
				return
			}
			bs.handle(ctx)
		}}
	StreamBodies(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { testkit.Shutdown(srv) })
	bs.addr = ln.Addr().String()
	return bs
}

// handle records the call and what it read of the body.
func (bs *bodyServer) handle(ctx *fasthttp.RequestCtx) {
	call := string(ctx.Path())
	switch call {
	case "/whole": // reads the body as most handlers do
		call += fmt.Sprintf(" %d bytes", len(ctx.PostBody()))
	case "/stream": // reads the stream as an upload does
		n, err := io.Copy(io.Discard, ctx.RequestBodyStream())
		call += fmt.Sprintf(" %d bytes %v", n, err)
	}
	bs.mu.Lock()
	bs.calls = append(bs.calls, call)
	bs.mu.Unlock()
	ctx.SetBodyString("ok")
}

func (bs *bodyServer) seen() []string {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return append([]string(nil), bs.calls...)
}

// exchange writes raw requests on one connection and reads as many
// answers as it can, each as "status body".
func (bs *bodyServer) exchange(t *testing.T, raw string, answers int) []string {
	t.Helper()
	conn, err := net.Dial("tcp", bs.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var got []string
	for range answers {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			got = append(got, "no answer: "+err.Error())
			break
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, fmt.Sprintf("%d %s", resp.StatusCode, b))
	}
	return got
}

func jsonRefusal(ctx *fasthttp.RequestCtx, err error) {
	ctx.SetStatusCode(400)
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		ctx.SetStatusCode(413)
	}
	ctx.SetBodyString(`{"error":"refused"}`)
}

// chunk writes s as one chunk of a chunked body.
func chunk(s string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(s), s) }

func TestStreamBodies(t *testing.T) {
	big := strings.Repeat("x", testLimit+1)
	half := strings.Repeat("x", testLimit/2)
	// A body padded to just what fasthttp reads ahead (8 KiB), ending in a
	// request of its own: left unread, that request would be served.
	smuggler := strings.Repeat("x", 8<<10) + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name    string
		raw     string
		answers int
		want    []string // answers
		calls   []string // what the handler saw
	}{
		{"announced past the limit and never sent: refused on its length",
			fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 10*testLimit), 1,
			[]string{`413 {"error":"refused"}`}, nil},
		{"announced past the limit, expecting 100-continue: refused, no continue",
			fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", 10*testLimit), 1,
			[]string{`413 {"error":"refused"}`}, nil},
		{"chunked past the limit",
			"POST /whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(big) + "0\r\n\r\n", 1,
			[]string{`413 {"error":"refused"}`}, nil},
		{"chunked within the limit, read whole",
			"POST /whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(half) + chunk(half) + "0\r\n\r\n", 1,
			[]string{"200 ok"}, []string{fmt.Sprintf("/whole %d bytes", testLimit)}},
		{"a broken chunk",
			"POST /whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1,
			[]string{`400 {"error":"refused"}`}, nil},
		{"within the limit, past what fasthttp reads ahead, read whole",
			fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(half), half), 1,
			[]string{"200 ok"}, []string{fmt.Sprintf("/whole %d bytes", len(half))}},
		{"at the limit, streamed",
			fmt.Sprintf("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", testLimit, big[:testLimit]), 1,
			[]string{"200 ok"}, []string{fmt.Sprintf("/stream %d bytes <nil>", testLimit)}},
		{"a body the handler ignores is not the next request",
			fmt.Sprintf("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%sGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", len(smuggler), smuggler), 2,
			[]string{"200 ok", "200 ok"}, []string{"/ignore", "/next"}},
		{"a chunked body the handler ignores is not the next request",
			"POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(smuggler) + "0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2,
			[]string{"200 ok", "200 ok"}, []string{"/ignore", "/next"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := serveBodies(t, jsonRefusal)
			got := bs.exchange(t, tt.raw, tt.answers)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("answers %q, want %q", got, tt.want)
			}
			if calls := bs.seen(); fmt.Sprint(calls) != fmt.Sprint(tt.calls) {
				t.Errorf("handler saw %q, want %q", calls, tt.calls)
			}
		})
	}
}

func TestStreamBodiesWithoutErrorHandler(t *testing.T) {
	bs := serveBodies(t, nil)
	got := bs.exchange(t, fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 10*testLimit), 1)
	if len(got) != 1 || !strings.HasPrefix(got[0], "413 ") {
		t.Fatalf("answers %q", got)
	}
}

// TestUnreadBodiesCloseTheConnection: a body no route reads is neither
// buffered nor read to its end: the request is answered and, past what is
// worth throwing away, the connection is closed, so none of it is parsed as
// a next request.
func TestUnreadBodiesCloseTheConnection(t *testing.T) {
	long := strings.Repeat("x", 48<<10) // past what fasthttp reads ahead and drainLimit
	next := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name string
		raw  string
		want string // the one answer before the close
	}{
		{"announced, to a route that takes none",
			fmt.Sprintf("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s%s", len(long)+len(next), long, next), "200 ok"},
		{"chunked, to a route that takes none",
			"POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(long) + chunk(next) + "0\r\n\r\n", "200 ok"},
		{"announced past a small route's limit",
			fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", testLimit+1, long), `413 {"error":"refused"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := serveBodies(t, jsonRefusal)
			got := bs.exchange(t, tt.raw, 2)
			if len(got) != 2 || got[0] != tt.want || !strings.HasPrefix(got[1], "no answer") {
				t.Errorf("answers %q, want %q and the connection closed", got, tt.want)
			}
			for _, c := range bs.seen() {
				if c == "/smuggled" {
					t.Errorf("the body was served as a request: %q", bs.seen())
				}
			}
		})
	}
}

func TestTooLargeError(t *testing.T) {
	err := error(&TooLargeError{Limit: 1 << 20})
	var tl *TooLargeError
	if !errors.Is(err, fasthttp.ErrBodyTooLarge) || !errors.As(err, &tl) || tl.Limit != 1<<20 {
		t.Fatalf("%v does not say it is too large, and by which limit", err)
	}
}
