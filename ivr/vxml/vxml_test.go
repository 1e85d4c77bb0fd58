package vxml

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// validate runs xmllint --valid on a document: the W3C VoiceXML 2.1 DTD,
// found through the system's XML catalog (Debian's w3c-sgml-lib), never
// fetched (--nonet).
func validate(t *testing.T, body string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		testkit.Needed(t, "xmllint is not installed (apt-get install libxml2-utils w3c-sgml-lib)")
	}
	path := filepath.Join(t.TempDir(), "doc.vxml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--valid", "--noout", "--nonet", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("xmllint --valid: %v\n%s\n%s", err, out, body)
	}
}

type server struct {
	env  *ivrtest.Env
	base string
}

func start(t *testing.T, o ivrtest.Options) *server {
	t.Helper()
	env := ivrtest.New(t, o)
	h := NewHandlers(callflow.New(env.Service), env.Service, env.Clients, observe.NewEvents(observe.New()), zerolog.Nop())
	r := router.New()
	r.GET("/vxml/v1/{cid}/{dbid}/start", h.Start)
	r.POST("/vxml/v1/{cid}/{dbid}/lookup", h.Lookup)
	return &server{env: env, base: ivrtest.Serve(t, r.Handler)}
}

// fetch requests a document as a VoiceXML platform does, with the
// client's credentials.
func (s *server) fetch(t *testing.T, method, path, key, secret string, form url.Values) (int, string) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(s.base + path)
	req.Header.SetMethod(method)
	if key != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":"+secret)))
	}
	if form != nil {
		req.Header.SetContentType("application/x-www-form-urlencoded")
		req.SetBodyString(form.Encode())
	}
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if ct := string(resp.Header.ContentType()); !strings.HasPrefix(ct, "application/voicexml+xml") {
		t.Fatalf("content type %q", ct)
	}
	return resp.StatusCode(), string(resp.Body())
}

func (s *server) path(doc string) string {
	return fmt.Sprintf("/vxml/v1/%d/%d/%s", s.env.CID, s.env.DBID, doc)
}

