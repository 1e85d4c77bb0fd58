package ivr

import (
	"strconv"
	"unicode/utf8"

	"github.com/tonebase/tonebase/internal/money"
)

// JSONFormat writes an answer as a JSON object, byte for byte what
// encoding/json would write (a fuzz test holds them together), by appending
// bytes: the lookup is the hot path of the service, and reflection-based
// encoding cost more than the storage read it reports. An input error is
// flattened to the top level ("field", "reason", "min", "max"), as the IVR
// reads it.
type JSONFormat struct{}

// ContentType is JSON's.
func (JSONFormat) ContentType() string { return "application/json" }

// AppendResult appends r as {"status":…}.
func (JSONFormat) AppendResult(b []byte, r Result) []byte {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, r.Status)
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, r.Reason)
	}
	if rec := &r.Record; rec.Found() {
		b = appendRecordJSON(b, rec)
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
		b = strconv.AppendInt(b, int64(r.RetrySeconds()), 10)
	}
	return append(b, '}')
}

// AppendError appends {"error":msg,"status":"error"}: the keys in the order
// encoding/json gave the map this answer was first written from.
func (JSONFormat) AppendError(b []byte, msg string) []byte {
	b = append(b, `{"error":`...)
	b = appendJSONString(b, msg)
	return append(b, `,"status":"error"}`...)
}

// appendRecordJSON appends a found caller's amounts and "fields".
func appendRecordJSON(b []byte, rec *Record) []byte {
	if a, ok := rec.Amounts(); ok {
		b = appendAmountJSON(b, rec, `,"balance":`, a.Balance)
		b = appendAmountJSON(b, rec, `,"min_payment":`, a.MinPayment)
		b = appendAmountJSON(b, rec, `,"max_payment":`, a.MaxPayment)
	}
	openings := rec.Prepared(jsonFields{}).([]string)
	n := 0
	for i := range openings {
		v, ok := rec.Value(i)
		if !ok {
			continue
		}
		if n == 0 {
			b = append(b, `,"fields":[`...)
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, openings[i]...)
		if v.Amount { // digits, a point and a sign need no escaping
			b = append(b, '"')
			b = money.AppendMinor(b, v.Minor)
			b = append(b, '"')
		} else {
			b = appendJSONString(b, v.Text)
		}
		b = append(b, '}')
	}
	if n > 0 {
		b = append(b, ']')
	}
	return b
}

// jsonFields prepares each shown column's opening, {"id":…,"name":…,"value":,
// escaped once per table definition instead of once per answer.
type jsonFields struct{}

func (jsonFields) Prepare(shown []ShownColumn) any {
	openings := make([]string, len(shown))
	for i, c := range shown {
		j := appendJSONString(append([]byte(nil), `{"id":`...), c.ID)
		j = appendJSONString(append(j, `,"name":`...), c.Name)
		openings[i] = string(append(j, `,"value":`...))
	}
	return openings
}

// appendAmountJSON writes {"minor":…,"amount":…,"say":…}, whose texts need no
// escaping: digits, a point and a sign, and the spoken words (letters,
// spaces, hyphens and an apostrophe, which JSON leaves as they are).
func appendAmountJSON(b []byte, rec *Record, key string, minor int64) []byte {
	b = append(b, key...)
	b = append(b, `{"minor":`...)
	b = strconv.AppendInt(b, minor, 10)
	b = append(b, `,"amount":"`...)
	b = money.AppendMinor(b, minor)
	b = append(b, `","say":"`...)
	b = rec.AppendSay(b, minor)
	return append(b, `"}`...)
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
