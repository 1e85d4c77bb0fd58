package twilio

import (
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// GatherTimeout is the seconds Twilio waits for the first key and between
// keys before it posts what it has.
const GatherTimeout = 10

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>`

// appendAsk writes the TwiML of a turn that asks for a ref, a key or an
// amount: its sentences and prompt inside a <Gather> that posts the digits
// to action. numDigits is one past the longest entry, so a caller who keys
// too many is told so at once instead of waiting out the timeout.
func appendAsk(b []byte, t *callflow.Turn, action string) []byte {
	b = append(b, xmlHeader+`<Response><Gather input="dtmf" finishOnKey="#" numDigits="`...)
	b = strconv.AppendInt(b, int64(t.Keys), 10)
	b = append(b, `" timeout="`...)
	b = strconv.AppendInt(b, GatherTimeout, 10)
	b = append(b, `" actionOnEmptyResult="true" method="POST" action="`...)
	b = appendEscaped(b, action)
	b = append(b, `">`...)
	for _, s := range t.Say {
		b = appendSay(b, t.Language, s)
	}
	b = appendSay(b, t.Language, t.Prompt)
	return append(b, `</Gather></Response>`...)
}

// appendEnd writes the TwiML of the call's end: its sentences, then a
// hang-up, or, when the database names the merchant's next step, a
// redirect there instead of the goodbye.
func appendEnd(b []byte, t *callflow.Turn, redirect string) []byte {
	b = append(b, xmlHeader+`<Response>`...)
	say := t.Say
	if redirect != "" && len(say) > 0 {
		say = say[:len(say)-1] // the goodbye is the merchant's to say
	}
	for _, s := range say {
		b = appendSay(b, t.Language, s)
	}
	if redirect != "" {
		b = append(b, `<Redirect method="POST">`...)
		b = appendEscaped(b, redirect)
		b = append(b, `</Redirect></Response>`...)
		return b
	}
	return append(b, `<Hangup/></Response>`...)
}

func appendSay(b []byte, lang money.Language, text string) []byte {
	b = append(b, `<Say language="`...)
	b = appendEscaped(b, string(lang))
	b = append(b, `">`...)
	b = appendEscaped(b, text)
	return append(b, `</Say>`...)
}

func appendEscaped(b []byte, s string) []byte {
	var w strings.Builder
	_ = xml.EscapeText(&w, []byte(s)) // a strings.Builder does not fail
	return append(b, w.String()...)
}

// outcomeParams are the parameters the merchant's step receives: the
// outcome and, for a found caller, the amounts, each prefixed tonebase_.
func outcomeParams(t *callflow.Turn) url.Values {
	v := url.Values{}
	v.Set("tonebase_status", t.Status)
	if t.Result.Reason != "" {
		v.Set("tonebase_reason", t.Result.Reason)
	}
	if t.Input != nil {
		v.Set("tonebase_field", t.Input.Field)
		v.Set("tonebase_reason", t.Input.Reason)
	}
	if a, ok := t.Result.Record.Amounts(); ok && (t.Status == ivr.StatusFound || t.Status == ivr.StatusNotPayable) {
		v.Set("tonebase_currency", string(t.Script.Currency))
		for _, f := range []struct {
			name  string
			minor int64
		}{{"balance", a.Balance}, {"min_payment", a.MinPayment}, {"max_payment", a.MaxPayment}} {
			v.Set("tonebase_"+f.name, money.FormatMinor(f.minor))
			v.Set("tonebase_"+f.name+"_minor", strconv.FormatInt(f.minor, 10))
		}
	}
	return v
}
