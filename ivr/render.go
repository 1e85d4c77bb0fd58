package ivr

import (
	"net/url"
	"strconv"
	"strings"
)

// KV renders a result as key=value pairs joined by '&', values URL-encoded:
// Asterisk's CURL() with hashcompat reads it into HASH() variables, so a
// dialplan needs no JSON parser.
func (r Result) KV() string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	add("status", r.Status)
	if r.Reason != "" {
		add("reason", r.Reason)
	}
	amount := func(name string, a *Amount) {
		if a == nil {
			return
		}
		add(name, a.Amount)
		add(name+"_minor", strconv.FormatInt(a.Minor, 10))
		add(name+"_say", a.Say)
	}
	amount("balance", r.Balance)
	amount("min_payment", r.MinPayment)
	amount("max_payment", r.MaxPayment)
	for _, f := range r.Fields {
		add(f.ID, f.Value)
	}
	if in := r.Input; in != nil {
		add("field", in.Field)
		add("reason", in.Reason)
		add("min", strconv.Itoa(in.Min))
		add("max", strconv.Itoa(in.Max))
	}
	if r.RetryAfter > 0 {
		add("retry_after", strconv.Itoa(retrySeconds(r)))
	}
	return b.String()
}

func retrySeconds(r Result) int { return int((r.RetryAfter + 999_999_999) / 1_000_000_000) }

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

// jsonResult flattens the input error into the top level, as the IVR reads it.
type jsonResult struct {
	Result
	Field      string `json:"field,omitempty"`
	InReason   string `json:"reason,omitempty"`
	Min        *int   `json:"min,omitempty"`
	Max        *int   `json:"max,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
}

func (r Result) jsonView() any {
	v := jsonResult{Result: r}
	if in := r.Input; in != nil {
		v.Field, v.InReason, v.Min, v.Max = in.Field, in.Reason, &in.Min, &in.Max
	}
	if r.RetryAfter > 0 {
		v.RetryAfter = retrySeconds(r)
	}
	return v
}
