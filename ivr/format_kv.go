package ivr

import (
	"strconv"

	"github.com/tonebase/tonebase/internal/money"
)

// KVFormat writes an answer as key=value pairs joined by '&', values
// URL-encoded: Asterisk's CURL() with hashcompat reads it into HASH()
// variables, so a dialplan needs no JSON parser. An amount is three keys:
// balance=12.50, balance_minor=1250 and balance_say=twelve+pounds…; a shown
// column is its id.
type KVFormat struct{}

// ContentType is plain text's: Asterisk reads the body whatever it says.
func (KVFormat) ContentType() string { return "text/plain; charset=utf-8" }

// AppendResult appends r as status=…&….
func (KVFormat) AppendResult(b []byte, r Result) []byte {
	b = append(b, "status="...)
	b = appendQueryEscape(b, r.Status)
	if r.Reason != "" {
		b = append(b, "&reason="...)
		b = appendQueryEscape(b, r.Reason)
	}
	if rec := &r.Record; rec.Found() {
		b = appendRecordKV(b, rec)
	}
	if in := r.Input; in != nil {
		b = append(b, "&field="...)
		b = appendQueryEscape(b, in.Field)
		b = append(b, "&reason="...)
		b = appendQueryEscape(b, in.Reason)
		b = append(b, "&min="...) // digits and '-' need no escaping
		b = strconv.AppendInt(b, int64(in.Min), 10)
		b = append(b, "&max="...)
		b = strconv.AppendInt(b, int64(in.Max), 10)
	}
	if r.RetryAfter > 0 {
		b = append(b, "&retry_after="...)
		b = strconv.AppendInt(b, int64(r.RetrySeconds()), 10)
	}
	return b
}

// AppendError appends status=error&error=msg with only its spaces escaped,
// as this answer has always been written: dialplans in service match it.
func (KVFormat) AppendError(b []byte, msg string) []byte {
	b = append(b, "status=error&error="...)
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c == ' ' {
			b = append(b, '+')
		} else {
			b = append(b, c)
		}
	}
	return b
}

// appendRecordKV appends a found caller's amounts and shown columns.
func appendRecordKV(b []byte, rec *Record) []byte {
	if a, ok := rec.Amounts(); ok {
		b = appendAmountKV(b, rec, "&balance=", "&balance_minor=", "&balance_say=", a.Balance)
		b = appendAmountKV(b, rec, "&min_payment=", "&min_payment_minor=", "&min_payment_say=", a.MinPayment)
		b = appendAmountKV(b, rec, "&max_payment=", "&max_payment_minor=", "&max_payment_say=", a.MaxPayment)
	}
	for i, c := range rec.Shown() {
		v, ok := rec.Value(i)
		if !ok {
			continue
		}
		b = append(b, '&')
		b = append(b, c.ID...) // a column id is letters: nothing to escape
		b = append(b, '=')
		if v.Amount {
			b = money.AppendMinor(b, v.Minor) // digits, '.', '-': unreserved
		} else {
			b = appendQueryEscape(b, v.Text)
		}
	}
	return b
}

func appendAmountKV(b []byte, rec *Record, amountKey, minorKey, sayKey string, minor int64) []byte {
	b = append(b, amountKey...)
	b = money.AppendMinor(b, minor) // digits, '.', '-': unreserved
	b = append(b, minorKey...)
	b = strconv.AppendInt(b, minor, 10)
	b = append(b, sayKey...)
	start := len(b)
	b = rec.AppendSay(b, minor)
	for i := start; i < len(b); i++ {
		if c := b[i]; c >= 0x80 || c == '\'' {
			// Accents and d'euros: escaped as QueryEscape does. English
			// words never get here.
			var tmp [512]byte
			return appendQueryEscape(b[:start], string(append(tmp[:0], b[start:]...)))
		}
	}
	for i := start; i < len(b); i++ { // the words are letters, '-' and spaces
		if b[i] == ' ' {
			b[i] = '+'
		}
	}
	return b
}

// appendQueryEscape escapes v as url.QueryEscape does: unreserved bytes
// kept, space as '+', everything else %XX.
func appendQueryEscape(b []byte, v string) []byte {
	const upper = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upper[c>>4], upper[c&0xf])
		}
	}
	return b
}
