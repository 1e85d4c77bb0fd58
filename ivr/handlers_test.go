package ivr

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite testdata/lookup/ from what the handler answers")

// lookupClients knows one API key and secret, client 1234's.
type lookupClients struct{ fakeClients }

func (lookupClients) Authenticate(key, secret []byte) (int64, error) {
	if string(key) != "key" || string(secret) != "secret" {
		return 0, errors.New("ivr test: wrong key or secret")
	}
	return 1234, nil
}

// failingGet fails every point read of one invoice number, standing for a
// store that cannot answer.
type failingGet struct{ Store }

const failingInvoice = "999999"

func (s failingGet) Get(t *columndb.Table, pk ...string) (columndb.Row, error) {
	if len(pk) > 0 && pk[0] == failingInvoice {
		return columndb.Row{}, errors.New("ivr test: the disk is on fire")
	}
	return s.Store.Get(t, pk...)
}

// countingMetrics counts lookups by status.
type countingMetrics struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *countingMetrics) Lookup(status string, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int{}
	}
	m.n[status]++
}

func (m *countingMetrics) Rows(string, int) {}

func (m *countingMetrics) count(status string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[status]
}

// lookupServer serves the lookup endpoint on a loopback listener, routed as
// cmd/tonebase routes it, over three databases of client 1234: the guide's
// (keyed by its refs), one found through the ref index, and one without a
// ref to look callers up by.
type lookupServer struct {
	addr                  string
	guide, indexed, noRef int64
	metrics               *countingMetrics
	svc                   *Service
}

