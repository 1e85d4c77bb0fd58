package web

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/internal/tenant"
)

// twilioClient signs up and creates client 4242 with one database.
func twilioClient(t *testing.T) (*Server, *browser) {
	t.Helper()
	s, _ := newTestServer(t)
	b := newBrowser(t, listen(t, s))
	signUp(t, b)
	b.get("/admin/clients")
	if code, body, _ := b.post("/admin/clients", url.Values{"name": {"Acme Collections"}, "cid": {"4242"}}); code != 200 {
		t.Fatalf("create client: %d\n%s", code, body)
	}
	b.get("/admin/clients/4242")
	if code, _, _ := b.post("/admin/clients/4242/databases", url.Values{"description": {"Debtors"}}); code != 303 {
		t.Fatalf("create database: %d", code)
	}
	return s, b
}

func TestTwilioTokenForm(t *testing.T) {
	s, b := twilioClient(t)
	reg := s.cfg.Clients.(*tenant.Registry)
	const token, next = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	page := "/admin/clients/4242"
	// every page an admin can reach after a token is set must not show it
	shown := func(tok string) {
		t.Helper()
		for _, p := range []string{page, "/admin/clients", "/admin/", "/admin/audit", page + "/databases/1"} {
			if _, body, _ := b.get(p); strings.Contains(body, tok) {
				t.Fatalf("%s shows the Twilio auth token", p)
			}
		}
	}
	code, body, _ := b.get(page)
	expect(t, "a client without a token", code, body, 200, "<dt>Twilio auth token</dt><dd>Not set</dd>", "Save the auth token")
	if strings.Contains(body, "Remove the auth token") {
		t.Fatal("the page offers to remove a token that is not set")
	}

	tests := []struct {
		name   string
		form   url.Values
		status int
		text   []string
	}{
		{"empty", url.Values{"auth_token": {"  "}}, 400, []string{`id="auth_token-error"`, "Paste the auth token"}},
		{"with a space", url.Values{"auth_token": {"abc def"}}, 400, []string{`id="auth_token-error"`, "The auth token must be at most 256 characters without spaces"}},
		{"too long", url.Values{"auth_token": {strings.Repeat("a", 257)}}, 400, []string{"at most 256 characters"}},
		{"forged form", url.Values{"auth_token": {token}, "csrf": {"forged"}}, 403, []string{"out of date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get(page)
			code, body, _ := b.post(page+"/twilio", tt.form)
			expect(t, tt.name, code, body, tt.status, tt.text...)
			if v := tt.form.Get("auth_token"); strings.TrimSpace(v) != "" && strings.Contains(body, v) {
				t.Fatal("the refused token is echoed back")
			}
			if _, err := reg.TwilioToken(4242); err != tenant.ErrNoTwilio {
				t.Fatalf("after a refused form the registry has %v, want no token", err)
			}
		})
	}

	b.get(page)
	code, body, loc := b.post(page+"/twilio", url.Values{"auth_token": {" " + token + " "}})
	if code != 303 || loc != page+"?msg=twilio-set" {
		t.Fatalf("set: %d %s\n%s", code, loc, body)
	}
	if got, err := reg.TwilioToken(4242); err != nil || got != token {
		t.Fatalf("registry token = %q, %v", got, err)
	}
	code, body, _ = b.get(loc)
	expect(t, "a client with a token", code, body, 200, "<dt>Twilio auth token</dt><dd>Set</dd>", html.EscapeString(flashes["twilio-set"]), "Replace the auth token", "Remove the auth token")
	shown(token)

	code, _, _ = b.post(page+"/twilio", url.Values{"auth_token": {next}})
	if got, _ := reg.TwilioToken(4242); code != 303 || got != next {
		t.Fatalf("replace: %d, registry has the new token: %v", code, got == next)
	}
	shown(next)

	b.get(page)
	code, _, loc = b.post(page+"/twilio", url.Values{"remove": {"1"}})
	if _, err := reg.TwilioToken(4242); code != 303 || loc != page+"?msg=twilio-removed" || err != tenant.ErrNoTwilio {
		t.Fatalf("remove: %d %s %v", code, loc, err)
	}
	code, body, _ = b.get("/admin/audit")
	expect(t, "the audit log", code, body, 200, "set the Twilio auth token", "replaced the Twilio auth token", "removed the Twilio auth token")
	code, body, _ = b.post("/admin/clients/9999/twilio", url.Values{"auth_token": {token}})
	expect(t, "another client", code, body, 404)
}

