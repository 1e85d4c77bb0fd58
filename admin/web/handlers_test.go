package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests see each answer.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (int, string, string) {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return res.StatusCode, string(body), strings.TrimPrefix(res.Header.Get("Location"), b.base)
}

func (b *browser) get(path string) (int, string, string) {
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form with the last page's anti-forgery token unless the
// form sets csrf itself.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) upload(path string, fields map[string]string, name, content string) (int, string, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", b.csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write([]byte(content))
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func expect(t *testing.T, what string, code int, body string, wantCode int, wantText ...string) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("%s: status %d, want %d\n%s", what, code, wantCode, body)
	}
	for _, w := range wantText {
		if !strings.Contains(body, w) {
			t.Fatalf("%s: page lacks %q\n%s", what, w, body)
		}
	}
}

func signUp(t *testing.T, b *browser) {
	t.Helper()
	b.get("/admin/setup")
	code, _, loc := b.post("/admin/setup", url.Values{"token": {testToken}, "name": {"ada"},
		"password": {"correct horse battery"}, "confirm": {"correct horse battery"}})
	if code != 303 || loc != "/admin/" {
		t.Fatalf("setup: %d %s", code, loc)
	}
	b.get("/admin/")
}

func TestAuthForms(t *testing.T) {
	s, _ := newTestServer(t)
	b := newBrowser(t, listen(t, s))
	if code, _, loc := b.get("/admin/clients"); code != 303 || loc != "/admin/setup" {
		t.Fatalf("empty store: %d %s", code, loc)
	}
	b.get("/admin/setup")
	code, body, _ := b.post("/admin/setup", url.Values{"token": {"wrong"}, "name": {"ada"}, "password": {"correct horse battery"}, "confirm": {"correct horse battery"}})
	expect(t, "setup with a wrong token", code, body, 400, "That is not the admin token")
	code, body, _ = b.post("/admin/setup", url.Values{"token": {testToken}, "name": {"Ada Lovelace"}, "password": {"short"}, "confirm": {"short"}})
	expect(t, "setup with a bad name and password", code, body, 400, "12 to 72 characters")
	code, body, _ = b.post("/admin/setup", url.Values{"token": {testToken}, "name": {"ada"}, "password": {"correct horse battery"}, "confirm": {"different horse"}})
	expect(t, "setup with differing passwords", code, body, 400, "The two passwords differ")
	code, body, _ = b.post("/admin/setup", url.Values{"csrf": {"forged"}, "token": {testToken}, "name": {"ada"}, "password": {"correct horse battery"}, "confirm": {"correct horse battery"}})
	expect(t, "setup with a forged form", code, body, 400, "The form had expired")
	signUp(t, b)
	if code, _, loc := b.get("/admin/setup"); code != 303 || loc != "/admin/sign-in" {
		t.Fatalf("setup after the first user: %d %s", code, loc)
	}
	code, body, _ = b.post("/admin/clients", url.Values{"csrf": {"forged"}, "name": {"Acme"}})
	expect(t, "a form without the session's token", code, body, 403, "out of date", "reload the page")
	code, _, loc := b.post("/admin/sign-out", url.Values{})
	if code != 303 || !strings.Contains(loc, "signed-out") {
		t.Fatalf("sign out: %d %s", code, loc)
	}
	if code, _, loc := b.get("/admin/clients"); code != 303 || !strings.HasPrefix(loc, "/admin/sign-in?next=") {
		t.Fatalf("after sign-out: %d %s", code, loc)
	}
	b.get("/admin/sign-in")
	for i := 0; i < 5; i++ {
		code, body, _ = b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"wrong password!"}})
		expect(t, "a wrong password", code, body, 401, "do not match")
	}
	code, body, _ = b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"correct horse battery"}})
	expect(t, "sign-in after five failures", code, body, 429, "Too many failed sign-ins")
	code, body, _ = b.get("/admin/no-such-page")
	expect(t, "an unknown page", code, body, 404, "There is no page at this address", "Go to the dashboard")
}

