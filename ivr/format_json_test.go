package ivr

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// wireResult is the lookup answer as encoding/json would write it: the
// reference the hand-written JSON must match byte for byte.
type wireResult struct {
	Status     string      `json:"status"`
	Reason     string      `json:"reason,omitempty"`
	Balance    *wireAmount `json:"balance,omitempty"`
	MinPayment *wireAmount `json:"min_payment,omitempty"`
	MaxPayment *wireAmount `json:"max_payment,omitempty"`
	Fields     []wireField `json:"fields,omitempty"`
	Field      string      `json:"field,omitempty"`
	InReason   string      `json:"in_reason,omitempty"`
	Min        *int        `json:"min,omitempty"`
	Max        *int        `json:"max,omitempty"`
	RetryAfter int         `json:"retry_after,omitempty"`
}

type wireAmount struct {
	Minor  int64  `json:"minor"`
	Amount string `json:"amount"`
	Say    string `json:"say"`
}

type wireField struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

func amountOf(rec *Record, minor int64) *wireAmount {
	return &wireAmount{Minor: minor, Amount: money.FormatMinor(minor), Say: string(rec.AppendSay(nil, minor))}
}

// shownText is a shown value as every format shows it: an amount in pounds, any
// other value as stored.
func shownText(v Value) string {
	if v.Amount {
		return money.FormatMinor(v.Minor)
	}
	return v.Text
}

// reference is r through encoding/json, read through Result's exported
// accessors only, as a format in another package would read it.
func reference(t *testing.T, r Result) string {
	t.Helper()
	w := wireResult{Status: r.Status, Reason: r.Reason}
	if rec := &r.Record; rec.Found() {
		if a, ok := rec.Amounts(); ok {
			w.Balance, w.MinPayment, w.MaxPayment = amountOf(rec, a.Balance), amountOf(rec, a.MinPayment), amountOf(rec, a.MaxPayment)
		}
		for i, c := range rec.Shown() {
			if v, ok := rec.Value(i); ok {
				w.Fields = append(w.Fields, wireField{ID: c.ID, Name: c.Name, Value: shownText(v)})
			}
		}
	}
	if r.RetryAfter > 0 {
		w.RetryAfter = r.RetrySeconds()
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

// foundIn is the answer for a row of these columns carrying vals, in
// order; "-" leaves a column out.
func foundIn(cols []Column, vals ...string) Result {
	r := columndb.NewRow(len(cols))
	for i, v := range vals {
		if v != "-" {
			r.Set(i, v)
		}
	}
	t, err := tableOf(cols)
	if err != nil {
		panic(err) // the test's own columns
	}
	return Found(t, r)
}

// foundSpeaking is foundIn for a database of this language and currency.
func foundSpeaking(lang money.Language, cur money.Currency, cols []Column, vals ...string) Result {
	r := columndb.NewRow(len(cols))
	for i, v := range vals {
		r.Set(i, v)
	}
	t, err := tableOf(cols)
	if err != nil {
		panic(err) // the test's own columns
	}
	if t.Attrs, err = (Telephony{Language: lang, Currency: cur}).attrs(); err != nil {
		panic(err)
	}
	return Found(t, r)
}

// as is r with another status, for answers the renderers must write
// whether or not a lookup would give them.
func as(status string, r Result) Result {
	r.Status, r.Reason = status, ""
	return r
}

var (
	invoiceAndBalance = []Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true},
		{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, IVRField: RoleBalance},
		{ID: "colC", Name: "Minimum", Type: columndb.TypeCurrency, IVRField: RoleMinPayment},
	}
	escapedName = []Column{{ID: "colF", Name: "Name <a&b>", Type: columndb.TypeText, Visible: true}}
)

