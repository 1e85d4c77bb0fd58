package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/tonebase/tonebase/internal/testkit"
)

// TestLogFormat: what serve writes to a stderr that is a pipe, as under a
// service manager, for each --log-format.
func TestLogFormat(t *testing.T) {
	tests := []struct {
		name, format string
		json         bool
	}{
		{"default into a pipe is json", "auto", true},
		{"json asked", "json", true},
		{"console asked into a pipe stays console", "console", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServe([]string{"--log-format", tt.format})
			if tt.format == "auto" {
				cfg, err = parseServe(nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			log := zerolog.New(logOutput(cfg.LogFormat, w))
			log.Info().Str("k", "v").Msg("hello")
			w.Close()
			line, err := bufio.NewReader(r).ReadString('\n')
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			isJSON := json.Unmarshal([]byte(line), &obj) == nil
			if isJSON != tt.json || !strings.Contains(line, "hello") {
				t.Fatalf("--log-format %s wrote %q; want JSON %v", tt.format, line, tt.json)
			}
		})
	}
	if _, err := parseServe([]string{"--log-format", "text"}); err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Fatalf("--log-format text: %v, want it refused", err)
	}
}

// stalledSink takes nothing until released, as a full pipe whose reader
// stopped; then it keeps what it is given.
type stalledSink struct {
	release chan struct{}
	testkit.SyncBuffer
}

func (s *stalledSink) Write(p []byte) (int, error) {
	<-s.release
	return s.SyncBuffer.Write(p)
}

// TestStalledLogDelaysNoRequest: with the access log's destination taking
// nothing, requests over a real listener are answered as fast as ever,
// and the lines that did not fit are counted on /metrics, then written
// out, the rest of them, once it takes them again.
func TestStalledLogDelaysNoRequest(t *testing.T) {
	const ring = 256
	sink := &stalledSink{release: make(chan struct{})}
	released := false
	defer func() {
		if !released {
			close(sink.release)
		}
	}()
	cfg := serveConfig{Data: t.TempDir(), LogFormat: "json", LogLevel: "info", AdminToken: "test-admin-token-0123456789",
		MaxUploadMB: 1, LockoutLimit: 5, LockoutWindow: 15 * time.Minute, TxnRows: 256, RowCacheMB: 8,
		RequestTimeout: time.Minute, IdleTimeout: time.Minute, AccessLog: true}
	a, err := newApp(cfg, zerolog.New(io.Discard), withAccessLog(sink, ring))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.serve(ln) //nolint:errcheck // ends with Shutdown
	closed := false
	defer func() {
		if !closed {
			_ = a.server.Shutdown()
			_ = a.close()
		}
	}()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s with the log stalled: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	// Far more requests than the ring holds lines, with nothing taken.
	const requests = 8 * ring
	var slowest time.Duration
	for range requests {
		start := time.Now()
		get("/healthz")
		slowest = max(slowest, time.Since(start))
	}
	if slowest > 2*time.Second {
		t.Fatalf("the slowest request with the log stalled took %v", slowest)
	}
	close(sink.release)
	released = true
	// Drops are learnt as the writer reaches them, so ask until they show.
	metricsAsked := 0
	dropped := int64(0)
	for deadline := time.Now().Add(10 * time.Second); dropped == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no dropped lines on /metrics after the sink was released")
		}
		time.Sleep(20 * time.Millisecond)
		metricsAsked++
		for _, line := range strings.Split(get("/metrics"), "\n") {
			if v, ok := strings.CutPrefix(line, "tonebase_log_lines_dropped_total "); ok {
				fmt.Sscan(v, &dropped)
			}
		}
	}
	_ = a.server.Shutdown()
	_ = a.close() // flushes what the ring still holds
	closed = true
	written := strings.Count(sink.String(), "\n")
	total := a.reg.Counter("tonebase_log_lines_dropped_total", "").Value()
	// Exact but for a write meeting the reader in its slot, counted once
	// too many (logsink's test).
	if off := int64(written) + total - int64(requests+metricsAsked); off < 0 || off > requests/100 {
		t.Fatalf("%d lines written and %d dropped of %d requests", written, total, requests+metricsAsked)
	}
	if !strings.Contains(sink.String(), `"route":"/healthz"`) {
		t.Fatalf("no access line written once the sink was released:\n%.500s", sink.String())
	}
}
