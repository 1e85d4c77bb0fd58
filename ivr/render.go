package ivr

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The renderers below write a lookup's answer by appending bytes: the
// lookup is the hot path of the service, and reflection-based encoding
// cost more than the storage read it reports. The JSON is byte for byte
// what encoding/json would produce (a test holds them together).

// AppendJSON appends the body the lookup endpoint answers with. An input
// error is flattened to the top level ("field", "reason", "min", "max"),
// as the IVR reads it.
func (r *Result) AppendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, r.Status)
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, r.Reason)
	}
	b = appendAmountJSON(b, `,"balance":`, r.Balance)
	b = appendAmountJSON(b, `,"min_payment":`, r.MinPayment)
	b = appendAmountJSON(b, `,"max_payment":`, r.MaxPayment)
	if len(r.Fields) > 0 {
		b = append(b, `,"fields":[`...)
		for i, f := range r.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, f.ID)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, f.Name)
			b = append(b, `,"value":`...)
			b = appendJSONString(b, f.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if in := r.Input; in != nil {
		b = append(b, `,"field":`...)
		b = appendJSONString(b, in.Field)
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, in.Reason)
		b = append(b, `,"min":`...)
		b = strconv.AppendInt(b, int64(in.Min), 10)
		b = append(b, `,"max":`...)
		b = strconv.AppendInt(b, int64(in.Max), 10)
	}
	if r.RetryAfter > 0 {
		b = append(b, `,"retry_after":`...)
		b = strconv.AppendInt(b, int64(retrySeconds(r.RetryAfter)), 10)
	}
	return append(b, '}')
}

func appendAmountJSON(b []byte, key string, a *Amount) []byte {
	if a == nil {
		return b
	}
	b = append(b, key...)
	b = append(b, `{"minor":`...)
	b = strconv.AppendInt(b, a.Minor, 10)
	b = append(b, `,"amount":`...)
	b = appendJSONString(b, a.Amount)
	b = append(b, `,"say":`...)
	b = appendJSONString(b, a.Say)
	return append(b, '}')
}

// JSON is the body the lookup endpoint answers with for this result, so
// the admin lookup tester shows byte for byte what an IVR receives.
func (r Result) JSON() []byte { return r.AppendJSON(nil) }

// AppendKV appends the result as key=value pairs joined by '&', values
// URL-encoded: Asterisk's CURL() with hashcompat reads it into HASH()
// variables, so a dialplan needs no JSON parser.
func (r *Result) AppendKV(b []byte) []byte {
	start := len(b)
	key := func(k string) {
		if len(b) > start {
			b = append(b, '&')
		}
		b = append(b, k...)
		b = append(b, '=')
	}
	add := func(k, v string) {
		key(k)
		b = appendQueryEscape(b, v)
	}
	num := func(k string, n int64) { // digits and '-' need no escaping
		key(k)
		b = strconv.AppendInt(b, n, 10)
	}
	add("status", r.Status)
	if r.Reason != "" {
		add("reason", r.Reason)
	}
	amount := func(name, minorKey, sayKey string, a *Amount) {
		if a == nil {
			return
		}
		add(name, a.Amount)
		num(minorKey, a.Minor)
		add(sayKey, a.Say)
	}
	amount("balance", "balance_minor", "balance_say", r.Balance)
	amount("min_payment", "min_payment_minor", "min_payment_say", r.MinPayment)
	amount("max_payment", "max_payment_minor", "max_payment_say", r.MaxPayment)
	for _, f := range r.Fields {
		add(f.ID, f.Value)
	}
	if in := r.Input; in != nil {
		add("field", in.Field)
		add("reason", in.Reason)
		num("min", int64(in.Min))
		num("max", int64(in.Max))
	}
	if r.RetryAfter > 0 {
		num("retry_after", int64(retrySeconds(r.RetryAfter)))
	}
	return b
}

// KV renders the result as AppendKV does.
func (r Result) KV() string { return string(r.AppendKV(nil)) }

func retrySeconds(d time.Duration) int { return int((d + 999_999_999) / 1_000_000_000) }

// HTTPStatus is the status a result answers with.
func (r Result) HTTPStatus() int {
	switch r.Status {
	case StatusNotFound:
		return 404
	case StatusAmbiguous:
		return 409
	case StatusInvalidInput:
		return 422
	case StatusLocked:
		return 429
	}
	return 200
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does by default: HTML-unsafe
// characters and U+2028/U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
