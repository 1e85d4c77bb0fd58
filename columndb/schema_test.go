package columndb

import (
	"slices"
	"strings"
	"testing"
)

func TestCanonicalColumnID(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"colA", "colA", true},
		{"cola", "colA", true},
		{"COLa", "colA", true},
		{"ColAA", "colAA", true},
		{"colzz", "colZZ", true},
		{"cOlBc", "colBC", true},
		{"col", "", false},
		{"colABC", "", false},
		{"colA1", "", false},
		{"col1", "", false},
		{"col_", "", false},
		{"col@", "", false},
		{"col[", "", false},
		{"col{", "", false},
		{"colé", "", false},
		{"cal", "", false},
		{"rowA", "", false},
		{" colA", "", false},
		{"", "", false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := CanonicalColumnID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("CanonicalColumnID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// guideColumns is the example caller database of the ActivePay guide.
func guideColumns() []Column {
	return []Column{
		{ID: "colA", Name: "Invoice Number", Type: TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: IVRRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: TypeDate, Required: true, IVRField: IVRRef2},
		{ID: "colC", Name: "Balance", Type: TypeCurrency, Visible: true, IVRField: IVRBalance},
		{ID: "colD", Name: "Minimum Payment", Type: TypeCurrency, Visible: true, IVRField: IVRMinPayment},
		{ID: "colE", Name: "Maximum Payment", Type: TypeCurrency, Visible: true, IVRField: IVRMaxPayment},
	}
}

func TestValidateColumnsGuideExample(t *testing.T) {
	cols := guideColumns()
	normalizeColumns(cols)
	if p := ValidateColumns(cols); len(p) != 0 {
		t.Fatalf("guide example refused: %q", p)
	}
	if cols[1].Format != DDMMYYYY || cols[1].MinDTMF != 8 || cols[1].MaxDTMF != 8 {
		t.Fatalf("date ref defaults: format %q dtmf %d..%d, want DDMMYYYY 8..8", cols[1].Format, cols[1].MinDTMF, cols[1].MaxDTMF)
	}
	if cols[2].IVRField != IVRBalance || cols[2].Format != "" {
		t.Fatalf("balance column changed: %+v", cols[2])
	}
	idx, ok := lookupIndex(cols)
	if !ok || idx.Name != LookupIndex || !slices.Equal(idx.Columns, []string{"colA", "colB"}) {
		t.Fatalf("lookupIndex = %+v, %v; want lookup over colA, colB", idx, ok)
	}
}

func TestLookupIndexOrder(t *testing.T) {
	cols := []Column{
		{ID: "colA", IVRField: IVRRef3},
		{ID: "colB", IVRField: IVRNone},
		{ID: "colC", IVRField: IVRRef1},
		{ID: "colD", IVRField: IVRRef2},
	}
	idx, ok := lookupIndex(cols)
	if !ok || !slices.Equal(idx.Columns, []string{"colC", "colD", "colA"}) {
		t.Fatalf("lookupIndex = %+v, %v; want ref1, ref2, ref3 = colC, colD, colA", idx, ok)
	}
	if _, ok := lookupIndex([]Column{{ID: "colA"}}); ok {
		t.Fatal("lookupIndex without refs reported an index")
	}
}

func TestNormalizeColumns(t *testing.T) {
	cols := []Column{
		{ID: " COLb ", Name: "  Name  ", Type: "NUMERIC", IVRField: "REF1"},
		{ID: "cold", Type: "Date", Format: "mmddyyyy"},
		{ID: "colE", Type: TypeText},
	}
	normalizeColumns(cols)
	want := []Column{
		{ID: "colB", Name: "Name", Type: TypeNumeric, IVRField: IVRRef1},
		{ID: "colD", Type: TypeDate, Format: MMDDYYYY, IVRField: IVRNone},
		{ID: "colE", Type: TypeText, IVRField: IVRNone},
	}
	if !slices.Equal(cols, want) {
		t.Fatalf("normalizeColumns:\n got %+v\nwant %+v", cols, want)
	}
}

func TestValidateColumnsProblems(t *testing.T) {
	// each case edits the guide example and expects problems containing these parts.
	tests := []struct {
		name string
		edit func(c []Column) []Column
		want []string
	}{
		{"no columns", func([]Column) []Column { return nil }, []string{"at least one column"}},
		{"bad id", func(c []Column) []Column { c[2].ID = "balance"; return c }, []string{`column 3: id "balance" must be col`}},
		{"duplicate ids", func(c []Column) []Column { c[3].ID = "colc"; return c }, []string{"colC: id is used twice"}},
		{"missing name", func(c []Column) []Column { c[2].Name = "  "; return c }, []string{"colC: name is required"}},
		{"long name", func(c []Column) []Column { c[2].Name = strings.Repeat("n", 101); return c }, []string{"colC: name is longer than 100"}},
		{"bad type", func(c []Column) []Column { c[2].Type = "money"; return c }, []string{`colC: type "money" must be one of text, numeric, date, currency, integer`, "colC: balance is an amount"}},
		{"bad format", func(c []Column) []Column { c[1].Format = "YYYYDDMM"; return c }, []string{`colB: format "YYYYDDMM" must be one of`}},
		{"format on non-date", func(c []Column) []Column { c[2].Format = DDMMYYYY; return c }, []string{"colC: format applies only to date columns"}},
		{"bad ivr field", func(c []Column) []Column { c[2].IVRField = "amount"; return c }, []string{`colC: ivr_field "amount" must be one of`}},
		{"ref on text column", func(c []Column) []Column { c[0].Type = TypeText; return c }, []string{"colA: ref1 is keyed on a phone keypad"}},
		{"ref on currency column", func(c []Column) []Column { c[1].Type = TypeCurrency; c[1].MinDTMF, c[1].MaxDTMF = 8, 8; return c }, []string{"colB: ref2 is keyed on a phone keypad"}},
		{"ref not required", func(c []Column) []Column { c[1].Required = false; return c }, []string{"colB: ref2 must be required"}},
		{"min over max", func(c []Column) []Column { c[0].MinDTMF, c[0].MaxDTMF = 8, 6; return c }, []string{"colA: min_dtmf 8 is more than max_dtmf 6"}},
		{"dtmf zero", func(c []Column) []Column { c[0].MinDTMF, c[0].MaxDTMF = 0, 0; return c }, []string{"colA: min_dtmf and max_dtmf must be between 1 and 32"}},
		{"dtmf over 32", func(c []Column) []Column { c[0].MinDTMF, c[0].MaxDTMF = 4, 33; return c }, []string{"colA: min_dtmf and max_dtmf must be between 1 and 32"}},
		{"dtmf negative", func(c []Column) []Column { c[0].MinDTMF = -1; return c }, []string{"colA: min_dtmf and max_dtmf must be between 1 and 32"}},
		{"date ref dtmf not 8", func(c []Column) []Column { c[1].MinDTMF, c[1].MaxDTMF = 6, 8; return c }, []string{"colB: a date is keyed as 8 digits"}},
		{"balance not currency", func(c []Column) []Column { c[2].Type = TypeNumeric; return c }, []string{"colC: balance is an amount, so its type must be currency"}},
		{"role used twice", func(c []Column) []Column { c[3].IVRField = IVRBalance; return c }, []string{"colD: ivr_field balance is already played by colC"}},
		{"ref2 without ref1", func(c []Column) []Column { c[0].IVRField, c[0].MinDTMF, c[0].MaxDTMF = IVRNone, 0, 0; return c }, []string{"ref2 needs a ref1"}},
		{"ref3 without ref2", func(c []Column) []Column { c[1].IVRField = IVRRef3; return c }, []string{"ref3 needs a ref2"}},
		{"no primary key", func(c []Column) []Column { c[0].PrimaryKey = false; return c }, []string{"at least one column must be a primary key"}},
		{"pk not required", func(c []Column) []Column { c[2].PrimaryKey = true; return c }, []string{"colC: a primary key column must be required"}},
		{"dtmf on non-ref column", func(c []Column) []Column { c[3].MinDTMF = 4; return c }, []string{"colD: min_dtmf and max_dtmf apply only to ref1, ref2 and ref3"}},
		{"dtmf on plain column", func(c []Column) []Column {
			return append(c, Column{ID: "colF", Name: "Notes", Type: TypeText, MaxDTMF: 4})
		}, []string{"colF: min_dtmf and max_dtmf apply only to ref1, ref2 and ref3"}},
		{"all at once", func(c []Column) []Column {
			c[0].PrimaryKey = false                  // no primary key
			c[1].Required = false                    // ref not required
			c[2].Type = TypeText                     // balance not currency
			c[3].ID = "colC"                         // duplicate id
			c[4].IVRField, c[4].MinDTMF = IVRRef2, 0 // role used twice (and dtmf range)
			c = append(c, Column{ID: "colF", Name: "Notes", Type: TypeText, IVRField: IVRRef3, Required: true, MinDTMF: 1, MaxDTMF: 4})
			return c
		}, []string{
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
			normalizeColumns(cols)
			got := ValidateColumns(cols)
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem containing %q in %q", w, got)
				}
			}
			if len(tt.want) == 1 && len(got) != 1 {
				t.Errorf("want exactly one problem, got %d: %q", len(got), got)
			}
		})
	}
}

