package ivr

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/money"
)

// wireResult is the lookup answer as encoding/json would write it: the
// reference the hand-written renderer must match byte for byte.
type wireResult struct {
	Status     string  `json:"status"`
	Reason     string  `json:"reason,omitempty"`
	Balance    *Amount `json:"balance,omitempty"`
	MinPayment *Amount `json:"min_payment,omitempty"`
	MaxPayment *Amount `json:"max_payment,omitempty"`
	Fields     []Field `json:"fields,omitempty"`
	Field      string  `json:"field,omitempty"`
	InReason   string  `json:"in_reason,omitempty"`
	Min        *int    `json:"min,omitempty"`
	Max        *int    `json:"max,omitempty"`
	RetryAfter int     `json:"retry_after,omitempty"`
}

func reference(t *testing.T, r Result) string {
	t.Helper()
	w := wireResult{Status: r.Status, Reason: r.Reason, Balance: r.Balance, MinPayment: r.MinPayment,
		MaxPayment: r.MaxPayment, Fields: r.Fields}
	if r.RetryAfter > 0 {
		w.RetryAfter = retrySeconds(r.RetryAfter)
	}
	if in := r.Input; in != nil {
		w.Field, w.InReason, w.Min, w.Max = in.Field, in.Reason, &in.Min, &in.Max
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	// The wire name of an input's reason is "reason"; the reference struct
	// cannot have two fields of one name.
	return string(replaceOnce(b, `"in_reason":`, `"reason":`))
}

func replaceOnce(b []byte, old, new string) []byte {
	s := string(b)
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return []byte(s[:i] + new + s[i+len(old):])
		}
	}
	return b
}

func amount(minor int64) *Amount {
	return &Amount{Minor: minor, Amount: money.FormatMinor(minor), Say: money.Say(minor)}
}

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"found", Result{Status: StatusFound, Balance: amount(1250), MinPayment: amount(1), MaxPayment: amount(1250),
			Fields: []Field{{ID: "colA", Name: "Invoice Number", Value: "012345"}}},
			`{"status":"found","balance":{"minor":1250,"amount":"12.50","say":"twelve pounds and fifty pence"},` +
				`"min_payment":{"minor":1,"amount":"0.01","say":"one penny"},` +
				`"max_payment":{"minor":1250,"amount":"12.50","say":"twelve pounds and fifty pence"},` +
				`"fields":[{"id":"colA","name":"Invoice Number","value":"012345"}]}`},
		// The reason a found caller cannot pay reaches the IVR.
		{"not payable", Result{Status: StatusNotPayable, Reason: ReasonMinOverMax, Balance: amount(100)},
			`{"status":"not_payable","reason":"min_over_max","balance":{"minor":100,"amount":"1.00","say":"one pound"}}`},
		{"invalid input", Result{Status: StatusInvalidInput, Input: &InputError{Field: "ref2", Reason: ReasonBadDate, Min: 8, Max: 8}},
			`{"status":"invalid_input","field":"ref2","reason":"bad_date","min":8,"max":8}`},
		{"locked", Result{Status: StatusLocked, RetryAfter: 61 * time.Second}, `{"status":"locked","retry_after":61}`},
		{"escapes", Result{Status: StatusFound, Fields: []Field{{ID: "colF", Name: "Name <a&b>", Value: "O\"Neil\\\n\t\x01\u2028\xff"}}},
			`{"status":"found","fields":[{"id":"colF","name":"Name \u003ca\u0026b\u003e","value":"O\"Neil\\\n\t\u0001\u2028\ufffd"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.r.JSON())
			if got != tt.want {
				t.Fatalf("JSON:\n got %s\nwant %s", got, tt.want)
			}
			if tt.r.Reason == "" || tt.r.Input == nil {
				if ref := reference(t, tt.r); got != ref {
					t.Fatalf("JSON differs from encoding/json:\n got %s\nwant %s", got, ref)
				}
			}
		})
	}
}

// FuzzAppendJSON holds the renderer to encoding/json for any text a
// merchant could upload into a visible column.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "<script>&", "\u2028\u2029", "\xff\xfe", "tab\there", "é£€"} {
		f.Add(s, s, int64(1250))
	}
	f.Fuzz(func(t *testing.T, name, value string, minor int64) {
		r := Result{Status: StatusFound, Balance: amount(minor), Fields: []Field{{ID: "colA", Name: name, Value: value}}}
		if got, want := string(r.JSON()), reference(t, r); got != want {
			t.Fatalf("JSON:\n got %s\nwant %s", got, want)
		}
		if !json.Valid(r.JSON()) {
			t.Fatalf("invalid JSON %s", r.JSON())
		}
	})
}

// FuzzAppendQueryEscape holds the kv renderer's escaping to url.QueryEscape,
// which is what Asterisk's hashcompat parsing undoes.
func FuzzAppendQueryEscape(f *testing.F) {
	for _, s := range []string{"", "a b", "Alice & Bob", "100%", "£12.50", "a=b&c", "~-_."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendQueryEscape(nil, s)), url.QueryEscape(s); got != want {
			t.Fatalf("appendQueryEscape(%q) = %q, want %q", s, got, want)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	r := Result{Status: StatusFound, Balance: amount(123456), MinPayment: amount(500), MaxPayment: amount(123456),
		Fields: []Field{{ID: "colA", Name: "Invoice Number", Value: "012345"}, {ID: "colF", Name: "Name", Value: "Alice"}}}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendJSON(buf[:0])
	}
}