func TestJSONFormat(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"found", foundIn(invoiceAndBalance, "012345", "1250"),
			`{"status":"found","balance":{"minor":1250,"amount":"12.50","say":"twelve pounds and fifty pence"},` +
				`"min_payment":{"minor":1,"amount":"0.01","say":"one penny"},` +
				`"max_payment":{"minor":1250,"amount":"12.50","say":"twelve pounds and fifty pence"},` +
				`"fields":[{"id":"colA","name":"Invoice Number","value":"012345"}]}`},
		// The reason a found caller cannot pay reaches the IVR.
		{"not payable", foundIn(invoiceAndBalance, "-", "100", "500"),
			`{"status":"not_payable","reason":"min_over_max","balance":{"minor":100,"amount":"1.00","say":"one pound"},` +
				`"min_payment":{"minor":500,"amount":"5.00","say":"five pounds"},"max_payment":{"minor":100,"amount":"1.00","say":"one pound"}}`},
		{"no balance", foundIn(invoiceAndBalance, "012345"),
			`{"status":"not_payable","reason":"no_balance","fields":[{"id":"colA","name":"Invoice Number","value":"012345"}]}`},
		{"invalid input", Result{Status: StatusInvalidInput, Input: &InputError{Field: "ref2", Reason: ReasonBadDate, Min: 8, Max: 8}},
			`{"status":"invalid_input","field":"ref2","reason":"bad_date","min":8,"max":8}`},
		{"locked", Result{Status: StatusLocked, RetryAfter: 61 * time.Second}, `{"status":"locked","retry_after":61}`},
		{"locked part of a second", Result{Status: StatusLocked, RetryAfter: 1500 * time.Millisecond}, `{"status":"locked","retry_after":2}`},
		{"not found", Result{Status: StatusNotFound}, `{"status":"not_found"}`},
		{"ambiguous", Result{Status: StatusAmbiguous}, `{"status":"ambiguous"}`},
		{"escapes", as(StatusFound, foundIn(escapedName, "O\"Neil\\\n\t\x01\u2028\xff")),
			`{"status":"found","fields":[{"id":"colF","name":"Name \u003ca\u0026b\u003e","value":"O\"Neil\\\n\t\u0001\u2028\ufffd"}]}`},
		{"nothing shown carried", foundIn(invoiceAndBalance, "-", "-", "500"), `{"status":"not_payable","reason":"no_balance"}`},
		{"in the database's language", foundSpeaking(money.FrFR, money.EUR, invoiceAndBalance[1:], "100000000", "2100"),
			`{"status":"found","balance":{"minor":100000000,"amount":"1000000.00","say":"un million d'euros"},` +
				`"min_payment":{"minor":2100,"amount":"21.00","say":"vingt et un euros"},` +
				`"max_payment":{"minor":100000000,"amount":"1000000.00","say":"un million d'euros"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(JSONFormat{}.AppendResult(nil, tt.r))
			if got != tt.want {
				t.Fatalf("JSON:\n got %s\nwant %s", got, tt.want)
			}
			// encoding/json cannot write both reasons: a not payable input
			// error is not an answer anyway.
			if tt.r.Reason == "" || tt.r.Input == nil {
				if ref := reference(t, tt.r); got != ref {
					t.Fatalf("JSON differs from encoding/json:\n got %s\nwant %s", got, ref)
				}
			}
		})
	}
}

// FuzzAppendJSON holds the JSON format to encoding/json for any text a
// merchant could upload into a visible column or an admin name it, and
// any amount.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "<script>&", "\u2028\u2029", "\xff\xfe", "tab\there", "é£€"} {
		f.Add(s, s, int64(1250))
	}
	f.Fuzz(func(t *testing.T, name, value string, minor int64) {
		cols := []Column{{ID: "colA", Name: name, Type: columndb.TypeText, Visible: true},
			{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, IVRField: RoleBalance}}
		lang := money.Languages()[uint64(minor)%uint64(len(money.Languages()))]
		r := foundSpeaking(lang, money.EUR, cols, value, strconv.FormatInt(minor, 10))
		got := JSONFormat{}.AppendResult(nil, r)
		if want := reference(t, r); string(got) != want {
			t.Fatalf("JSON:\n got %s\nwant %s", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON %s", got)
		}
	})
}

func TestJSONError(t *testing.T) {
	for _, msg := range []string{"unauthorized", "no such database", "internal error",
		`ivr: invalid request: database 3 has "no" <ref1>`, "unknown format; the formats are json, kv"} {
		t.Run(msg, func(t *testing.T) {
			jsonErrorMatches(t, msg)
		})
	}
}

// FuzzJSONError holds the error answer to the encoding/json of the map it
// was first written from, whatever an error says.
func FuzzJSONError(f *testing.F) {
	for _, s := range []string{"", "no such database", "<&>\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(jsonErrorMatches)
}

func jsonErrorMatches(t *testing.T, msg string) {
	want, err := json.Marshal(map[string]string{"status": "error", "error": msg})
	if err != nil {
		t.Fatal(err)
	}
	if got := (JSONFormat{}).AppendError(nil, msg); string(got) != string(want) {
		t.Fatalf("AppendError(%q):\n got %s\nwant %s", msg, got, want)
	}
}

// benchColumns and benchRow are a found caller of the benchmark database's
// shape: three amounts, two shown columns.
var benchColumns = []Column{
	{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true},
	{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, IVRField: RoleBalance},
	{ID: "colC", Name: "Minimum", Type: columndb.TypeCurrency, IVRField: RoleMinPayment},
	{ID: "colD", Name: "Maximum", Type: columndb.TypeCurrency, IVRField: RoleMaxPayment},
	{ID: "colF", Name: "Name", Type: columndb.TypeText, Visible: true},
}

func benchResult() Result { return foundIn(benchColumns, "012345", "123456", "500", "123456", "Alice") }

func BenchmarkAppendJSON(b *testing.B) {
	var f Format = JSONFormat{}
	r := benchResult()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.AppendResult(buf[:0], r)
	}
}
