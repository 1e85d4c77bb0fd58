package ivr

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/columndb"
)

// engineTable is the engine's table of these caller columns, as the
// catalog stores it, without a store.
func engineTable(tb testing.TB, cols []Column) *columndb.Table {
	tb.Helper()
	t, err := tableOf(cols)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// tableOf is a table of cols as the engine keeps it, for tests that build
// answers without a store.
func tableOf(cols []Column) (*columndb.Table, error) {
	t := &columndb.Table{Columns: make([]columndb.Column, len(cols))}
	for i, c := range cols {
		ec, err := c.engine()
		if err != nil {
			return nil, err
		}
		t.Columns[i] = ec
	}
	return t, nil
}

// checkGuide normalises cols and checks them as the catalog does.
func checkGuide(cols []Column) []string {
	for i := range cols {
		cols[i].normalize()
	}
	return columndb.Texts(checkColumns(cols))
}

func TestCheckColumnsGuideExample(t *testing.T) {
	cols := guideColumns()
	cols[1].MinDTMF, cols[1].MaxDTMF = 0, 0
	if p := checkGuide(cols); len(p) != 0 {
		t.Fatalf("guide example refused: %q", p)
	}
	if cols[1].Format != columndb.DDMMYYYY || cols[1].MinDTMF != 8 || cols[1].MaxDTMF != 8 {
		t.Fatalf("date ref defaults: format %q dtmf %d..%d, want DDMMYYYY 8..8", cols[1].Format, cols[1].MinDTMF, cols[1].MaxDTMF)
	}
	if cols[2].IVRField != RoleBalance || cols[2].Format != "" {
		t.Fatalf("balance column changed: %+v", cols[2])
	}
}

func TestLookupIndex(t *testing.T) {
	tests := []struct {
		name string
		cols []Column
		want []string // nil: no index
	}{
		{"keyed by its refs", guideColumns(), nil},
		{"keyed elsewhere", func() []Column {
			c := guideColumns()
			c[0].PrimaryKey, c[2].PrimaryKey = false, true
			return c
		}(), []string{"colA", "colB"}},
		{"refs in role order", []Column{
			{ID: "colA", IVRField: RoleRef3},
			{ID: "colB", IVRField: RoleNone, PrimaryKey: true},
			{ID: "colC", IVRField: RoleRef1},
			{ID: "colD", IVRField: RoleRef2},
		}, []string{"colC", "colD", "colA"}},
		{"no refs", []Column{{ID: "colA", PrimaryKey: true, IVRField: RoleNone}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := engineTable(t, tt.cols)
			idx, ok := lookupIndex(tb.Columns, tt.cols)
			if ok != (tt.want != nil) || !slices.Equal(idx.Columns, tt.want) || (ok && idx.Name != columndb.LookupIndex) {
				t.Fatalf("lookupIndex = %+v, %v; want %v", idx, ok, tt.want)
			}
			if keyed := keyedByRefs(tb); keyed != (tt.want == nil && len(refColumns(tb)) > 0) {
				t.Fatalf("keyedByRefs = %v", keyed)
			}
		})
	}
}

func TestNormalizeCallerColumns(t *testing.T) {
	cols := []Column{
		{ID: " COLb ", Name: "  Name  ", Type: "NUMERIC", IVRField: "REF1"},
		{ID: "cold", Type: "Date", Format: "mmddyyyy"},
		{ID: "colE", Type: columndb.TypeText},
		{ID: "colF", Type: "date", IVRField: "ref2"},
	}
	for i := range cols {
		cols[i].normalize()
	}
	want := []Column{
		{ID: "colB", Name: "Name", Type: columndb.TypeNumeric, IVRField: RoleRef1},
		{ID: "colD", Type: columndb.TypeDate, Format: columndb.MMDDYYYY, IVRField: RoleNone},
		{ID: "colE", Type: columndb.TypeText, IVRField: RoleNone},
		{ID: "colF", Type: columndb.TypeDate, Format: columndb.DDMMYYYY, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8},
	}
	if !slices.Equal(cols, want) {
		t.Fatalf("normalize:\n got %+v\nwant %+v", cols, want)
	}
}

func TestCheckColumnsProblems(t *testing.T) {
	// each case edits the guide example and expects problems containing
	// these parts, the first of them on this column and field.
	tests := []struct {
		name          string
		edit          func(c []Column) []Column
		column, field string
		want          []string
	}{
		{"no columns", func([]Column) []Column { return nil }, "", "", []string{"at least one column"}},
		{"bad id", func(c []Column) []Column { c[2].ID = "balance"; return c }, "column 3", "id", []string{`column 3: id "balance" must be col`}},
		{"duplicate ids", func(c []Column) []Column { c[3].ID = "colc"; return c }, "colC", "id", []string{"colC: id is used twice"}},
		{"missing name", func(c []Column) []Column { c[2].Name = "  "; return c }, "colC", "name", []string{"colC: name is required"}},
		{"long name", func(c []Column) []Column { c[2].Name = strings.Repeat("n", 101); return c }, "colC", "name", []string{"colC: name is longer than 100"}},
		{"bad type", func(c []Column) []Column { c[2].Type = "money"; return c }, "colC", "type", []string{`colC: type "money" must be one of text, numeric, date, currency, integer`, "colC: balance is an amount"}},
		{"bad format", func(c []Column) []Column { c[1].Format = "YYYYDDMM"; return c }, "colB", "format", []string{`colB: format "YYYYDDMM" must be one of`}},
		{"format on non-date", func(c []Column) []Column { c[2].Format = columndb.DDMMYYYY; return c }, "colC", "format", []string{"colC: format applies only to date columns"}},
		{"bad ivr field", func(c []Column) []Column { c[2].IVRField = "amount"; return c }, "colC", "ivr_field", []string{`colC: ivr_field "amount" must be one of`}},
		{"ref on text column", func(c []Column) []Column { c[0].Type = columndb.TypeText; return c }, "colA", "type", []string{"colA: ref1 is keyed on a phone keypad"}},
		{"ref on currency column", func(c []Column) []Column {
			c[1].Type = columndb.TypeCurrency
			c[1].MinDTMF, c[1].MaxDTMF = 8, 8
			return c
		}, "colB", "type", []string{"colB: ref2 is keyed on a phone keypad"}},
		{"ref not required", func(c []Column) []Column { c[1].Required = false; return c }, "colB", "required", []string{"colB: ref2 must be required"}},
		{"min over max", func(c []Column) []Column { c[0].MinDTMF, c[0].MaxDTMF = 8, 6; return c }, "colA", "max_dtmf", []string{"colA: min_dtmf 8 is more than max_dtmf 6"}},
		{"dtmf zero", func(c []Column) []Column { c[0].MinDTMF, c[0].MaxDTMF = 0, 0; return c }, "colA", "max_dtmf", []string{"colA: min_dtmf and max_dtmf must be between 1 and 32"}},
		{"dtmf over 32", func(c []Column) []Column { c[0].MinDTMF, c[0].MaxDTMF = 4, 33; return c }, "colA", "max_dtmf", []string{"colA: min_dtmf and max_dtmf must be between 1 and 32"}},
		{"dtmf negative", func(c []Column) []Column { c[0].MinDTMF = -1; return c }, "colA", "max_dtmf", []string{"colA: min_dtmf and max_dtmf must be between 1 and 32"}},
		{"date ref dtmf not 8", func(c []Column) []Column { c[1].MinDTMF, c[1].MaxDTMF = 6, 8; return c }, "colB", "max_dtmf", []string{"colB: a date is keyed as 8 digits"}},
		{"balance not currency", func(c []Column) []Column { c[2].Type = columndb.TypeNumeric; return c }, "colC", "type", []string{"colC: balance is an amount, so its type must be currency"}},
		{"role used twice", func(c []Column) []Column { c[3].IVRField = RoleBalance; return c }, "colD", "ivr_field", []string{"colD: ivr_field balance is already played by colC"}},
		{"ref2 without ref1", func(c []Column) []Column { c[0].IVRField, c[0].MinDTMF, c[0].MaxDTMF = RoleNone, 0, 0; return c }, "", "ivr_field", []string{"ref2 needs a ref1"}},
		{"ref3 without ref2", func(c []Column) []Column { c[1].IVRField = RoleRef3; return c }, "", "ivr_field", []string{"ref3 needs a ref2"}},
		{"no primary key", func(c []Column) []Column { c[0].PrimaryKey = false; return c }, "", "primary_key", []string{"at least one column must be a primary key"}},
		{"pk not required", func(c []Column) []Column { c[2].PrimaryKey, c[2].Required = true, false; return c }, "colC", "required", []string{"colC: a primary key column must be required"}},
		{"dtmf on non-ref column", func(c []Column) []Column { c[3].MinDTMF = 4; return c }, "colD", "max_dtmf", []string{"colD: min_dtmf and max_dtmf apply only to ref1, ref2 and ref3"}},
		{"dtmf on plain column", func(c []Column) []Column {
			return append(c, Column{ID: "colF", Name: "Notes", Type: columndb.TypeText, MaxDTMF: 4})
		}, "colF", "max_dtmf", []string{"colF: min_dtmf and max_dtmf apply only to ref1, ref2 and ref3"}},
		{"all at once", func(c []Column) []Column {
			c[0].PrimaryKey = false                   // no primary key
			c[1].Required = false                     // ref not required
			c[2].Type = columndb.TypeText             // balance not currency
			c[3].ID = "colC"                          // duplicate id
			c[4].IVRField, c[4].MinDTMF = RoleRef2, 0 // role used twice (and dtmf range)
			c = append(c, Column{ID: "colF", Name: "Notes", Type: columndb.TypeText, IVRField: RoleRef3, Required: true, MinDTMF: 1, MaxDTMF: 4})
			return c
		}, "colB", "required", []string{
			"colB: ref2 must be required",
			"colC: balance is an amount",
			"colC: id is used twice",
			"colE: ivr_field ref2 is already played by colB",
			"colE: ref2 is keyed on a phone keypad",
			"colF: ref3 is keyed on a phone keypad",
			"at least one column must be a primary key",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := tt.edit(guideColumns())
			for i := range cols {
				cols[i].normalize()
			}
			problems := checkColumns(cols)
			got := columndb.Texts(problems)
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem containing %q in %q", w, got)
				}
			}
			if len(tt.want) == 1 && len(got) != 1 {
				t.Errorf("want exactly one problem, got %d: %q", len(got), got)
			}
			if len(problems) > 0 && (problems[0].Column != tt.column || problems[0].Field != tt.field || problems[0].Code == "") {
				t.Errorf("first problem %+v, want column %q field %q and a code", problems[0], tt.column, tt.field)
			}
		})
	}
}

