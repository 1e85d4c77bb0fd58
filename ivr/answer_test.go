package ivr

import (
	"encoding/json"
	"testing"

	"github.com/tonebase/tonebase/columndb"
)

// answerColumns are a caller database with every amount, a hidden column
// and names that need escaping.
func answerColumns() []Column {
	return []Column{
		{ID: "colA", Name: "Invoice", Type: columndb.TypeNumeric, Visible: true, PrimaryKey: true, IVRField: RoleRef1},
		{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, IVRField: RoleBalance},
		{ID: "colC", Name: "Minimum", Type: columndb.TypeCurrency, IVRField: RoleMinPayment},
		{ID: "colD", Name: "Maximum \"max\"", Type: columndb.TypeCurrency, Visible: true, IVRField: RoleMaxPayment},
		{ID: "colE", Name: "Note <&>", Type: columndb.TypeText, Visible: true},
	}
}

func TestAnswer(t *testing.T) {
	cols := answerColumns()
	p := newAnswerPlan(engineTable(t, cols))
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
		// Text is escaped for JSON and for the query string alike.
		{"text to escape", row("123456", "100", "-", "-", "O'Neil & \"Sons\" <1>\n\xff é"), StatusFound, "", 100, 1, 100,
			"colA=123456 colB=1.00 colE=O'Neil & \"Sons\" <1>\n\xff é"},
		// A currency value that is not minor units (written before the type
		// was set) is shown as stored, not dropped.
		{"currency not in minor units", row("123456", "1250", "-", "£3", "-"), StatusFound, "", 1250, 1, 1250, "colA=123456 colB=12.50 colD=£3"},
		{"nothing visible carried", row("-", "-", "500", "-", "-"), StatusNotPayable, ReasonNoBalance, 0, 0, 0, ""},
		{"large amounts", row("1", "123456789012", "-", "-", "-"), StatusFound, "", 123456789012, 1, 123456789012, "colA=1 colB=1234567890.12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := found(p, tt.r)
			if got, want := string(JSONFormat{}.AppendResult(nil, res)), reference(t, res); got != want {
				t.Fatalf("JSON:\n got %s\nwant %s", got, want)
			}
			if got, want := string(KVFormat{}.AppendResult(nil, res)), kvReference(res); got != want {
				t.Fatalf("KV:\n got %s\nwant %s", got, want)
			}
			if res.Status != tt.status || res.Reason != tt.reason {
				t.Fatalf("status %s/%s, want %s/%s", res.Status, res.Reason, tt.status, tt.reason)
			}
			if a, ok := res.Record.Amounts(); ok {
				if want := (Amounts{Balance: tt.balance, MinPayment: tt.min, MaxPayment: tt.max}); a != want {
					t.Fatalf("amounts %+v, want %+v", a, want)
				}
			}
			var fields string
			for i, c := range res.Record.Shown() {
				v, ok := res.Record.Value(i)
				if !ok {
					continue
				}
				if fields != "" {
					fields += " "
				}
				fields += c.ID + "=" + shownText(v)
			}
			if fields != tt.fields {
				t.Fatalf("fields %q, want %q", fields, tt.fields)
			}
		})
	}
}

// FuzzAnswer holds both formats' answer for a found row to encoding/json
// and url.QueryEscape, for any values a row could carry.
func FuzzAnswer(f *testing.F) {
	cols := answerColumns()
	p := newAnswerPlan(engineTable(f, cols))
	f.Add("123456", "1250", "500", "1250", "Alice", uint8(0xff))
	f.Add("", "-1", "x", "9223372036854775807", "<\u2028>\xff", uint8(0x15))
	f.Add("0", "-9223372036854775808", "0", "0", "a b+c&d=e%", uint8(0x0a))
	f.Fuzz(func(t *testing.T, a, b, c, d, e string, carried uint8) {
		r := columndb.NewRow(len(cols))
		for i, v := range []string{a, b, c, d, e} {
			if carried&(1<<i) != 0 {
				r.Set(i, v)
			}
		}
		res := found(p, r)
		got := JSONFormat{}.AppendResult(nil, res)
		if want := reference(t, res); string(got) != want {
			t.Fatalf("JSON:\n got %s\nwant %s", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON %s", got)
		}
		if got, want := string(KVFormat{}.AppendResult(nil, res)), kvReference(res); got != want {
			t.Fatalf("KV:\n got %s\nwant %s", got, want)
		}
	})
}