func TestCallSettingsForm(t *testing.T) {
	s, b := twilioClient(t)
	db := "/admin/clients/4242/databases/1"
	stored := func() (string, string, string) {
		t.Helper()
		d, err := s.cfg.Databases.Get(4242, 1)
		if err != nil {
			t.Fatal(err)
		}
		u := ""
		if d.Twilio != nil {
			u = d.Twilio.RedirectURL
		}
		return string(d.Language), string(d.Currency), u
	}
	code, body, _ := b.get(db)
	expect(t, "the defaults", code, body, 200, `<option value="en-GB" selected>English (UK)</option>`, `<option value="GBP" selected>`)

	tests := []struct {
		name       string
		form       url.Values
		errorField []string
		keeps      string // a value the refused form shows again
	}{
		{"bad language", url.Values{"language": {"xx-XX"}, "currency": {"EUR"}}, []string{"language"}, `<option value="EUR" selected>`},
		{"bad currency", url.Values{"language": {"de-DE"}, "currency": {"DM"}}, []string{"currency"}, `<option value="de-DE" selected>`},
		{"no language", url.Values{"language": {""}, "currency": {"EUR"}, "redirect_url": {"https://pay.example.com/x"}}, nil, ""},
		{"redirect not absolute", url.Values{"language": {"fr-FR"}, "currency": {"EUR"}, "redirect_url": {"/pay"}}, []string{"redirect_url"}, `value="/pay"`},
		{"redirect with credentials", url.Values{"language": {"fr-FR"}, "currency": {"EUR"}, "redirect_url": {"https://u:p@pay.example.com/"}}, []string{"redirect_url"}, ""},
		{"all three", url.Values{"language": {"klingon"}, "currency": {"XYZ"}, "redirect_url": {"ftp://pay.example.com/"}}, []string{"language", "currency", "redirect_url"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get(db)
			code, body, _ := b.post(db+"/calls", tt.form)
			if tt.errorField == nil {
				// an empty language takes the default, as in the admin API
				if lang, cur, u := stored(); code != 303 || lang != string(money.EnGB) || cur != "EUR" || u != tt.form.Get("redirect_url") {
					t.Fatalf("%d: stored %s %s %s", code, lang, cur, u)
				}
				return
			}
			expect(t, tt.name, code, body, 400, "The call settings were not saved")
			for _, f := range tt.errorField {
				if !strings.Contains(body, `id="`+f+`-error"`) || !strings.Contains(body, `aria-describedby="`+f+`-error"`) {
					t.Errorf("no reason placed by %s\n%s", f, body)
				}
			}
			if tt.keeps != "" && !strings.Contains(body, tt.keeps) {
				t.Errorf("the refused form lost %s", tt.keeps)
			}
			if strings.Contains(body, "That change was not made") {
				t.Error("a call setting's reason was shown away from its field")
			}
		})
	}
	if lang, _, _ := stored(); lang != string(money.EnGB) {
		t.Fatalf("a refused language was stored: %s", lang)
	}

	b.get(db)
	code, _, loc := b.post(db+"/calls", url.Values{"language": {"de-DE"}, "currency": {"EUR"}, "redirect_url": {"https://pay.example.com/ivr?step=pay"}})
	if code != 303 || loc != db+"?msg=calls-saved#calls" {
		t.Fatalf("save: %d %s", code, loc)
	}
	if lang, cur, u := stored(); lang != "de-DE" || cur != "EUR" || u != "https://pay.example.com/ivr?step=pay" {
		t.Fatalf("stored %s %s %s", lang, cur, u)
	}
	code, body, _ = b.get(db + "?msg=calls-saved")
	expect(t, "the saved settings", code, body, 200, html.EscapeString(flashes["calls-saved"]), `<option value="de-DE" selected>`, `<option value="EUR" selected>`, `value="https://pay.example.com/ivr?step=pay"`)

	// the columns' forms keep the call settings they do not show
	b.get(db + "/fields/colA")
	if code, body, _ := b.post(db+"/fields/colA", url.Values{"name": {"Invoice"}, "type": {"numeric"}, "visible": {"show"},
		"required": {"required"}, "primary_key": {"identifier"}, "ivr_field": {"ref1"}, "min_dtmf": {"6"}, "max_dtmf": {"6"}}); code != 303 {
		t.Fatalf("field edit: %d\n%s", code, body)
	}
	if lang, cur, u := stored(); lang != "de-DE" || cur != "EUR" || u == "" {
		t.Fatalf("a field edit changed the call settings: %s %s %q", lang, cur, u)
	}

	b.get(db)
	if code, _, _ := b.post(db+"/calls", url.Values{"language": {"en-US"}, "currency": {"USD"}, "redirect_url": {""}}); code != 303 {
		t.Fatalf("clear the redirect: %d", code)
	}
	if lang, cur, u := stored(); lang != "en-US" || cur != "USD" || u != "" {
		t.Fatalf("stored %s %s %q", lang, cur, u)
	}
	code, body, _ = b.get("/admin/audit")
	expect(t, "the audit log", code, body, 200, "changed call settings", "de-DE, EUR, Twilio: redirect at the end")
	if strings.Contains(body, "pay.example.com") {
		t.Fatal("the audit log records the redirect URL")
	}
	code, body, _ = b.post(db+"/calls", url.Values{"language": {"de-DE"}, "currency": {"EUR"}, "csrf": {"forged"}})
	expect(t, "a forged form", code, body, 403, "out of date")
}

