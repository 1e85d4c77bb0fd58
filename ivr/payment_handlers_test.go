package ivr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/testkit"
)

// twoClients knows client 1234 (key:secret) and client 5678 (other:secret).
type twoClients struct{}

func (twoClients) UploadPassword(int64) (string, error) { return "secret", nil }

func (twoClients) Authenticate(key, secret []byte) (int64, error) {
	switch {
	case string(secret) != "secret":
	case string(key) == "key":
		return 1234, nil
	case string(key) == "other":
		return 5678, nil
	}
	return 0, errors.New("ivr test: wrong key or secret")
}

type paymentServer struct {
	url        string
	dbid       int64
	otherDBID  int64
	log        *testkit.SyncBuffer
	svc        *Service
	pay        *Payments
	httpClient *http.Client
}

func startPaymentServer(t *testing.T) *paymentServer {
	t.Helper()
	store, cat, dbid := newTestCatalog(t, guideColumns())
	other, err := cat.Create(5678, DatabaseSpec{Description: "Other", Columns: guideColumns()})
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(store, cat, twoClients{}, Config{LockoutLimit: 3, LockoutWindow: time.Hour})
	t.Cleanup(s.Close)
	uploadRows(t, s, dbid, `[{"colA":"123456","colB":"01021990","colC":"£12.50","colD":"£5.00","colE":"£12.50"},
		{"colA":"444444","colB":"01021990","colC":"£100.00"}]`)
	body := `[{"colA":"123456","colB":"01021990","colC":"£99.00"}]`
	if _, err := s.Upload(Signed{CID: 5678, DBID: other.DBID, Hash: hash.Sign(5678, other.DBID, "secret", []byte(body))}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	p := NewPayments(s, store)
	p.now = func() time.Time { return time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC) }
	log := &testkit.SyncBuffer{}
	h := NewPaymentHandlers(p, zerolog.New(log))
	r := router.New()
	r.POST("/ivr/v1/{cid}/{dbid}/payments", h.Post)
	r.GET("/ivr/v1/{cid}/{dbid}/payments", h.List)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler}
	go srv.Serve(ln)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	t.Cleanup(func() {
		// The test hung in Shutdown 1 run in 40 under load, on keep-alive
		// connections the server was still reading from.
		client.CloseIdleConnections()
		testkit.Shutdown(srv)
	})
	return &paymentServer{url: "http://" + ln.Addr().String(), dbid: dbid, otherDBID: other.DBID, log: log, svc: s, pay: p,
		httpClient: client}
}