// A data folder written before the engine knew nothing of callers holds
// schemas whose columns carry ivr_field, min_dtmf and max_dtmf among the
// engine's keys. They must open with every role and digit range intact.
func TestLegacyStoredSchema(t *testing.T) {
	const stored = `{"tenant":1234,"name":"ivr/0000000001","description":"Debtors","columns":[` +
		`{"id":"colA","name":"Invoice Number","type":"numeric","visible":true,"required":true,"primary_key":true,"ivr_field":"ref1","min_dtmf":6,"max_dtmf":6},` +
		`{"id":"colB","name":"Date of Birth","type":"date","format":"DDMMYYYY","visible":false,"required":true,"primary_key":false,"ivr_field":"ref2","min_dtmf":8,"max_dtmf":8},` +
		`{"id":"colC","name":"Balance","type":"currency","visible":true,"required":true,"primary_key":false,"ivr_field":"balance"},` +
		`{"id":"colF","name":"Name","type":"text","visible":true,"required":false,"primary_key":false,"ivr_field":"none"}` +
		`],"created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z","number":3}`
	var tb columndb.Table
	if err := json.Unmarshal([]byte(stored), &tb); err != nil {
		t.Fatal(err)
	}
	got := schemaOf(&tb)
	want := []Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: columndb.TypeDate, Format: columndb.DDMMYYYY, Required: true, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, Required: true, IVRField: RoleBalance},
		{ID: "colF", Name: "Name", Type: columndb.TypeText, Visible: true, IVRField: RoleNone},
	}
	if !slices.Equal(got.cols, want) {
		t.Fatalf("columns read back:\n got %+v\nwant %+v", got.cols, want)
	}
	if !slices.Equal(got.refs, []int{0, 1}) || !got.keyedByRefs {
		t.Fatalf("refs %v keyed %v", got.refs, got.keyedByRefs)
	}
	// Written by this build, the same definition is stored the same way.
	for i, c := range want {
		ec, err := c.engine()
		if err != nil {
			t.Fatal(err)
		}
		if ec != tb.Columns[i] {
			t.Errorf("column %s stored as %+v, was %+v", c.ID, ec, tb.Columns[i])
		}
	}
}

