package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// Twilio serves POST /admin/clients/{cid}/twilio: set or replace the
// client's Twilio auth token (auth_token), or remove it (remove=1). The
// token goes through the registry method the admin API uses, so both
// accept the same tokens; the page never shows it again, nor echoes a
// refused one back.
func (s *Server) Twilio(ctx *fasthttp.RequestCtx) {
	c, ok := s.client(ctx)
	if !ok {
		return
	}
	token := strings.TrimSpace(string(ctx.FormValue("auth_token")))
	remove := string(ctx.FormValue("remove")) == "1"
	if !remove && token == "" {
		s.clientPage(ctx, 400, c, ClientData{TwilioError: "Paste the auth token from the Twilio console, or remove the one set."})
		return
	}
	if remove {
		token = ""
	}
	had := c.SealedTwilioToken != ""
	if _, err := s.cfg.Clients.SetTwilioToken(c.CID, token); err != nil {
		if errors.Is(err, tenant.ErrInvalid) {
			s.clientPage(ctx, 400, c, ClientData{TwilioError: readable([]string{trimPrefix(err)})[0]})
			return
		}
		s.fail(ctx, err)
		return
	}
	action, msg := "set the Twilio auth token", "twilio-set"
	switch {
	case remove:
		action, msg = "removed the Twilio auth token", "twilio-removed"
	case had:
		action = "replaced the Twilio auth token"
	}
	s.audit(ctx, sess(ctx).user, action, clientTarget(c))
	httpx.Redirect(ctx, clientHref(c.CID)+"?msg="+msg, 303)
}

// callFields are the calls form's fields, by the name the catalog gives
// each problem (the admin API's spelling).
var callFields = map[string]string{"language": "language", "currency": "currency", "twilio.redirect_url": "redirect_url"}

// Calls serves POST .../databases/{dbid}/calls: the language, currency and
// Twilio redirect of the database's calls. The catalog checks them, as it
// does for the admin API; each refusal is shown by its field.
func (s *Server) Calls(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	v := func(k string) string { return strings.TrimSpace(string(ctx.FormValue(k))) }
	tel := db.Telephony
	tel.Language, tel.Currency = money.Language(v("language")), money.Currency(v("currency"))
	tel.Twilio = nil
	if u := v("redirect_url"); u != "" {
		tel.Twilio = &ivr.TwilioSettings{RedirectURL: u}
	}
	tel.AGI = nil
	for _, col := range db.Columns {
		if col.IVRField.IsRef() {
			if sound := v(soundInput(col.IVRField)); sound != "" {
				if tel.AGI == nil {
					tel.AGI = &ivr.AGISettings{Prompts: map[string]string{}}
				}
				tel.AGI.Prompts[string(col.IVRField)] = sound
			}
		}
	}
	problems, err := s.redefine(db, db.Columns, tel)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if len(problems) > 0 {
		d := FieldsData{DB: db, Calls: tel, Errors: map[string]string{}}
		var general []string
		for _, p := range problems {
			f := callFields[p.Field]
			if ref, ok := strings.CutPrefix(p.Field, "agi.prompts."); ok {
				f = soundInput(ivr.Role(ref))
			}
			if f != "" && p.Column == "" && d.Errors[f] == "" {
				d.Errors[f] = readable([]string{p.Reason})[0]
				continue
			}
			general = append(general, p.String())
		}
		s.fieldsPageWith(ctx, 400, c, d, general)
		return
	}
	s.audit(ctx, sess(ctx).user, "changed call settings", dbTarget(db)+": "+callSummary(tel))
	httpx.Redirect(ctx, dbHref(db)+"?msg=calls-saved#calls", 303)
}

// callSummary is what the audit log records of the settings; the
// redirect URL is the merchant's own address, so only whether one is set.
func callSummary(t ivr.Telephony) string {
	redirect := "hang up at the end"
	if t.Twilio != nil {
		redirect = "redirect at the end"
	}
	sounds := "beep"
	if t.AGI != nil {
		sounds = strconv.Itoa(len(t.AGI.Prompts)) + " set"
	}
	return string(t.Language) + ", " + string(t.Currency) + ", Twilio: " + redirect + ", Asterisk sounds: " + sounds
}
