package vxml

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

const header = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE vxml PUBLIC "-//W3C//DTD VOICEXML 2.1//EN" "http://www.w3.org/TR/voicexml21/vxml.dtd">
`

// callerExpr is the caller's address as VoiceXML 2.1 gives it, or ” on a
// platform that gives none, without an error.semantic either way.
const callerExpr = "(typeof session.connection == 'object' && session.connection.remote) ? String(session.connection.remote.uri) : ''"

// returned lists the variables the lookup document hands back, in order.
func returned() []string {
	return []string{"status", "reason", "field", "currency", "balance", "balance_minor",
		"min_payment", "min_payment_minor", "max_payment", "max_payment_minor"}
}

type doc struct{ b strings.Builder }

func (d *doc) open(lang money.Language) {
	d.b.WriteString(header)
	d.b.WriteString(`<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" xml:lang="`)
	d.text(string(lang))
	d.b.WriteString("\">\n")
}

func (d *doc) close() string {
	d.b.WriteString("</vxml>\n")
	return d.b.String()
}

// text writes s escaped for XML text or an attribute value.
func (d *doc) text(s string) { _ = xml.EscapeText(&d.b, []byte(s)) }

func (d *doc) prompt(s string) {
	d.b.WriteString("<prompt>")
	d.text(s)
	d.b.WriteString("</prompt>")
}

// jsString is s as an ECMAScript string literal, for an expr attribute.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)) + h)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func (d *doc) assign(tag, name, value string) {
	d.b.WriteString("<" + tag + ` name="` + name + `" expr="`)
	d.text(jsString(value))
	d.b.WriteString(`"/>`)
}

// startDocument asks for every ref: a field each with its grammar, the
// prompt, and the re-prompts; after MaxTries the form returns
// invalid_input and the field. Once all are filled it posts them to
// lookup, with the caller's address for the lockout.
func startDocument(sc ivr.CallScript, lookup string) string {
	var d doc
	d.open(sc.Language)
	d.b.WriteString("<form id=\"tonebase\">\n")
	d.b.WriteString(`<var name="caller" expr="`)
	d.text(callerExpr)
	d.b.WriteString("\"/>\n")
	for _, v := range []string{"status", "field", "tries"} {
		d.b.WriteString(`<var name="` + v + `"/>`)
	}
	d.b.WriteString("\n")
	s := callflow.SentencesFor(sc.Language)
	for _, col := range sc.Refs {
		name := string(col.IVRField) // ref1..ref3: the names the lookup takes
		noInput, noMatch, prompt := callflow.Reprompts(sc, col)
		d.b.WriteString(`<field name="` + name + `">`)
		d.b.WriteString(`<grammar mode="dtmf" src="builtin:dtmf/digits?minlength=` + strconv.Itoa(col.MinDTMF) +
			";maxlength=" + strconv.Itoa(col.MaxDTMF) + `"/>`)
		d.b.WriteString(`<property name="termchar" value="#"/>`)
		d.prompt(prompt)
		for _, ev := range []struct{ event, why string }{{"noinput", noInput}, {"nomatch", noMatch}} {
			d.b.WriteString(`<catch event="` + ev.event + `">`)
			d.b.WriteString(`<assign name="tries" expr="(tries || 0) + 1"/>`)
			d.b.WriteString(`<if cond="tries &gt;= ` + strconv.Itoa(callflow.MaxTries) + `">`)
			d.prompt(ev.why)
			d.prompt(s.TooManyTries)
			d.b.WriteString(`<assign name="status" expr="'` + ivr.StatusInvalidInput + `'"/>`)
			d.b.WriteString(`<assign name="field" expr="'` + name + `'"/>`)
			d.b.WriteString(`<return namelist="status field"/>`)
			d.b.WriteString(`<else/>`)
			d.prompt(ev.why)
			d.b.WriteString(`<reprompt/></if></catch>`)
		}
		// The next field starts its own three tries.
		d.b.WriteString(`<filled><assign name="tries" expr="0"/></filled>`)
		d.b.WriteString("</field>\n")
	}
	names := []string{"caller"}
	for _, col := range sc.Refs {
		names = append(names, string(col.IVRField))
	}
	d.b.WriteString(`<filled mode="all"><submit next="`)
	d.text(lookup)
	d.b.WriteString(`" method="post" namelist="` + strings.Join(names, " ") + `"/></filled>` + "\n")
	d.b.WriteString("</form>\n")
	return d.close()
}

// outcomeDocument reads the call's outcome and returns it. The goodbye is
// the calling application's to say.
func outcomeDocument(t *callflow.Turn) string {
	var d doc
	d.open(t.Language)
	d.b.WriteString("<form id=\"outcome\">\n")
	for _, kv := range outcomeVars(t) {
		d.assign("var", kv[0], kv[1])
	}
	d.b.WriteString("\n<block>")
	say := t.Say
	if len(say) > 0 {
		say = say[:len(say)-1]
	}
	for _, s := range say {
		d.prompt(s)
	}
	d.b.WriteString(`<return namelist="` + strings.Join(returned(), " ") + `"/></block>` + "\n</form>\n")
	return d.close()
}

// outcomeVars are the returned variables' values; "" for those that do not
// apply.
func outcomeVars(t *callflow.Turn) [][2]string {
	vals := map[string]string{"status": t.Status, "reason": t.Result.Reason}
	if t.Input != nil {
		vals["reason"], vals["field"] = t.Input.Reason, t.Input.Field
	}
	if a, ok := t.Result.Record.Amounts(); ok && (t.Status == ivr.StatusFound || t.Status == ivr.StatusNotPayable) {
		vals["currency"] = string(t.Script.Currency)
		for name, minor := range map[string]int64{"balance": a.Balance, "min_payment": a.MinPayment, "max_payment": a.MaxPayment} {
			vals[name] = money.FormatMinor(minor)
			vals[name+"_minor"] = strconv.FormatInt(minor, 10)
		}
	}
	names := returned()
	out := make([][2]string, len(names))
	for i, n := range names {
		out[i] = [2]string{n, vals[n]}
	}
	return out
}

// errorDocument returns status error at once: what a platform fetching a
// document it may not have gets, so a subdialog ends cleanly.
func errorDocument(reason string) string {
	var d doc
	d.open(money.EnGB)
	d.b.WriteString("<form id=\"error\">")
	d.assign("var", "status", "error")
	d.assign("var", "reason", reason)
	d.b.WriteString(`<block><return namelist="status reason"/></block></form>` + "\n")
	return d.close()
}
