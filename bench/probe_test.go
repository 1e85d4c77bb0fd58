package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// answering serves 200 to every request on a real listener and counts the
// lookups it was sent.
func answering(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if strings.HasPrefix(string(ctx.Path()), "/ivr/v1/7/9/lookup") {
			n.Add(1)
		}
		ctx.SetBodyString(`{"status":"found"}`)
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String(), &n
}

func TestProbers(t *testing.T) {
	addr, sent := answering(t)
	spec := ProbeSpec{Addr: addr, Tenant: Tenant{CID: 7, DBID: 9, APIKey: "k", APISecret: "s"}, Rows: 100, Rate: 200, Conns: 4}
	for _, tc := range []struct {
		name  string
		probe func() (Stats, error)
	}{
		{"in process", func() (Stats, error) { return ProbeFor(InProcess{}, spec, 1500*time.Millisecond) }},
		{"probe process side", func() (Stats, error) {
			// ServeProbe as Subprocess drives it: the spec on the first
			// line, the report once the input closes.
			in, w := io.Pipe()
			var out bytes.Buffer
			done := make(chan error)
			go func() { done <- ServeProbe(in, &out, 0) }()
			if err := json.NewEncoder(w).Encode(spec); err != nil {
				return Stats{}, err
			}
			time.Sleep(time.Second)
			w.Close()
			if err := <-done; err != nil {
				return Stats{}, err
			}
			var r probeReport
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				return Stats{}, err
			}
			if r.Refused != "" {
				t.Errorf("report says real-time was refused (%q), but none was asked for", r.Refused)
			}
			return Stats{Requests: r.Requests, Errors: r.Errors, Elapsed: r.Elapsed, lat: r.Latencies}, nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := sent.Load()
			st, err := tc.probe()
			if err != nil {
				t.Fatal(err)
			}
			// Whole turns of a second at 200/s: the stop ends the turn in
			// progress, it does not cut it short or start another.
			if st.Requests%200 != 0 || st.Requests == 0 || st.Errors != 0 || len(st.lat) != st.Requests {
				t.Fatalf("%d requests, %d errors, %d latencies; want whole turns of 200 answered", st.Requests, st.Errors, len(st.lat))
			}
			if got := sent.Load() - before; got != int64(st.Requests) {
				t.Fatalf("the server saw %d lookups, the prober reports %d", got, st.Requests)
			}
			if st.P(0.5) <= 0 || st.P(0.5) > st.Max() {
				t.Fatalf("latencies unsorted or empty: p50 %v, max %v", st.P(0.5), st.Max())
			}
		})
	}
}

func TestServeProbeRefusesNoSpec(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"not JSON", "rate 1000\n"},
		{"no newline", `{"Addr":"127.0.0.1:1","Rows":1,"Rate":1,"Conns":1}`},
		{"no rate", `{"Addr":"127.0.0.1:1","Rows":1,"Conns":1}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := ServeProbe(strings.NewReader(tc.in), &out, 0); err == nil || out.Len() != 0 {
				t.Fatalf("ServeProbe(%q) = %v with %q written; want an error and nothing written", tc.in, err, out.String())
			}
		})
	}
}