func TestRefChangeRule(t *testing.T) {
	ref := Column{ID: "colA", Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}
	tests := []struct {
		name   string
		old    Column
		edit   func(c Column) Column
		field  string // "" when the change is fine
		reason string
	}{
		{"becomes a ref", Column{ID: "colA", Type: columndb.TypeNumeric, IVRField: RoleNone},
			func(c Column) Column { c.IVRField, c.MinDTMF, c.MaxDTMF = RoleRef3, 1, 8; return c },
			"ivr_field", "stored values were not checked as keypad input, so it cannot become ref3"},
		{"range narrowed", ref, func(c Column) Column { c.MinDTMF, c.MaxDTMF = 7, 7; return c },
			"max_dtmf", "the DTMF range can widen but not narrow while rows exist"},
		{"range widened", ref, func(c Column) Column { c.MinDTMF, c.MaxDTMF = 4, 8; return c }, "", ""},
		{"leaves the refs", ref, func(c Column) Column { c.IVRField, c.MinDTMF, c.MaxDTMF = RoleNone, 0, 0; return c }, "", ""},
		{"another ref", ref, func(c Column) Column { c.IVRField = RoleRef2; return c }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, _ := tt.old.engine()
			next, _ := tt.edit(tt.old).engine()
			p := refChangeRule(&old, &next)
			if tt.field == "" {
				if len(p) != 0 {
					t.Fatalf("refused: %+v", p)
				}
				return
			}
			if len(p) != 1 || p[0].Field != tt.field || p[0].Reason != tt.reason || p[0].Code != columndb.CodeIncompatible || p[0].Column != "colA" {
				t.Fatalf("problems %+v, want one on %s: %q", p, tt.field, tt.reason)
			}
		})
	}
}