func TestForms(t *testing.T) {
	s, svc := newTestServer(t)
	b := newBrowser(t, listen(t, s))
	signUp(t, b)
	b.get("/admin/clients")
	code, body, _ := b.post("/admin/clients", url.Values{"name": {""}, "cid": {"abc"}})
	expect(t, "a client without a name", code, body, 400, "Enter the client&#39;s name", "The client id must be a number")
	code, body, _ = b.post("/admin/clients", url.Values{"name": {"Acme Collections"}, "cid": {"4242"}})
	expect(t, "a new client", code, body, 200, "Copy these now", "API secret", "Upload password")
	code, body, _ = b.post("/admin/clients", url.Values{"name": {"Other"}, "cid": {"4242"}})
	expect(t, "a taken client id", code, body, 409, "That client id is taken")
	b.get("/admin/clients/4242")
	code, body, _ = b.post("/admin/clients/4242/rotate", url.Values{"what": {"everything"}})
	expect(t, "rotating nothing", code, body, 400, "choose the upload password or the API secret")
	code, body, _ = b.post("/admin/clients/4242/status", url.Values{"status": {"gone"}})
	expect(t, "a bad status", code, body, 400, "active or suspended")
	code, body, _ = b.post("/admin/clients/4242/databases", url.Values{"description": {" "}})
	expect(t, "a database without a description", code, body, 400, "Enter a description")
	code, _, loc := b.post("/admin/clients/4242/databases", url.Values{"description": {"Debtors"}})
	if code != 303 || !strings.HasPrefix(loc, "/admin/clients/4242/databases/1") {
		t.Fatalf("create database: %d %s", code, loc)
	}
	db := "/admin/clients/4242/databases/1"
	b.get(db + "/fields/colA")
	code, body, _ = b.post(db+"/fields/colA", url.Values{"name": {"Invoice Number"}, "type": {"text"}, "visible": {"show"},
		"required": {"optional"}, "primary_key": {"identifier"}, "ivr_field": {"ref1"}, "min_dtmf": {"8"}, "max_dtmf": {"6x"}})
	expect(t, "a field with a bad number", code, body, 400, "Enter a whole number")
	code, body, _ = b.post(db+"/fields/colA", url.Values{"name": {"Invoice Number"}, "type": {"text"}, "visible": {"show"},
		"required": {"optional"}, "primary_key": {"identifier"}, "ivr_field": {"ref1"}, "min_dtmf": {"8"}, "max_dtmf": {"6"}})
	expect(t, "a field that breaks the rules", code, body, 400, "its type must be numeric or date", "must be required", "Min DTMF IP 8 is more than Max DTMF IP 6", `id="type-error"`)
	for _, f := range []url.Values{
		{"name": {"Invoice Number"}, "type": {"numeric"}, "visible": {"show"}, "required": {"required"}, "primary_key": {"identifier"}, "ivr_field": {"ref1"}, "min_dtmf": {"6"}, "max_dtmf": {"6"}},
		{"name": {"Date of Birth"}, "type": {"date"}, "format": {"DDMMYYYY"}, "visible": {"hide"}, "required": {"required"}, "primary_key": {"non-identifier"}, "ivr_field": {"ref2"}, "min_dtmf": {"8"}, "max_dtmf": {"8"}},
		{"name": {"Balance"}, "type": {"currency"}, "visible": {"show"}, "required": {"required"}, "primary_key": {"non-identifier"}, "ivr_field": {"balance"}},
	} {
		path := db + "/fields/new"
		if f.Get("name") == "Invoice Number" {
			path = db + "/fields/colA"
		}
		if code, body, _ := b.post(path, f); code != 303 {
			t.Fatalf("field %s: %d\n%s", f.Get("name"), code, body)
		}
	}
	code, body, _ = b.post(db+"/fields/colC/move", url.Values{"dir": {"down"}})
	expect(t, "moving the last field down", code, body, 400, "cannot move that way")
	code, body, _ = b.post(db+"/fields/colB/move", url.Values{"dir": {"up"}})
	if code != 303 {
		t.Fatalf("move up: %d %s", code, body)
	}
	b.post(db+"/fields/colB/move", url.Values{"dir": {"down"}})

	b.get(db + "/import")
	code, body, _ = b.upload(db+"/import", map[string]string{"mode": "merge"}, "d.csv", "1")
	expect(t, "a bad import mode", code, body, 400, "Choose whether to add")
	code, body, _ = b.upload(db+"/import", map[string]string{"mode": "upsert"}, "d.csv", "")
	expect(t, "an empty file", code, body, 400, "Choose a file")
	csv := "012345,01021990,£12.50\n123456,31021990,1.00\n234567,15081985,250\n"
	code, _, loc = b.upload(db+"/import", map[string]string{"mode": "upsert"}, "debtors.csv", csv)
	if code != 303 || !strings.HasPrefix(loc, "/admin/imports/") {
		t.Fatalf("import: %d %s", code, loc)
	}
	for i := 0; ; i++ {
		code, body, _ = b.get(loc)
		if strings.Contains(body, "Finished") || i > 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	expect(t, "the import's page", code, body, 200, "<strong>2</strong> added", "<strong>1</strong> refused", "not a real date")
	code, body, _ = b.get(loc + "/rejected.csv")
	expect(t, "the rejected lines", code, body, 200, "123456,31021990,1.00,line 2: colB: not a real date in DDMMYYYY")

	code, body, _ = b.get(db + "/rows?col=colA&q=0123")
	expect(t, "a prefix search", code, body, 200, "012345", "12.50")
	if strings.Contains(body, "234567") {
		t.Fatal("search returned a row that does not match")
	}
	code, body, _ = b.get(db + "/rows?col=colZ&q=1")
	expect(t, "a search on no such column", code, body, 400, "There is no column colZ")
	code, body, _ = b.get(db + "/row?k=999999")
	expect(t, "a row that is not stored", code, body, 404, "Search the rows again")
	b.get(db + "/row?k=012345")
	code, body, _ = b.post(db+"/row", url.Values{"v_colA": {"012345"}, "v_colB": {"31021990"}, "v_colC": {"lots"}})
	expect(t, "a row with bad values", code, body, 400, "not a real date", "not an amount")
	code, _, _ = b.post(db+"/row", url.Values{"v_colA": {"012345"}, "v_colB": {"01021990"}, "v_colC": {"£20.00"}})
	if r, _ := svc.GetRow(4242, 1, []string{"012345"}); code != 303 || r["colC"] != "2000" {
		t.Fatalf("row edit: %d %v", code, r)
	}
	code, body, _ = b.post(db+"/row", url.Values{"new": {"1"}, "v_colA": {"012345"}, "v_colB": {"01021990"}, "v_colC": {"1"}})
	expect(t, "adding a row that exists", code, body, 409, "already exists")

	code, body, _ = b.get(db + "/test?run=1&ref1=012345%23&ref2=01021990")
	expect(t, "the tester", code, body, 200, `&#34;status&#34;:&#34;found&#34;`, "balance=20.00")
	code, body, _ = b.get(db + "/test?run=1&ref1=0123&ref2=01021990")
	expect(t, "the tester with too few digits", code, body, 200, "too_short", "HTTP 422")

	b.get(db + "/delete")
	code, body, _ = b.post(db+"/delete", url.Values{"confirm": {"debtors"}})
	expect(t, "a wrong confirmation", code, body, 400, "not the description")
	code, body, _ = b.post(db+"/fields/colB/remove", url.Values{})
	expect(t, "removing a field while rows exist", code, body, 409, "cannot be removed while rows exist")
	code, _, _ = b.post(db+"/delete", url.Values{"confirm": {"Debtors"}})
	if code != 303 {
		t.Fatalf("delete: %d", code)
	}
	code, body, _ = b.get(db)
	expect(t, "a deleted database", code, body, 404, "no such database", "Pick one of the client")
	code, body, _ = b.get("/admin/audit")
	expect(t, "the audit log", code, body, 200, "deleted database", "imported a file", "saved row", "created client", "ada")
	code, body, _ = b.get("/admin/")
	expect(t, "the dashboard", code, body, 200, "debtors.csv", "Lookups by outcome")
}