// do sends one request as key (no auth if empty) and returns the status
// and body.
func (ps *paymentServer) do(t testing.TB, method, path, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ps.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":secret")))
	}
	resp, err := ps.httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestPaymentWire(t *testing.T) {
	ps := startPaymentServer(t)
	path := fmt.Sprintf("/ivr/v1/1234/%d/payments", ps.dbid)
	tests := []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{name: "posted", method: "POST", path: path, key: "key",
			body:   `{"ref1":"123456","ref2":"01021990","amount":"7.50","reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123"}`,
			status: 201,
			want: `{"payment_id":"1","status":"found",` +
				`"amount":{"minor":750,"amount":"7.50","say":"seven pounds and fifty pence"},` +
				`"balance":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"min_payment":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"max_payment":{"minor":500,"amount":"5.00","say":"five pounds"}}`},
		{name: "the same again", method: "POST", path: path, key: "key",
			body:   `{"amount":"7.50","ref2":"01021990","ref1":"123456","reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123"}`,
			status: 201,
			want: `{"payment_id":"1","status":"found",` +
				`"amount":{"minor":750,"amount":"7.50","say":"seven pounds and fifty pence"},` +
				`"balance":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"min_payment":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"max_payment":{"minor":500,"amount":"5.00","say":"five pounds"}}`},
		{name: "reference reused", method: "POST", path: path, key: "key",
			body:   `{"ref1":"123456","ref2":"01021990","amount":"1.00","reference":"PSP-8842"}`,
			status: 409, want: `{"error":"this reference was used for another payment in this database","reason":"reference_reused"}`},
		{name: "pays off, by column id and minor units", method: "POST", path: path, key: "key",
			body:   `{"colA":"123456","COLB":"01021990","amount_minor":500,"reference":"PSP-8843"}`,
			status: 201,
			want: `{"payment_id":"2","status":"not_payable","reason":"no_balance",` +
				`"amount":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"balance":{"minor":0,"amount":"0.00","say":"zero pounds"},` +
				`"min_payment":{"minor":0,"amount":"0.00","say":"zero pounds"},` +
				`"max_payment":{"minor":0,"amount":"0.00","say":"zero pounds"}}`},
		{name: "nothing left to pay", method: "POST", path: path, key: "key",
			body:   `{"ref1":"123456","ref2":"01021990","amount":"1.00","reference":"PSP-8844"}`,
			status: 422,
			want: `{"error":"this caller cannot pay now: no_balance",` +
				`"max":{"minor":0,"amount":"0.00","say":"zero pounds"},` +
				`"min":{"minor":0,"amount":"0.00","say":"zero pounds"},"not_payable":"no_balance","reason":"not_payable"}`},
		{name: "above max", method: "POST", path: path, key: "key",
			body:   `{"ref1":"444444","ref2":"01021990","amount":"100.01","reference":"PSP-1"}`,
			status: 422,
			want: `{"error":"the amount is above the maximum payment (never more than the balance)",` +
				`"max":{"minor":10000,"amount":"100.00","say":"one hundred pounds"},` +
				`"min":{"minor":1,"amount":"0.01","say":"one penny"},"reason":"above_max"}`},
		{name: "invalid ref", method: "POST", path: path, key: "key",
			body:   `{"ref1":"12*456","ref2":"01021990","amount":"1.00","reference":"PSP-1"}`,
			status: 422, want: `{"error":"ref1: not_digits","field":"ref1","max":6,"min":6,"reason":"not_digits","status":"invalid_input"}`},
		{name: "not found", method: "POST", path: path, key: "key",
			body:   `{"ref1":"999999","ref2":"01021990","amount":"1.00","reference":"PSP-1"}`,
			status: 404, want: `{"error":"no caller matches these refs","status":"not_found"}`},
		{name: "unknown field is refused unechoed", method: "POST", path: path, key: "key",
			body:   `{"ref1":"444444","ref2":"01021990","amount":"1.00","reference":"PSP-1","card_number":"4111111111111111"}`,
			status: 400, want: `{"error":"payment body: unknown field; the fields are ref1…ref3 (or column ids) and amount, amount_minor, reference, method, card_last4, account_last4, caller"}`},
		{name: "a ref as a number", method: "POST", path: path, key: "key",
			body:   `{"ref1":444444,"ref2":"01021990","amount":"1.00","reference":"PSP-1"}`,
			status: 400, want: `{"error":"payment body: ref1: must be a string: digits keep their leading zeros","field":"ref1"}`},
		{name: "no credentials", method: "POST", path: path, body: `{}`, status: 401, want: `{"error":"unauthorized"}`},
		{name: "another client's database", method: "POST", path: fmt.Sprintf("/ivr/v1/5678/%d/payments", ps.otherDBID), key: "key",
			body: `{"ref1":"123456","ref2":"01021990","amount":"1.00","reference":"X"}`, status: 404, want: `{"error":"no such database"}`},
		{name: "another client's ledger", method: "GET", path: fmt.Sprintf("/ivr/v1/5678/%d/payments", ps.otherDBID), key: "key",
			status: 404, want: `{"error":"no such database"}`},
		{name: "a database of another id", method: "GET", path: fmt.Sprintf("/ivr/v1/1234/%d/payments", ps.otherDBID+ps.dbid+7), key: "key",
			status: 404, want: `{"error":"no such database"}`},
		{name: "the other client's own ledger is empty", method: "GET", path: fmt.Sprintf("/ivr/v1/5678/%d/payments", ps.otherDBID), key: "other",
			status: 200, want: `{"payments":[],"next":""}`},
		{name: "ledger", method: "GET", path: path + "?limit=1", key: "key", status: 200,
			want: `{"payments":[{"id":"1","time":"2026-12-01T09:30:00Z","refs":{"ref1":"123456","ref2":"01021990"},` +
				`"amount":{"minor":750,"amount":"7.50","say":"seven pounds and fifty pence"},` +
				`"balance_before":{"minor":1250,"amount":"12.50","say":"twelve pounds and fifty pence"},` +
				`"balance_after":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123","platform":"api","replaced_by_upload":false}],"next":"1"}`},
		{name: "ledger's next page", method: "GET", path: path + "?after=1&limit=5", key: "key", status: 200,
			want: `{"payments":[{"id":"2","time":"2026-12-01T09:30:00Z","refs":{"ref1":"123456","ref2":"01021990"},` +
				`"amount":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"balance_before":{"minor":500,"amount":"5.00","say":"five pounds"},` +
				`"balance_after":{"minor":0,"amount":"0.00","say":"zero pounds"},` +
				`"reference":"PSP-8843","method":"other","card_last4":"","caller":"","platform":"api","replaced_by_upload":false}],"next":""}`},
		{name: "bad limit", method: "GET", path: path + "?limit=x", key: "key", status: 400,
			want: `{"error":"payment body: limit: must be a positive whole number (at most 1000)","field":"limit"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ps.do(t, tt.method, tt.path, tt.key, tt.body)
			if status != tt.status || body != tt.want {
				t.Fatalf("%s %s = %d\n%s\nwant %d\n%s", tt.method, tt.path, status, body, tt.status, tt.want)
			}
			if strings.Contains(body, "4111111111111111") || strings.Contains(ps.log.Scrubbed(), "4111") {
				t.Fatal("a card number reached an answer or the log")
			}
		})
	}
}

// TestPaymentsOverHTTP: concurrent payments of one row over real
// connections, some sharing a reference, never take it below zero nor
// debit a reference twice.
func TestPaymentsOverHTTP(t *testing.T) {
	ps := startPaymentServer(t)
	path := fmt.Sprintf("/ivr/v1/1234/%d/payments", ps.dbid)
	const workers, each = 12, 20 // 240 tries of £0.70 at £100: 142 can be paid
	var mu sync.Mutex
	ids := map[string]string{}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ref := fmt.Sprint("ref-", (g*each+i)%200) // 200 references, 40 of them sent twice
				status, body := ps.do(t, "POST", path, "key", `{"ref1":"444444","ref2":"01021990","amount":"0.70","reference":"`+ref+`"}`)
				switch status {
				case 201:
					var got struct {
						PaymentID string `json:"payment_id"`
					}
					if err := json.Unmarshal([]byte(body), &got); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if id, ok := ids[ref]; ok && id != got.PaymentID {
						t.Errorf("reference %s paid as %s and %s", ref, id, got.PaymentID)
					}
					ids[ref] = got.PaymentID
					mu.Unlock()
				case 422:
				default:
					t.Errorf("%d %s", status, body)
				}
			}
		}()
	}
	wg.Wait()
	res, err := ps.svc.Lookup(1234, ps.dbid, Query{Param: pay("444444", "", "").param})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := res.Record.Amounts()
	if a.Balance < 0 || a.Balance != 10000-70*int64(len(ids)) || len(ids) != 10000/70 {
		t.Fatalf("balance %d after %d payments of 70 from 10000", a.Balance, len(ids))
	}
	_, body := ps.do(t, "GET", path+"?limit=1000", "key", "")
	var led struct {
		Payments []struct {
			ID        string `json:"id"`
			Reference string `json:"reference"`
		} `json:"payments"`
	}
	if err := json.Unmarshal([]byte(body), &led); err != nil {
		t.Fatal(err)
	}
	if len(led.Payments) != len(ids) {
		t.Fatalf("ledger holds %d payments, %d answered 201", len(led.Payments), len(ids))
	}
	for _, e := range led.Payments {
		if ids[e.Reference] != e.ID {
			t.Fatalf("ledger %s for %s, answered %s", e.ID, e.Reference, ids[e.Reference])
		}
	}
}

func TestParsePaymentBody(t *testing.T) {
	tests := []struct {
		name, body string
		want       PaymentInput
		err        string // BodyError's field, or "-" for the body
	}{
		{name: "issue's example", body: `{"ref1":"123456","ref2":"01021990","amount":"12.50","reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123"}`,
			want: PaymentInput{Refs: map[string]string{"ref1": "123456", "ref2": "01021990"}, Amount: "12.50", Reference: "PSP-8842", Method: "card", CardLast4: "1111", Caller: "07700900123"}},
		{name: "column ids in any case, a number as written", body: `{"COLA":"012345","Ref2":"01021990","amount":12.50,"reference":"r"}`,
			want: PaymentInput{Refs: map[string]string{"colA": "012345", "ref2": "01021990"}, Amount: "12.50", Reference: "r"}},
		{name: "minor units as a string", body: `{"amount_minor":"1250"}`, want: PaymentInput{Refs: map[string]string{}, AmountMinor: 1250}},
		{name: "minor units, a number", body: `{"amount_minor":1250}`, want: PaymentInput{Refs: map[string]string{}, AmountMinor: 1250}},
		{name: "minor units with a fraction", body: `{"amount_minor":12.5}`, err: "amount_minor"},
		{name: "zero minor units", body: `{"amount_minor":0}`, err: "amount_minor"},
		{name: "empty amount", body: `{"amount":""}`, err: "amount"},
		{name: "twice", body: `{"ref1":"1","REF1":"2"}`, err: "ref1"},
		{name: "unknown", body: `{"cvv":"123"}`, err: "-"},
		{name: "an array", body: `[{"ref1":"1"}]`, err: "-"},
		{name: "trailing", body: `{"ref1":"1"} {}`, err: "-"},
		{name: "truncated", body: `{"ref1":"1"`, err: "-"},
		{name: "null reference", body: `{"reference":null}`, err: "reference"},
		{name: "escapes", body: `{"ref\u0031":"1","reference":"PSP\u002d1","caller":"0770\/1"}`,
			want: PaymentInput{Refs: map[string]string{"ref1": "1"}, Reference: "PSP-1", Caller: "0770/1"}},
		{name: "null amount left unset", body: `{"amount":null}`, want: PaymentInput{Refs: map[string]string{}}},
		{name: "a number as a ref", body: `{"ref1":123456}`, err: "ref1"},
		{name: "an object as a reference", body: `{"reference":{"id":"1"}}`, err: "reference"},
		{name: "invalid UTF-8", body: "{\"reference\":\"PSP\xff\"}", err: "-"},
		{name: "a lone surrogate", body: `{"reference":"PSP\ud83d"}`, err: "-"},
		{name: "a trailing comma", body: `{"ref1":"1",}`, err: "-"},
		{name: "huge", body: `{"reference":"` + strings.Repeat("a", MaxPaymentBody) + `"}`, err: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePaymentBody([]byte(tt.body))
			var be *BodyError
			if tt.err != "" {
				if !errors.As(err, &be) || (tt.err == "-") != (be.Field == "") || (tt.err != "-" && be.Field != tt.err) {
					t.Fatalf("ParsePaymentBody = %+v, %v; want an error of %s", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("ParsePaymentBody = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestParsePaymentBodySyntax: a body that is not JSON is refused saying
// where and what is wrong, and never with the bytes found there.
func TestParsePaymentBodySyntax(t *testing.T) {
	tests := []struct{ name, body, reason string }{
		{"invalid UTF-8", "{\"reference\":\"4111111111111111\xff\"}", "not valid JSON at byte 32: string is not valid UTF-8"},
		{"a lone surrogate", `{"reference":"4111111111111111\ud83d"}`, `not valid JSON at byte 36: unpaired surrogate in \u escape`},
		{"a trailing comma", `{"ref1":"1",}`, "not valid JSON at byte 12: expected a name in quotes"},
		{"no colon", `{"ref1" "1"}`, "not valid JSON at byte 9: expected : after a name"},
		{"cut short", `{"ref1":"1"`, "not valid JSON at byte 12: expected , or } in an object"},
		{"nested deeply", `{"reference":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "not valid JSON at byte 45: nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePaymentBody([]byte(tt.body))
			var be *BodyError
			if !errors.As(err, &be) || be.Field != "" || be.Reason != tt.reason {
				t.Fatalf("ParsePaymentBody = %v, want the body refused with %q", err, tt.reason)
			}
			if strings.Contains(err.Error(), "4111") {
				t.Fatalf("%q repeats the body", err)
			}
		})
	}
}

// TestPaymentFieldNames: the refusal of an unknown field names every field
// the parser takes, and every field it names is taken.
func TestPaymentFieldNames(t *testing.T) {
	names := paymentFields()
	// seen in ParsePaymentBody is a bit per field.
	if len(names) > 64 {
		t.Fatalf("%d fields do not fit ParsePaymentBody's bit set", len(names))
	}
	_, err := ParsePaymentBody([]byte(`{"colour":"red"}`))
	var be *BodyError
	if !errors.As(err, &be) || !strings.HasSuffix(be.Reason, "ref1…ref3 (or column ids) and "+strings.Join(names, ", ")) {
		t.Fatalf("an unknown field answered %v, want every field listed", err)
	}
	for _, n := range names {
		_, err := ParsePaymentBody([]byte(`{"` + n + `":"x"}`))
		if errors.As(err, &be) && strings.HasPrefix(be.Reason, "unknown field") {
			t.Errorf("%s is listed but refused as unknown", n)
		}
	}
}

// FuzzParsePaymentBody: the parser never panics, an error never repeats
// the body's digits, and what it accepts survives being posted.
func FuzzParsePaymentBody(f *testing.F) {
	f.Add([]byte(`{"ref1":"123456","ref2":"01021990","amount":"12.50","reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123"}`))
	f.Add([]byte(`{"colA":"123456","amount_minor":1250}`))
	f.Add([]byte(`{"card_number":"4111111111111111"}`))
	f.Add([]byte(`{"ref1":4111111111111111}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := ParsePaymentBody(body)
		if err != nil {
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a BodyError", err)
			}
			if d := longestDigits(body); len(d) >= 6 && strings.Contains(err.Error(), d) {
				t.Fatalf("error %q repeats the body's digits", err)
			}
			return
		}
		if in.AmountMinor == 0 && bytes.Contains(body, []byte("amount_minor")) && !bytes.Contains(body, []byte(`\u`)) {
			// amount_minor given and accepted is never 0
			var m map[string]any
			if json.Unmarshal(body, &m) == nil {
				if _, ok := m["amount_minor"]; ok {
					t.Fatalf("amount_minor accepted as 0 from %q", body)
				}
			}
		}
	})
}

func longestDigits(b []byte) string {
	best, cur := "", 0
	for i := range b {
		if b[i] >= '0' && b[i] <= '9' {
			cur++
			if cur > len(best) {
				best = string(b[i-cur+1 : i+1])
			}
		} else {
			cur = 0
		}
	}
	return best
}