func TestColumnNormalizeRange(t *testing.T) {
	tests := []struct {
		name string
		col  Column
		in   string
		want string
		err  string
	}{
		{"six", Column{Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}, "012345", "012345", ""},
		{"five", Column{Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}, "12345", "", "expected 6 digits, got 5"},
		{"seven", Column{Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}, "1234567", "", "expected 6 digits, got 7"},
		{"trimmed before counting", Column{Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}, " 123456 ", "123456", ""},
		{"range min", Column{Type: columndb.TypeNumeric, IVRField: RoleRef3, MinDTMF: 4, MaxDTMF: 8}, "0001", "0001", ""},
		{"range short", Column{Type: columndb.TypeNumeric, IVRField: RoleRef2, MinDTMF: 4, MaxDTMF: 8}, "123", "", "expected 4 to 8 digits, got 3"},
		{"range long", Column{Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 4, MaxDTMF: 8}, "123456789", "", "expected 4 to 8 digits, got 9"},
		{"ignored off refs", Column{Type: columndb.TypeNumeric, IVRField: RoleNone, MinDTMF: 6, MaxDTMF: 6}, "123", "123", ""},
		{"ignored on amounts", Column{Type: columndb.TypeNumeric, IVRField: RoleBalance, MinDTMF: 6, MaxDTMF: 6}, "123", "123", ""},
		{"ignored without a role", Column{Type: columndb.TypeNumeric, MinDTMF: 6, MaxDTMF: 6}, "123", "123", ""},
		{"type first", Column{Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}, "12a", "", "not all digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.col.Normalize(tt.in)
			if tt.err != "" {
				var ve *columndb.ValueError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ve) {
					t.Fatalf("Normalize(%q) = %q, %v; want ValueError %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