func TestSchemaErrorMessage(t *testing.T) {
	err := &SchemaError{Problems: []string{"a", "b"}}
	if got := err.Error(); got != "columndb: invalid schema: a; b" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestTableColumnIndexAndField(t *testing.T) {
	tb := &Table{Columns: guideColumns()}
	for _, tt := range []struct {
		id   string
		pos  int
		want bool
	}{{"colA", 0, true}, {"cold", 3, true}, {"COLE", 4, true}, {"colF", 0, false}, {"x", 0, false}} {
		if pos, ok := tb.ColumnIndex(tt.id); pos != tt.pos || ok != tt.want {
			t.Errorf("ColumnIndex(%q) = %d, %v; want %d, %v", tt.id, pos, ok, tt.pos, tt.want)
		}
	}
	if i, ok := tb.Field(IVRMaxPayment); !ok || i != 4 {
		t.Errorf("Field(max_payment) = %d, %v", i, ok)
	}
	if _, ok := tb.Field(IVRRef3); ok {
		t.Error("Field(ref3) found a column")
	}
	if pk := tb.PrimaryKey(); !slices.Equal(pk, []int{0}) {
		t.Errorf("PrimaryKey() = %v, want [0]", pk)
	}
}

func TestCheckCallerColumns(t *testing.T) {
	cols := guideColumns()
	cols[0].ID, cols[2].Type = "COLa", "Currency"
	if p := CheckCallerColumns(cols); len(p) != 0 {
		t.Fatalf("guide example refused: %q", p)
	}
	if cols[0].ID != "colA" || cols[2].Type != TypeCurrency || cols[1].MaxDTMF != 8 {
		t.Fatalf("columns not canonicalised in place: %+v", cols)
	}
	// The invoice number is both the key and ref1: the key finds callers.
	if idx, ok := CallerLookupIndex(cols); ok || !KeyedByRefs(cols) {
		t.Fatalf("CallerLookupIndex = %+v, %v for a database keyed by its refs", idx, ok)
	}
	keyedElsewhere := slices.Clone(cols)
	keyedElsewhere[0].PrimaryKey, keyedElsewhere[2].PrimaryKey = false, true
	if idx, ok := CallerLookupIndex(keyedElsewhere); !ok || !slices.Equal(idx.Columns, []string{"colA", "colB"}) {
		t.Fatalf("CallerLookupIndex = %+v, %v", idx, ok)
	}
	cols[0].PrimaryKey = false
	if p := CheckCallerColumns(cols); len(p) != 1 {
		t.Fatalf("CheckCallerColumns without a primary key = %q, want one problem", p)
	}
}
