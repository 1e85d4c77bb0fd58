package ivr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/testkit"
)

// serveUploads serves the three signed endpoints on a loopback listener.
func serveUploads(t *testing.T, s *Service) string {
	t.Helper()
	h := NewHandlers(s, zerolog.Nop(), nopMetrics{})
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		switch {
		case string(ctx.Path()) == EndpointFile:
			h.File(ctx)
		case ctx.IsDelete():
			h.Delete(ctx)
		default:
			h.Upload(ctx)
		}
	}, MaxRequestBodySize: 16 << 20}
	httpx.StreamBodies(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { testkit.Shutdown(srv) })
	return "http://" + ln.Addr().String()
}

func send(t *testing.T, method, url, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestSignedUploadNotReplayable holds issue 20 item 3: each case failed on
// the code before it (answered 200 and changed rows).
func TestSignedUploadNotReplayable(t *testing.T) {
	s, dbid := newTestService(t)
	base := serveUploads(t, s)
	db := func(sig string) string {
		return fmt.Sprintf("%s%s?cid=1234&dbid=%d&Hash=%s", base, EndpointDatabase, dbid, sig)
	}
	older := `[{"colA":"111111","colB":"01011990","colC":"1.00"}]`
	newer := `[{"colA":"111111","colB":"01011990","colC":"2.00"}]`
	hOld, hNew := hash.Sign(1234, dbid, "secret", []byte(older)), hash.Sign(1234, dbid, "secret", []byte(newer))
	if code, out := send(t, "POST", db(hOld), older, nil); code != 200 {
		t.Fatalf("first upload: %d %v", code, out)
	}
	if code, out := send(t, "POST", db(hNew), newer, nil); code != 200 {
		t.Fatalf("newer upload: %d %v", code, out)
	}
	csv := "222222,01011990,3.00,,\n333333,01011990,4.00,,\n"
	hCSV := hash.SignMode(1234, dbid, "secret", "upsert", []byte(csv))
	file := func(sig, mode string) string {
		return fmt.Sprintf("%s%s?cid=1234&dbid=%d&Hash=%s&mode=%s", base, EndpointFile, dbid, sig, mode)
	}
	if code, out := send(t, "POST", file(hCSV, "upsert"), csv, nil); code != 200 {
		t.Fatalf("csv upsert: %d %v", code, out)
	}
	tests := []struct {
		name, method, url, body string
		status                  int
	}{
		{"an identical signed POST replayed", "POST", db(hNew), newer, 409},
		{"an older body replayed after a newer", "POST", db(hOld), older, 409},
		{"the same body and Hash sent as DELETE", "DELETE", db(hNew), newer, 409},
		{"a CSV upsert re-posted with mode=replace", "POST", file(hCSV, "replace"), csv, 409},
		{"a JSON body to the file endpoint in replace mode", "POST", file(hNew, "replace"), newer, 415},
		{"a CSV body to the JSON endpoint", "POST", db(hCSV), csv, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out := send(t, tt.method, tt.url, tt.body, nil); code != tt.status {
				t.Fatalf("got %d %v, want %d", code, out, tt.status)
			}
			rows := rowsOf(t, s, dbid)
			if len(rows) != 3 || rows["111111"]["colC"] != "200" {
				t.Fatalf("rows changed: %v", rows)
			}
		})
	}
}

func TestReplaceAllOrNothing(t *testing.T) {
	s, dbid := newTestService(t)
	base := serveUploads(t, s)
	first := "111111,01011990,1.00,,\n"
	post := func(body, mode string) (int, map[string]any) {
		return send(t, "POST", fmt.Sprintf("%s%s?cid=1234&dbid=%d&Hash=%s&mode=%s", base, EndpointFile, dbid,
			hash.SignMode(1234, dbid, "secret", mode, []byte(body)), mode), body, nil)
	}
	if code, out := post(first, "upsert"); code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	tests := []struct{ name, body string }{
		{"a refused line", "222222,01011990,2.00,,\nbad,01011990,1,,\n"},
		{"no valid line", "bad,01011990,1,,\n"},
		{"a missing required value", "222222,,2.00,,\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := post(tt.body, "replace")
			if code != 422 || out["invalid"] == nil {
				t.Fatalf("got %d %v, want 422 with the refused lines", code, out)
			}
			if rows := rowsOf(t, s, dbid); len(rows) != 1 || rows["111111"] == nil {
				t.Fatalf("rows changed: %v", rows)
			}
		})
	}
}

func TestHMACScheme(t *testing.T) {
	s, dbid := newTestService(t)
	base := serveUploads(t, s)
	body := `[{"colA":"111111","colB":"01011990","colC":"1.00"}]`
	query := fmt.Sprintf("cid=1234&dbid=%d", dbid)
	sign := func(at time.Time) map[string]string {
		ts := strconv.FormatInt(at.Unix(), 10)
		q := hash.CanonicalQuery([]hash.Param{{Name: "cid", Value: "1234"}, {Name: "dbid", Value: strconv.FormatInt(dbid, 10)}})
		sig := hash.SignRequest("secret", hash.Request{Method: "POST", Path: EndpointDatabase, Query: q, Timestamp: ts}, []byte(body))
		return map[string]string{hash.TimestampHeader: ts, hash.SignatureHeader: sig}
	}
	now := sign(time.Now())
	tests := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"signed now", now, 200},
		{"the same request repeated", now, 409},
		{"ten minutes old", sign(time.Now().Add(-10 * time.Minute)), 403},
		{"a wrong signature", map[string]string{hash.TimestampHeader: now[hash.TimestampHeader], hash.SignatureHeader: fmt.Sprintf("%064x", 1)}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out := send(t, "POST", base+EndpointDatabase+"?"+query, body, tt.hdr); code != tt.status {
				t.Fatalf("got %d %v, want %d", code, out, tt.status)
			}
		})
	}
}