func startLookupServer(t *testing.T, formats ...NamedFormat) *lookupServer {
	t.Helper()
	cols := append(guideColumns(), Column{ID: "colF", Name: "Customer <Name>", Type: columndb.TypeText, Visible: true})
	store, cat, guide := newTestCatalog(t, cols)
	indexed, err := cat.Create(1234, DatabaseSpec{Description: "Accounts", Columns: []Column{
		{ID: "colA", Name: "Account", Type: columndb.TypeText, Visible: true, Required: true, PrimaryKey: true},
		{ID: "colB", Name: "PIN", Type: columndb.TypeNumeric, Required: true, IVRField: RoleRef1, MinDTMF: 4, MaxDTMF: 4},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, IVRField: RoleBalance},
	}})
	if err != nil {
		t.Fatal(err)
	}
	noRef, err := cat.Create(1234, DatabaseSpec{Description: "Notes", Columns: []Column{
		{ID: "colA", Name: "Note", Type: columndb.TypeText, Visible: true, Required: true, PrimaryKey: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(failingGet{store}, cat, lookupClients{}, Config{LockoutLimit: 2, LockoutWindow: time.Hour})
	t.Cleanup(s.Close)
	upload := func(dbid int64, body string) {
		t.Helper()
		res, err := s.Upload(Signed{CID: 1234, DBID: dbid, Hash: hash.Sign(1234, dbid, "secret", []byte(body))}, []byte(body))
		if err != nil || len(res.Invalid) > 0 {
			t.Fatalf("upload: %+v %v", res, err)
		}
	}
	upload(guide, `[{"colA":"123456","colB":"01021990","colC":"£12.50","colD":"£5.00","colE":"£12.50","colF":"O'Neil & Sons <1> é"},
		{"colA":"222222","colB":"01021990","colC":"0"},
		{"colA":"333333","colB":"01021990","colC":"£10.00","colD":"£9.00","colE":"£8.00"},
		{"colA":"444444","colB":"01021990","colC":"£1.00"}]`)
	upload(indexed.DBID, `[{"colA":"acc-1","colB":"1234","colC":"£6.00"},{"colA":"acc-2","colB":"5555","colC":"£1.00"},{"colA":"acc-3","colB":"5555","colC":"£2.00"}]`)

	m := &countingMetrics{}
	h := NewHandlers(s, zerolog.Nop(), m, formats...)
	r := router.New()
	r.GET("/ivr/v1/{cid}/{dbid}/lookup", h.Lookup)
	srv := &fasthttp.Server{Handler: r.Handler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { testkit.Shutdown(srv) })
	return &lookupServer{addr: ln.Addr().String(), guide: guide, indexed: indexed.DBID, noRef: noRef.DBID, metrics: m, svc: s}
}

// get sends one lookup and returns the whole answer as sent, but for the
// Date header, which changes by the second.
func (ls *lookupServer) get(t *testing.T, path, auth string) []byte {
	t.Helper()
	conn, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	if auth != "" {
		req += "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(auth)) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		t.Fatal(err)
	}
	return dateHeader.ReplaceAll(raw, nil)
}

var dateHeader = regexp.MustCompile(`(?m)^Date: [^\r]*\r\n`)

// TestLookupWire holds every answer the lookup endpoint gives, status line,
// headers and body, byte for byte to testdata/lookup/ (-update rewrites it).
func TestLookupWire(t *testing.T) {
	ls := startLookupServer(t)
	guide := fmt.Sprintf("/ivr/v1/1234/%d/lookup?", ls.guide)
	indexed := fmt.Sprintf("/ivr/v1/1234/%d/lookup?", ls.indexed)
	const auth = "key:secret"
	// Two misses lock a ref1 value. They are sent just before the locked
	// lookup, whose Retry-After is then the whole window in seconds.
	lock := func(ref1 string) func(t *testing.T) {
		return func(t *testing.T) {
			for range 2 {
				ls.get(t, guide+"ref1="+ref1+"&ref2=01021990", auth)
			}
		}
	}
	tests := []struct {
		name, path, auth string
		before           func(t *testing.T)
	}{
		{"found", guide + "ref1=123456&ref2=01021990", auth, nil},
		{"found-json", guide + "ref1=123456%23&ref2=01021990&format=json", auth, nil},
		{"found-kv", guide + "ref1=123456&ref2=01021990&format=kv", auth, nil},
		{"found-by-column-id", guide + "COLA=123456&colb=01021990", auth, nil},
		{"no-balance", guide + "ref1=222222&ref2=01021990", auth, nil},
		{"no-balance-kv", guide + "ref1=222222&ref2=01021990&format=kv", auth, nil},
		{"min-over-max", guide + "ref1=333333&ref2=01021990", auth, nil},
		{"min-over-max-kv", guide + "ref1=333333&ref2=01021990&format=kv", auth, nil},
		{"defaults", guide + "ref1=444444&ref2=01021990", auth, nil},
		{"not-found", guide + "ref1=123456&ref2=02021990", auth, nil},
		{"not-found-kv", guide + "ref1=123456&ref2=02021990&format=kv", auth, nil},
		{"too-short", guide + "ref1=12345&ref2=01021990", auth, nil},
		{"too-short-kv", guide + "ref1=12345&ref2=01021990&format=kv", auth, nil},
		{"bad-date", guide + "ref1=123456&ref2=30021990", auth, nil},
		{"locked", guide + "ref1=000001&ref2=01021990", auth, lock("000001")},
		{"locked-kv", guide + "ref1=000002&ref2=01021990&format=kv", auth, lock("000002")},
		{"indexed", indexed + "ref1=1234", auth, nil},
		{"ambiguous", indexed + "ref1=5555", auth, nil},
		{"ambiguous-kv", indexed + "ref1=5555&format=kv", auth, nil},
		{"unauthorized", guide + "ref1=123456&ref2=01021990", "key:wrong", nil},
		{"unauthorized-kv", guide + "ref1=123456&ref2=01021990&format=kv", "", nil},
		{"other-client", "/ivr/v1/999/1/lookup?ref1=123456&ref2=01021990", auth, nil},
		{"bad-ids", "/ivr/v1/x/1/lookup?ref1=123456&ref2=01021990&format=kv", auth, nil},
		{"no-ref", fmt.Sprintf("/ivr/v1/1234/%d/lookup?ref1=1", ls.noRef), auth, nil},
		{"no-ref-kv", fmt.Sprintf("/ivr/v1/1234/%d/lookup?ref1=1&format=kv", ls.noRef), auth, nil},
		{"store-fails", guide + "ref1=" + failingInvoice + "&ref2=01021990", auth, nil},
		{"store-fails-kv", guide + "ref1=" + failingInvoice + "&ref2=01021990&format=kv", auth, nil},
		{"unknown-format", guide + "ref1=123456&ref2=01021990&format=xml", auth, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			got := ls.get(t, tt.path, tt.auth)
			path := filepath.Join("testdata", "lookup", tt.name+".http")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("GET %s answered\n%s\nwant\n%s", tt.path, got, want)
			}
		})
	}
}

// statusFormat stands for a format written in a package of its own: it
// knows the lookup only through Result's exported surface.
type statusFormat struct{}

func (statusFormat) ContentType() string { return "text/x-status" }

func (statusFormat) AppendResult(b []byte, r Result) []byte {
	b = append(b, r.Status...)
	if rec := &r.Record; rec.Found() {
		for _, c := range rec.Prepared(statusFormat{}).([]string) {
			b = append(b, ' ')
			b = append(b, c...)
		}
	}
	return b
}

func (statusFormat) AppendError(b []byte, msg string) []byte { return append(b, "error: "+msg...) }

func (statusFormat) Prepare(shown []ShownColumn) any {
	ids := make([]string, len(shown))
	for i, c := range shown {
		ids[i] = c.ID
	}
	return ids
}

// TestLookupFormat is the choice of format by format=: JSON without one,
// each format by its name, and a 400 in JSON naming them all for any other,
// counted as an error.
func TestLookupFormat(t *testing.T) {
	// A second "kv" cannot take the name, nor a nameless format a place.
	ls := startLookupServer(t, NamedFormat{Name: "status", Format: statusFormat{}},
		NamedFormat{Name: "kv", Format: statusFormat{}}, NamedFormat{Format: statusFormat{}})
	found := fmt.Sprintf("/ivr/v1/1234/%d/lookup?ref1=123456&ref2=01021990", ls.guide)
	const unknown = `{"error":"unknown format; the formats are json, kv, status","status":"error"}`
	tests := []struct {
		name, query  string
		status       int
		contentType  string
		body, prefix string
	}{
		{"none is json", "", 200, "application/json", "", `{"status":"found","balance":`},
		{"empty is json", "&format=", 200, "application/json", "", `{"status":"found","balance":`},
		{"json", "&format=json", 200, "application/json", "", `{"status":"found","balance":`},
		{"kv", "&format=kv", 200, "text/plain; charset=utf-8", "", "status=found&balance=12.50&"},
		{"one given to NewHandlers", "&format=status", 200, "text/x-status", "found colA colC colF", ""},
		{"xml is unknown", "&format=xml", 400, "application/json", unknown, ""},
		{"names are exact", "&format=KV", 400, "application/json", unknown, ""},
		{"unknown before credentials", "&format=twiml", 400, "application/json", unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errorsBefore := ls.metrics.count("error")
			auth := "key:secret"
			if tt.name == "unknown before credentials" {
				auth = ""
			}
			raw := ls.get(t, found+tt.query, auth)
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("%d %s, want %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.contentType, body)
			}
			if tt.body != "" && string(body) != tt.body || !strings.HasPrefix(string(body), tt.prefix) {
				t.Fatalf("body %s, want %s%s…", body, tt.body, tt.prefix)
			}
			wantErrors := errorsBefore
			if tt.status >= 400 {
				wantErrors++
			}
			if n := ls.metrics.count("error"); n != wantErrors {
				t.Fatalf("%d errors counted, want %d", n, wantErrors)
			}
		})
	}
}

