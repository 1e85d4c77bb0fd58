package main

import (
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/tonebase/tonebase/internal/testkit"
)

// Broken and cut-off requests make fasthttp log a connection error, and its
// text quotes what it read. Each request here carries secrets; none may
// reach the log at any level.
func TestBrokenRequestsLogNoRequestBytes(t *testing.T) {
	const (
		apiKey    = "KEYleak7f3a9c"
		apiSecret = "SECRETleak92b1d4"
		invoice   = "481516"
		birth     = "23041942"
		caller    = "07700900999"
		bearer    = "BEARERleak0c8e77"
		upload    = "HASHleakQ2x9Zk"
		card      = "4111111111111111"
		cvv       = "7319"
	)
	basic := base64.StdEncoding.EncodeToString([]byte(apiKey + ":" + apiSecret))
	lookup := "/ivr/v1/1/1/lookup?ref1=" + invoice + "&ref2=" + birth + "&caller=" + caller
	requests := []struct {
		name, raw string
	}{
		{"headers past the read buffer",
			"GET " + lookup + " HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic + "\r\nX-Pad: " + strings.Repeat("a", 8192) + "\r\n\r\n"},
		{"header line without a colon",
			"GET " + lookup + " HTTP/1.1\r\nHost: x\r\nAuthorization Basic " + basic + "\r\n\r\n"},
		{"bytes past the Content-Length",
			"POST /cppdb/api/database?cid=1&dbid=1&Hash=" + upload + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}" + card + " " + card + "\r\n\r\n"},
		{"a card number in a broken request line",
			"GET /apis/api/Customers?CardNumber=" + card + " HTTP/1.1 junk\r\nHost: x\r\nAuthorization: Bearer " + bearer + "\r\n\r\n"},
		{"hung up inside the headers",
			"GET " + lookup + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bearer + "\r\nAuthorization: Basic " + basic},
		{"hung up inside the body",
			"POST /cppdb/api/database?cid=1&dbid=1&Hash=" + upload + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{\"colA\":\"" + card},
		{"a OnePay request cut off inside its card",
			"POST /customer HTTP/1.1\r\nHost: x\r\nx-authorization: " + apiKey + ":" + apiSecret + "\r\nContent-Length: 200\r\n\r\n" +
				`{"customer":{"customer_id":"` + invoice + `"},"card":{"number":"` + card + `","code":"` + cvv + `","track_data":";` + card + `=3012`},
		{"a payment cut off inside a card number sent by mistake",
			"POST /ivr/v1/1/1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic + "\r\nContent-Length: 300\r\n\r\n" +
				`{"ref1":"` + invoice + `","ref2":"` + birth + `","amount":"12.50","reference":"PSP-1","caller":"` + caller + `","card_number":"` + card},
		{"a payment with a card number past its length",
			"POST /ivr/v1/1/1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic + "\r\nContent-Length: 2\r\n\r\n{}" + card + " " + cvv + "\r\n\r\n"},
		{"a OnePay request with bytes past its length",
			"POST /Customer HTTP/1.1\r\nHost: x\r\nx-authorization: " + apiKey + ":" + apiSecret + "\r\nContent-Length: 2\r\n\r\n{}" + card + " " + cvv + "\r\n\r\n"},
	}
	logs := &testkit.SyncBuffer{}
	cfg := serveConfig{Data: t.TempDir(), LogFormat: "json", LogLevel: "trace", AdminToken: "test-admin-token-0123456789",
		MaxUploadMB: 1, LockoutLimit: 5, LockoutWindow: 15 * time.Minute, TxnRows: 256, RowCacheMB: 8,
		RequestTimeout: time.Minute, IdleTimeout: time.Minute, AccessLog: true}
	a, err := newApp(cfg, zerolog.New(logs).Level(zerolog.TraceLevel), withAccessLog(logs, accessLines))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.serve(ln) //nolint:errcheck // ends with Shutdown
	defer func() {
		_ = a.server.Shutdown()
		_ = a.close()
	}()
	for _, r := range requests {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(c, r.raw); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if tc, ok := c.(*net.TCPConn); ok && strings.HasPrefix(r.name, "hung up") {
			_ = tc.CloseWrite()
		}
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, _ = io.Copy(io.Discard, c) // the answer, if any, then the close
		_ = c.Close()
	}
	_ = a.server.Shutdown() // the connection errors are logged by now
	a.closeAccessLog()
	got := logs.String()
	if !strings.Contains(got, "error when serving connection") {
		t.Fatalf("no connection error was logged, so nothing was tested; log:\n%s", got)
	}
	for _, secret := range []string{apiKey, apiSecret, basic, invoice, birth, caller, bearer, upload, card, cvv} {
		if strings.Contains(got, secret) {
			t.Errorf("the log carries %q:\n%s", secret, got)
		}
	}
}