// TestSoundsForm: the calls form sets the Asterisk sound played before
// each ref, refuses a name that is not a sound's by its field, and keeps
// the sounds a column edit does not show.
func TestSoundsForm(t *testing.T) {
	s, b := twilioClient(t)
	db := "/admin/clients/4242/databases/1"
	sounds := func() map[string]string {
		t.Helper()
		d, err := s.cfg.Databases.Get(4242, 1)
		if err != nil {
			t.Fatal(err)
		}
		if d.AGI == nil {
			return nil
		}
		return d.AGI.Prompts
	}
	base := url.Values{"language": {"en-GB"}, "currency": {"GBP"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	b.get(db)
	code, body, _ := b.post(db+"/calls", with("agi_ref1", "custom/x y"))
	expect(t, "a sound name with a space", code, body, 400, `id="agi_ref1-error"`, `aria-describedby="agi_ref1-error"`, `value="custom/x y"`)
	if got := sounds(); got != nil {
		t.Fatalf("a refused sound was stored: %v", got)
	}
	b.get(db)
	if code, body, _ := b.post(db+"/calls", with("agi_ref1", "custom/invoice", "agi_ref2", "custom/dob")); code != 303 {
		t.Fatalf("save: %d\n%s", code, body)
	}
	if got := sounds(); len(got) != 1 || got["ref1"] != "custom/invoice" {
		t.Fatalf("stored %v", got)
	}
	code, body, _ = b.get(db)
	// The database has one ref: agi_ref2 was not stored, nor is it shown.
	expect(t, "the saved sound", code, body, 200, `name="agi_ref1" value="custom/invoice"`)
	if strings.Contains(body, `name="agi_ref2"`) {
		t.Fatal("a sound input for a ref the database does not have")
	}
	b.get(db + "/fields/colA")
	if code, body, _ := b.post(db+"/fields/colA", url.Values{"name": {"Invoice"}, "type": {"numeric"}, "visible": {"show"},
		"required": {"required"}, "primary_key": {"identifier"}, "ivr_field": {"ref1"}, "min_dtmf": {"6"}, "max_dtmf": {"6"}}); code != 303 {
		t.Fatalf("field edit: %d\n%s", code, body)
	}
	if got := sounds(); got["ref1"] != "custom/invoice" {
		t.Fatalf("a field edit lost the sounds: %v", got)
	}
	b.get(db)
	if code, _, _ := b.post(db+"/calls", with()); code != 303 || sounds() != nil {
		t.Fatalf("clear the sounds: %d %v", code, sounds())
	}
}
