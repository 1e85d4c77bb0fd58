package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/ivr"
)

// testServer runs the wired service on a loopback listener.
type testServer struct {
	t       *testing.T
	a       *app
	base    string
	token   string
	stopped sync.Once
}

func startServer(t *testing.T, mutate ...func(*serveConfig)) *testServer {
	t.Helper()
	return startLogging(t, io.Discard, mutate...)
}

// startLogging is startServer with the server's log, and its access log
// when cfg.AccessLog is set, written to w.
func startLogging(t *testing.T, w io.Writer, mutate ...func(*serveConfig)) *testServer {
	t.Helper()
	cfg := serveConfig{Data: t.TempDir(), LogFormat: "json", LogLevel: "warn", AdminToken: "test-admin-token-0123456789",
		MaxUploadMB: 1, LockoutLimit: 5, LockoutWindow: 15 * time.Minute, TxnRows: 256, RowCacheMB: 64,
		RequestTimeout: time.Minute, IdleTimeout: time.Minute}
	for _, m := range mutate {
		m(&cfg)
	}
	a, err := newApp(cfg, zerolog.New(w).Level(zerolog.TraceLevel), withAccessLog(w, accessLines))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.serve(ln) //nolint:errcheck // ends with Shutdown
	ts := &testServer{t: t, a: a, base: "http://" + ln.Addr().String(), token: cfg.AdminToken}
	t.Cleanup(ts.stop)
	return ts
}