func TestStartDocument(t *testing.T) {
	s := start(t, ivrtest.Options{})
	status, body := s.fetch(t, "GET", s.path("start"), s.env.Key, s.env.Secret, nil)
	if status != 200 {
		t.Fatalf("start: %d %s", status, body)
	}
	validate(t, body)
	for _, want := range []string{
		`<!DOCTYPE vxml PUBLIC "-//W3C//DTD VOICEXML 2.1//EN" "http://www.w3.org/TR/voicexml21/vxml.dtd">`,
		`xml:lang="en-GB"`,
		`<field name="ref1"><grammar mode="dtmf" src="builtin:dtmf/digits?minlength=6;maxlength=6"/>`,
		`<prompt>Please enter your 6 digit invoice number, then press hash.</prompt>`,
		`<field name="ref2"><grammar mode="dtmf" src="builtin:dtmf/digits?minlength=8;maxlength=8"/>`,
		`<catch event="noinput">`, `<catch event="nomatch">`, `<prompt>That is not a valid invoice number.</prompt>`,
		`<if cond="tries &gt;= 3">`,
		`<submit next="` + s.path("lookup") + `" method="post" namelist="caller ref1 ref2"/>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("start document lacks %s", want)
		}
	}
}

func TestLookupDocuments(t *testing.T) {
	s := start(t, ivrtest.Options{})
	tests := []struct {
		name string
		form url.Values
		want []string
	}{
		{"found", url.Values{"ref1": {"123456"}, "ref2": {"01021990"}, "caller": {"tel:+447700900123"}}, []string{
			`<var name="status" expr="&#39;found&#39;"/>`, `<var name="balance" expr="&#39;12.50&#39;"/>`,
			`<var name="balance_minor" expr="&#39;1250&#39;"/>`, `<var name="min_payment" expr="&#39;5.00&#39;"/>`,
			`<var name="currency" expr="&#39;GBP&#39;"/>`,
			`<prompt>Your balance is twelve pounds and fifty pence.</prompt><prompt>The least you may pay is five pounds.</prompt>`,
			`<return namelist="status reason field currency balance balance_minor min_payment min_payment_minor max_payment max_payment_minor"/>`}},
		{"not found", url.Values{"ref1": {"123456"}, "ref2": {"02021990"}}, []string{
			`<var name="status" expr="&#39;not_found&#39;"/>`, `<var name="balance" expr="&#39;&#39;"/>`,
			`<prompt>We could not find an account with those details.</prompt>`}},
		{"a date that does not exist", url.Values{"ref1": {"123456"}, "ref2": {"31021990"}}, []string{
			`<var name="status" expr="&#39;invalid_input&#39;"/>`, `<var name="reason" expr="&#39;bad_date&#39;"/>`,
			`<var name="field" expr="&#39;ref2&#39;"/>`, `<prompt>That is not a valid date.</prompt>`}},
		{"a ref missing", url.Values{"ref1": {"123456"}}, []string{
			`<var name="status" expr="&#39;invalid_input&#39;"/>`, `<var name="reason" expr="&#39;missing&#39;"/>`}},
		{"not payable", url.Values{"ref1": {"345678"}, "ref2": {"15081985"}}, []string{
			`<var name="status" expr="&#39;not_payable&#39;"/>`, `<var name="reason" expr="&#39;min_over_max&#39;"/>`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.fetch(t, "POST", s.path("lookup"), s.env.Key, s.env.Secret, tc.form)
			if status != 200 {
				t.Fatalf("lookup: %d %s", status, body)
			}
			validate(t, body)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("document lacks %s\n%s", w, body)
				}
			}
		})
	}
}

func TestDocumentsForOthersAndStrangers(t *testing.T) {
	s := start(t, ivrtest.Options{})
	ocid, odb, okey, osecret := s.env.Other(t)
	refs := url.Values{"ref1": {"123456"}, "ref2": {"01021990"}}
	for _, tc := range []struct {
		name, method, path, key, secret string
		status                          int
	}{
		{"no credentials", "GET", s.path("start"), "", "", 401},
		{"a wrong secret", "POST", s.path("lookup"), s.env.Key, "wrong", 401},
		{"another client's credentials", "POST", s.path("lookup"), okey, osecret, 404},
		{"this client's credentials on another's database", "GET", fmt.Sprintf("/vxml/v1/%d/%d/start", ocid, odb), s.env.Key, s.env.Secret, 404},
		{"a database that does not exist", "GET", fmt.Sprintf("/vxml/v1/%d/%d/start", s.env.CID, s.env.DBID+7), s.env.Key, s.env.Secret, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.fetch(t, tc.method, tc.path, tc.key, tc.secret, refs)
			if status != tc.status {
				t.Fatalf("%d, want %d: %s", status, tc.status, body)
			}
			validate(t, body)
			if !strings.Contains(body, `<var name="status" expr="&#39;error&#39;"/>`) || strings.Contains(body, "balance") {
				t.Fatalf("document: %s", body)
			}
		})
	}
}

func TestDocumentsSpeakTheDatabaseLanguage(t *testing.T) {
	s := start(t, ivrtest.Options{Telephony: ivr.Telephony{Language: money.EnUS, Currency: money.USD}})
	_, body := s.fetch(t, "POST", s.path("lookup"), s.env.Key, s.env.Secret, url.Values{"ref1": {"123456"}, "ref2": {"01021990"}})
	validate(t, body)
	for _, w := range []string{`xml:lang="en-US"`, `Your balance is twelve dollars and fifty cents.`, `<var name="currency" expr="&#39;USD&#39;"/>`} {
		if !strings.Contains(body, w) {
			t.Errorf("document lacks %s\n%s", w, body)
		}
	}
}

func TestJSString(t *testing.T) {
	for in, want := range map[string]string{"": "''", "12.50": "'12.50'", "it's": `'it\'s'`, `a\b`: `'a\\b'`, "a\nb": `'a\u000ab'`, "\u2028": `'\u2028'`} {
		if got := jsString(in); got != want {
			t.Errorf("jsString(%q) = %s, want %s", in, got, want)
		}
	}
}
