package ivr

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
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
		w.RetryAfter = retrySeconds(r)
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
	return &Amount{Minor: minor, Amount: columndb.FormatMinor(minor), Say: SayPounds(minor)}
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

func TestAnswer(t *testing.T) {
	cols := []columndb.Column{
		{ID: "colA", Name: "Invoice", Type: columndb.TypeNumeric, Visible: true, PrimaryKey: true, IVRField: columndb.IVRRef1},
		{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, IVRField: columndb.IVRBalance},
		{ID: "colC", Name: "Minimum", Type: columndb.TypeCurrency, IVRField: columndb.IVRMinPayment},
		{ID: "colD", Name: "Maximum", Type: columndb.TypeCurrency, Visible: true, IVRField: columndb.IVRMaxPayment},
		{ID: "colE", Name: "Note", Type: columndb.TypeText, Visible: true},
	}
	tbl := &columndb.Table{Columns: cols}
	row := func(vals ...string) columndb.Row {
		r := columndb.NewRow(len(cols))
		for i, v := range vals {
			if v != "-" {
				r.Set(i, v)
			}
		}
		return r
	}
	tests := []struct {
		name              string
		r                 columndb.Row
		status, reason    string
		balance, min, max int64
		fields            string
	}{
		{"found", row("123456", "1250", "500", "1250", "hi"), StatusFound, "", 1250, 500, 1250, "colA=123456 colB=12.50 colD=12.50 colE=hi"},
		{"defaults: min a penny, max the balance", row("123456", "1250", "-", "-", "-"), StatusFound, "", 1250, 1, 1250, "colA=123456 colB=12.50"},
		{"no balance", row("123456", "-", "-", "-", "-"), StatusNotPayable, ReasonNoBalance, 0, 0, 0, "colA=123456"},
		{"zero balance", row("123456", "0", "-", "-", "-"), StatusNotPayable, ReasonNoBalance, 0, 1, 0, "colA=123456 colB=0.00"},
		{"min over max", row("123456", "1250", "1000", "900", "-"), StatusNotPayable, ReasonMinOverMax, 1250, 1000, 900, "colA=123456 colB=12.50 colD=9.00"},
		{"negative balance", row("123456", "-500", "-", "-", "-"), StatusNotPayable, ReasonNoBalance, -500, 1, -500, "colA=123456 colB=-5.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := answer(tbl, tt.r)
			if res.Status != tt.status || res.Reason != tt.reason {
				t.Fatalf("status %s/%s, want %s/%s", res.Status, res.Reason, tt.status, tt.reason)
			}
			if res.Balance != nil {
				for _, c := range []struct {
					got  *Amount
					want int64
				}{{res.Balance, tt.balance}, {res.MinPayment, tt.min}, {res.MaxPayment, tt.max}} {
					if *c.got != *amount(c.want) {
						t.Fatalf("amount %+v, want %+v", *c.got, *amount(c.want))
					}
				}
			}
			var fields string
			for _, f := range res.Fields {
				if fields != "" {
					fields += " "
				}
				fields += f.ID + "=" + f.Value
			}
			if fields != tt.fields {
				t.Fatalf("fields %q, want %q", fields, tt.fields)
			}
		})
	}
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