// stop shuts the server down and closes its store, once; a test that
// restarts on the same data folder calls it before starting the next.
func (s *testServer) stop() {
	s.stopped.Do(func() {
		_ = s.a.server.Shutdown()
		_ = s.a.close()
	})
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

func (s *testServer) do(method, path string, body string, header map[string]string) reply {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (s *testServer) admin(method, path, body string) reply {
	return s.do(method, path, body, map[string]string{"Authorization": "Bearer " + s.token, "Content-Type": "application/json"})
}

type client struct {
	CID            int64  `json:"cid"`
	APIKey         string `json:"api_key"`
	APISecret      string `json:"api_secret"`
	UploadPassword string `json:"upload_password"`
}

func (s *testServer) newClient(name string) client {
	s.t.Helper()
	r := s.admin("POST", "/admin/api/clients", fmt.Sprintf(`{"name":%q}`, name))
	if r.status != 201 {
		s.t.Fatalf("create client: %d %s", r.status, r.body)
	}
	var c client
	r.json(s.t, &c)
	return c
}

const guideColumns = `[
 {"id":"colA","name":"Invoice Number","type":"numeric","visible":true,"required":true,"primary_key":true,"ivr_field":"ref1","min_dtmf":6,"max_dtmf":6},
 {"id":"colB","name":"Date of Birth","type":"date","required":true,"ivr_field":"ref2","min_dtmf":8,"max_dtmf":8},
 {"id":"colC","name":"Balance","type":"currency","visible":true,"required":true,"ivr_field":"balance"},
 {"id":"colD","name":"Minimum Payment","type":"currency","visible":true,"ivr_field":"min_payment"},
 {"id":"colE","name":"Maximum Payment","type":"currency","visible":true,"ivr_field":"max_payment"}]`

func (s *testServer) newDatabase(cid int64) int64 {
	s.t.Helper()
	r := s.admin("POST", fmt.Sprintf("/admin/api/clients/%d/databases", cid), `{"description":"Debtors","columns":`+guideColumns+`}`)
	if r.status != 201 {
		s.t.Fatalf("create database: %d %s", r.status, r.body)
	}
	var db struct {
		DBID int64 `json:"dbid"`
	}
	r.json(s.t, &db)
	return db.DBID
}

func signFor(c client, dbid int64, body string) string {
	return hash.Sign(c.CID, dbid, c.UploadPassword, []byte(body))
}

func (s *testServer) upload(method string, c client, dbid int64, body string) reply {
	sig := signFor(c, dbid, body)
	return s.do(method, fmt.Sprintf("/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", c.CID, dbid, sig), body,
		map[string]string{"Content-Type": "application/json"})
}

func (s *testServer) lookup(c client, cid, dbid int64, query string) reply {
	auth := base64.StdEncoding.EncodeToString([]byte(c.APIKey + ":" + c.APISecret))
	return s.do("GET", fmt.Sprintf("/ivr/v1/%d/%d/lookup?%s", cid, dbid, query), "", map[string]string{"Authorization": "Basic " + auth})
}

func TestEndToEnd(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme Collections")
	dbid := s.newDatabase(c.CID)

	up := s.upload("POST", c, dbid, `[{"colA":"123456","colB":"01021990","colC":"£12.50","colD":"500","colE":"12.50"},
		{"cola":"000123","COLB":"29022000","colC":"1,234.56"},
		{"colA":"654321","colB":"010290","colC":"1"}]`)
	if up.status != 200 {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	want := `{"received":3,"inserted":2,"updated":0,"unchanged":0,"invalid":[{"index":2,"column":"colB","error":"expected 8 digits, got 6"}]}`
	if string(up.body) != want {
		t.Fatalf("upload answer\n got %s\nwant %s", up.body, want)
	}
	again := s.upload("POST", c, dbid, `[{"colA":"123456","colC":"£20.00"},{"colA":"000123","colC":"£1,234.56"}]`)
	if string(again.body) != `{"received":2,"inserted":0,"updated":1,"unchanged":1,"invalid":[]}` {
		t.Fatalf("second upload: %s", again.body)
	}

	tests := []struct {
		name, query string
		status      int
		want        map[string]any
	}{
		{"found by ivr field with trailing hash", "ref1=123456%23&ref2=01021990", 200,
			map[string]any{"status": "found", "balance": map[string]any{"minor": 2000.0, "amount": "20.00", "say": "twenty pounds"}}},
		{"found by column id in any case", "COLA=000123&colb=29022000", 200, map[string]any{"status": "found"}},
		{"wrong date of birth", "ref1=123456&ref2=02021990", 404, map[string]any{"status": "not_found"}},
		{"too short", "ref1=12345&ref2=01021990", 422, map[string]any{"status": "invalid_input", "field": "ref1", "reason": "too_short", "min": 6.0, "max": 6.0}},
		{"too long", "ref1=1234567&ref2=01021990", 422, map[string]any{"reason": "too_long"}},
		{"star is not a digit", "ref1=12345*&ref2=01021990", 422, map[string]any{"reason": "not_digits"}},
		{"amazon connect timeout", "ref1=Timeout&ref2=01021990", 422, map[string]any{"reason": "not_digits"}},
		{"lone hash is missing", "ref1=%23&ref2=01021990", 422, map[string]any{"reason": "missing"}},
		{"missing ref2", "ref1=123456", 422, map[string]any{"field": "ref2", "reason": "missing"}},
		{"impossible date", "ref1=123456&ref2=30021990", 422, map[string]any{"field": "ref2", "reason": "bad_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.lookup(c, c.CID, dbid, tt.query)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			var got map[string]any
			r.json(t, &got)
			for k, v := range tt.want {
				if fmt.Sprint(got[k]) != fmt.Sprint(v) {
					t.Errorf("%s = %v, want %v (%s)", k, got[k], v, r.body)
				}
			}
		})
	}

	t.Run("kv format", func(t *testing.T) {
		r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990&format=kv")
		body := string(r.body)
		if r.status != 200 || !strings.HasPrefix(body, "status=found&balance=20.00&balance_minor=2000&balance_say=twenty+pounds&") {
			t.Fatalf("kv: %d %s", r.status, body)
		}
		vals, err := url.ParseQuery(body)
		if err != nil || vals.Get("min_payment_minor") != "500" || vals.Get("colA") != "123456" || vals.Has("colB") {
			t.Fatalf("kv fields: %v %v", vals, err)
		}
	})

	t.Run("rows page in key order", func(t *testing.T) {
		r := s.admin("GET", fmt.Sprintf("/admin/api/clients/%d/databases/%d/rows?limit=1", c.CID, dbid), "")
		var page struct {
			Rows []map[string]string `json:"rows"`
			Next string              `json:"next"`
		}
		r.json(t, &page)
		if len(page.Rows) != 1 || page.Rows[0]["colA"] != "000123" || page.Next == "" {
			t.Fatalf("first page: %s", r.body)
		}
		r = s.admin("GET", fmt.Sprintf("/admin/api/clients/%d/databases/%d/rows?limit=5&after=%s", c.CID, dbid, page.Next), "")
		page.Next = ""
		r.json(t, &page)
		if len(page.Rows) != 1 || page.Rows[0]["colA"] != "123456" || page.Next != "" {
			t.Fatalf("second page: %s", r.body)
		}
	})

	t.Run("delete by primary key", func(t *testing.T) {
		r := s.upload("DELETE", c, dbid, `[{"colA":"000123"},{"colA":"999999"}]`)
		if string(r.body) != `{"received":2,"deleted":1,"not_found":1,"invalid":[]}` {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := s.lookup(c, c.CID, dbid, "ref1=000123&ref2=29022000"); r.status != 404 {
			t.Fatalf("deleted row still found: %s", r.body)
		}
	})
}

func TestUploadErrors(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	body := `{"colA":"123456","colB":"01021990","colC":"100"}`
	sig := hash.Sign(c.CID, dbid, c.UploadPassword, []byte(body))
	tests := []struct {
		name, query, body string
		status            int
		want              string
	}{
		{"unknown client", fmt.Sprintf("cid=999999&dbid=%d&Hash=%s", dbid, sig), body, 404, "Invalid clientid"},
		{"no client", fmt.Sprintf("dbid=%d&Hash=%s", dbid, sig), body, 404, "Invalid clientid"},
		{"unknown database", fmt.Sprintf("cid=%d&dbid=77&Hash=%s", c.CID, sig), body, 404, "Invalid database ID"},
		{"no hash", fmt.Sprintf("cid=%d&dbid=%d", c.CID, dbid), body, 403, ivr.ErrMissingHash.Error()},
		{"an empty hash", fmt.Sprintf("cid=%d&dbid=%d&Hash=", c.CID, dbid), body, 403, ivr.ErrMissingHash.Error()},
		{"wrong hash", fmt.Sprintf("cid=%d&dbid=%d&Hash=%s", c.CID, dbid, sig[:80]+"AAAAAA2"), body, 403, "Invalid hash"},
		{"signature of another body", fmt.Sprintf("cid=%d&dbid=%d&Hash=%s", c.CID, dbid, sig), `{"colA":"123456","colB":"01021990","colC":"999"}`, 403, "Invalid hash"},
		{"parameter names in any case", fmt.Sprintf("CID=%d&DbId=%d&hash=%s", c.CID, dbid, sig), body, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do("POST", "/cppdb/api/database?"+tt.query, tt.body, map[string]string{"Content-Type": "application/json"})
			var got struct {
				Error string `json:"error"`
			}
			r.json(t, &got)
			if r.status != tt.status || got.Error != tt.want {
				t.Fatalf("got %d %s, want %d %q", r.status, r.body, tt.status, tt.want)
			}
		})
	}
	t.Run("not json", func(t *testing.T) {
		r := s.upload("POST", c, dbid, `{"colA":`)
		if r.status != 400 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
	})
	t.Run("trailing data after a signed document", func(t *testing.T) {
		r := s.upload("POST", c, dbid, body+`{"colA":"000001"}`)
		if r.status != 400 || !strings.Contains(string(r.body), "after the JSON document") {
			t.Fatalf("got %d %s", r.status, r.body)
		}
	})
	t.Run("too large", func(t *testing.T) {
		// Announce a body past the limit and send none of it: the server
		// must refuse on the length alone, in JSON, without reading it.
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /cppdb/api/database?cid=%d&dbid=%d&Hash=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", c.CID, dbid, 2<<20)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 413 || !strings.Contains(string(b), `"error"`) {
			t.Fatalf("got %d %s", resp.StatusCode, b)
		}
	})
}

func TestTenantIsolation(t *testing.T) {
	s := startServer(t)
	a, b := s.newClient("A"), s.newClient("B")
	dbA := s.newDatabase(a.CID)
	if r := s.upload("POST", a, dbA, `{"colA":"123456","colB":"01021990","colC":"100"}`); r.status != 200 {
		t.Fatalf("upload: %s", r.body)
	}
	if r := s.lookup(a, a.CID, dbA, "ref1=123456&ref2=01021990"); r.status != 200 {
		t.Fatalf("owner lookup: %d %s", r.status, r.body)
	}
	if r := s.lookup(b, a.CID, dbA, "ref1=123456&ref2=01021990"); r.status != 404 || strings.Contains(string(r.body), "balance") {
		t.Fatalf("B read A's database: %d %s", r.status, r.body)
	}
	if r := s.lookup(client{APIKey: a.APIKey, APISecret: "wrong"}, a.CID, dbA, "ref1=123456&ref2=01021990"); r.status != 401 {
		t.Fatalf("bad secret: %d %s", r.status, r.body)
	}
	// B's upload password cannot sign for A's database, even naming A's cid.
	if r := s.upload("POST", client{CID: a.CID, UploadPassword: b.UploadPassword}, dbA, `{"colA":"111111","colB":"01021990","colC":"1"}`); r.status != 403 {
		t.Fatalf("B signed for A: %d %s", r.status, r.body)
	}
	// B has no database dbA of its own.
	if r := s.upload("POST", b, dbA, `{"colA":"111111","colB":"01021990","colC":"1"}`); r.status != 404 {
		t.Fatalf("B wrote to its own nonexistent db: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/admin/api/clients", "", nil); r.status != 401 {
		t.Fatalf("admin API without token: %d", r.status)
	}
}

func TestLockout(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	s.upload("POST", c, dbid, `{"colA":"123456","colB":"01021990","colC":"100"}`)
	for i := 1; i <= 5; i++ {
		if r := s.lookup(c, c.CID, dbid, fmt.Sprintf("ref1=123456&ref2=0%d011980", i)); r.status != 404 {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990")
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("sixth try with the right DOB must be locked: %d %s", r.status, r.body)
	}
	// Another invoice from another caller is not affected.
	if r := s.lookup(c, c.CID, dbid, "ref1=654321&ref2=01021990&caller=07700900001"); r.status != 404 {
		t.Fatalf("other ref1: %d %s", r.status, r.body)
	}
}

func TestSchemaRules(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	r := s.admin("POST", fmt.Sprintf("/admin/api/clients/%d/databases", c.CID),
		`{"description":"Bad","columns":[{"id":"colA","name":"X","type":"text","ivr_field":"ref1","min_dtmf":0,"max_dtmf":40},{"id":"col1","name":"","type":"money"}]}`)
	var got struct {
		Problems []string `json:"problems"`
	}
	r.json(t, &got)
	if r.status != 400 || len(got.Problems) < 5 {
		t.Fatalf("want 400 with every problem, got %d %s", r.status, r.body)
	}
	dbid := s.newDatabase(c.CID)
	s.upload("POST", c, dbid, `{"colA":"123456","colB":"01021990","colC":"100"}`)
	changed := strings.Replace(guideColumns, `"type":"date",`, `"type":"date","format":"MMDDYYYY",`, 1)
	r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid), `{"description":"Debtors","columns":`+changed+`}`)
	if r.status != 409 || !strings.Contains(string(r.body), "date format") {
		t.Fatalf("type change on a non-empty database: %d %s", r.status, r.body)
	}
	renamed := strings.Replace(guideColumns, `"Balance"`, `"Amount Owed"`, 1)
	r = s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid), `{"description":"Debtors","columns":`+renamed+`}`)
	if r.status != 200 || !strings.Contains(string(r.body), "Amount Owed") || !strings.Contains(string(r.body), `"rows":1`) {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	if r := s.admin("DELETE", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid), ""); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990"); r.status != 404 {
		t.Fatalf("lookup in dropped database: %d", r.status)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestLookupThroughIndex covers a database whose key is not what callers
// key: lookups go through the ref index, and two rows with the same refs
// are ambiguous, not a guess.
func TestLookupThroughIndex(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	cols := `[{"id":"colA","name":"Account","type":"text","required":true,"primary_key":true},
	 {"id":"colB","name":"Postcode digits","type":"numeric","required":true,"ivr_field":"ref1","min_dtmf":4,"max_dtmf":6},
	 {"id":"colC","name":"Balance","type":"currency","visible":true,"required":true,"ivr_field":"balance"}]`
	r := s.admin("POST", fmt.Sprintf("/admin/api/clients/%d/databases", c.CID), `{"description":"By account","columns":`+cols+`}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var db struct {
		DBID int64 `json:"dbid"`
	}
	r.json(t, &db)
	s.upload("POST", c, db.DBID, `[{"colA":"ACC-1","colB":"1234","colC":"£5"},{"colA":"ACC-2","colB":"5678","colC":"£6"},{"colA":"ACC-3","colB":"5678","colC":"£7"}]`)
	tests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"unique refs", "ref1=1234", 200, `"amount":"5.00"`},
		{"two rows share the refs", "ref1=5678", 409, `"status":"ambiguous"`},
		{"nobody", "ref1=9999", 404, `"status":"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.lookup(c, c.CID, db.DBID, tt.query)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.body) {
				t.Fatalf("got %d %s", r.status, r.body)
			}
		})
	}
	// Moving ACC-3 to another postcode must move its index entry too.
	s.upload("POST", c, db.DBID, `{"colA":"ACC-3","colB":"9999"}`)
	if r := s.lookup(c, c.CID, db.DBID, "ref1=5678"); r.status != 200 || !strings.Contains(string(r.body), `"amount":"6.00"`) {
		t.Fatalf("after the move: %d %s", r.status, r.body)
	}
	if r := s.lookup(c, c.CID, db.DBID, "ref1=9999"); r.status != 200 || !strings.Contains(string(r.body), `"amount":"7.00"`) {
		t.Fatalf("moved row: %d %s", r.status, r.body)
	}
}