// TestResultRendersAsWire holds what the admin's lookup tester shows, the
// service's Result through each format, to what the IVR gets for the same
// lookup.
func TestResultRendersAsWire(t *testing.T) {
	ls := startLookupServer(t)
	tests := []struct {
		name, query, golden string
		dbid                int64
	}{
		{"found", "ref1=123456&ref2=01021990", "found", ls.guide},
		{"no balance", "ref1=222222&ref2=01021990", "no-balance", ls.guide},
		{"min over max", "ref1=333333&ref2=01021990", "min-over-max", ls.guide},
		{"not found", "ref1=123456&ref2=02021990", "not-found", ls.guide},
		{"too short", "ref1=12345&ref2=01021990", "too-short", ls.guide},
		{"ambiguous", "ref1=5555", "ambiguous", ls.indexed},
	}
	for _, tt := range tests {
		for _, f := range builtinFormats() {
			t.Run(tt.name+"/"+f.Name, func(t *testing.T) {
				vals, err := url.ParseQuery(tt.query)
				if err != nil {
					t.Fatal(err)
				}
				res, err := ls.svc.Lookup(1234, tt.dbid, Query{Param: func(name string) (string, bool) {
					return vals.Get(name), vals.Has(name)
				}})
				if err != nil {
					t.Fatal(err)
				}
				golden := tt.golden
				if f.Name != "json" {
					golden += "-" + f.Name
				}
				raw, err := os.ReadFile(filepath.Join("testdata", "lookup", golden+".http"))
				if err != nil {
					t.Fatal(err)
				}
				_, wire, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
				if got := f.Format.AppendResult(nil, res); !bytes.Equal(got, wire) {
					t.Fatalf("rendered\n%s\nthe IVR got\n%s", got, wire)
				}
				if got := HTTPStatus(res.Status); !bytes.HasPrefix(raw, fmt.Appendf(nil, "HTTP/1.1 %d ", got)) {
					t.Fatalf("HTTPStatus(%s) = %d; the IVR got %s", res.Status, got, raw[:bytes.IndexByte(raw, '\r')])
				}
			})
		}
	}
}
