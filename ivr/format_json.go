package ivr

import (
	"strconv"

	"github.com/tonebase/tonebase/internal/jsonstr"
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
	b = jsonstr.Append(b, r.Status)
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = jsonstr.Append(b, r.Reason)
	}
	if rec := &r.Record; rec.Found() {
		b = appendRecordJSON(b, rec)
	}
	if in := r.Input; in != nil {
		b = append(b, `,"field":`...)
		b = jsonstr.Append(b, in.Field)
		b = append(b, `,"reason":`...)
		b = jsonstr.Append(b, in.Reason)
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
	b = jsonstr.Append(b, msg)
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
			b = jsonstr.Append(b, v.Text)
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
		j := jsonstr.Append(append([]byte(nil), `{"id":`...), c.ID)
		j = jsonstr.Append(append(j, `,"name":`...), c.Name)
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