// TestLookupFollowsDefinition: answers are written through a plan made per
// table definition, so an admin hiding or renaming a column must see the
// very next lookup change, in JSON and in key=value alike.
func TestLookupFollowsDefinition(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	s.upload("POST", c, dbid, `{"colA":"123456","colB":"01021990","colC":"£12.50","colD":"£5"}`)
	for _, want := range []string{`"id":"colD","name":"Minimum Payment","value":"5.00"`, `"name":"Balance","value":"12.50"`} {
		if r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990"); r.status != 200 || !strings.Contains(string(r.body), want) {
			t.Fatalf("before the change: %d %s, want %s", r.status, r.body, want)
		}
	}
	cols := strings.Replace(guideColumns, `"name":"Balance"`, `"name":"Amount owed"`, 1)
	cols = strings.Replace(cols, `"name":"Minimum Payment","type":"currency","visible":true`, `"name":"Minimum Payment","type":"currency","visible":false`, 1)
	if strings.Count(cols, "Amount owed") != 1 || strings.Count(cols, `"visible":false`) != 1 {
		t.Fatal("the test's column change did not apply")
	}
	if r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d/databases/%d", c.CID, dbid),
		`{"description":"Debtors","columns":`+cols+`}`); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990")
	if r.status != 200 || strings.Contains(string(r.body), `"id":"colD"`) ||
		!strings.Contains(string(r.body), `"name":"Amount owed","value":"12.50"`) || !strings.Contains(string(r.body), `"min_payment":{"minor":500`) {
		t.Fatalf("after the change: %d %s", r.status, r.body)
	}
	r = s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990&format=kv")
	if r.status != 200 || strings.Contains(string(r.body), "colD=") || !strings.Contains(string(r.body), "colC=12.50") {
		t.Fatalf("key=value after the change: %d %s", r.status, r.body)
	}
}
