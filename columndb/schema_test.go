package columndb

import (
	"errors"
	"fmt"
	"slices"
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

// guideColumns is the example caller database of the ActivePay guide, as
// the engine sees it: the caller roles are its owner's attributes.
func guideColumns() []Column {
	return []Column{
		{ID: "colA", Name: "Invoice Number", Type: TypeNumeric, Visible: true, Required: true, PrimaryKey: true, Attrs: attrs(`{"max_len":6}`)},
		{ID: "colB", Name: "Date of Birth", Type: TypeDate, Required: true, Attrs: attrs(`{"role":"ref2"}`)},
		{ID: "colC", Name: "Balance", Type: TypeCurrency, Visible: true},
		{ID: "colD", Name: "Minimum Payment", Type: TypeCurrency, Visible: true},
		{ID: "colE", Name: "Maximum Payment", Type: TypeCurrency, Visible: true},
	}
}

func TestNormalizeColumns(t *testing.T) {
	cols := []Column{
		{ID: " COLb ", Name: "  Name  ", Type: "NUMERIC", Attrs: attrs(`{"x":"REF1"}`)},
		{ID: "cold", Type: "Date", Format: "mmddyyyy"},
		{ID: "colE", Type: TypeDate},
		{ID: "colF", Type: TypeText},
	}
	NormalizeColumns(cols)
	want := []Column{
		{ID: "colB", Name: "Name", Type: TypeNumeric, Attrs: attrs(`{"x":"REF1"}`)},
		{ID: "colD", Type: TypeDate, Format: MMDDYYYY},
		{ID: "colE", Type: TypeDate, Format: DDMMYYYY},
		{ID: "colF", Type: TypeText},
	}
	if !slices.Equal(cols, want) {
		t.Fatalf("NormalizeColumns:\n got %+v\nwant %+v", cols, want)
	}
}

func TestLookupBy(t *testing.T) {
	cols := guideColumns()
	tests := []struct {
		name      string
		pk        []int
		positions []int
		want      []string
		covers    bool
	}{
		{"key among the lookup columns", []int{0}, []int{0, 1}, nil, true},
		{"key elsewhere", []int{2}, []int{0, 1}, []string{"colA", "colB"}, false},
		{"order kept", []int{2}, []int{1, 0}, []string{"colB", "colA"}, false},
		{"two-column key, one looked up", []int{0, 1}, []int{0}, []string{"colA"}, false},
		{"two-column key, both looked up", []int{0, 1}, []int{1, 0}, nil, true},
		{"no lookup columns", []int{0}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := slices.Clone(cols)
			for i := range cs {
				cs[i].PrimaryKey = slices.Contains(tt.pk, i)
			}
			if got := CoversPrimaryKey(cs, tt.positions); got != tt.covers {
				t.Errorf("CoversPrimaryKey = %v, want %v", got, tt.covers)
			}
			idx, ok := LookupBy(cs, tt.positions)
			if ok != (tt.want != nil) || !slices.Equal(idx.Columns, tt.want) || (ok && idx.Name != LookupIndex) {
				t.Errorf("LookupBy = %+v, %v; want %v", idx, ok, tt.want)
			}
		})
	}
}

func TestSchemaErrorMessage(t *testing.T) {
	err := &SchemaError{Problems: []Problem{{Reason: "a"}, {Column: "colB", Field: "name", Code: CodeRequired, Reason: "b"}}}
	if got := err.Error(); got != "columndb: invalid schema: a; colB: b" {
		t.Fatalf("Error() = %q", got)
	}
	inc := error(&IncompatibleError{Problems: []Problem{{Column: "colA", Reason: "x"}}})
	if got := inc.Error(); got != "columndb: change incompatible with stored rows: colA: x" || !errors.Is(inc, ErrIncompatible) {
		t.Fatalf("IncompatibleError = %q, Is ErrIncompatible %v", got, errors.Is(inc, ErrIncompatible))
	}
	if ps, ok := ProblemsOf(fmt.Errorf("wrapped: %w", inc)); !ok || len(ps) != 1 || ps[0].Column != "colA" {
		t.Fatalf("ProblemsOf = %+v, %v", ps, ok)
	}
}

func TestTableColumnIndex(t *testing.T) {
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
	if pk := tb.PrimaryKey(); !slices.Equal(pk, []int{0}) {
		t.Errorf("PrimaryKey() = %v, want [0]", pk)
	}
}

func TestDerivedOncePerDefinition(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/12")
	type key struct{ n int }
	builds := 0
	build := func(t *Table) any { builds++; return len(t.Columns) }
	for range 3 {
		if v := tb.Derived(key{1}, build); v != 6 {
			t.Fatalf("Derived = %v", v)
		}
	}
	if v := tb.Derived(key{2}, func(*Table) any { return "other" }); v != "other" {
		t.Fatalf("second key = %v", v)
	}
	if builds != 1 {
		t.Fatalf("built %d times, want once", builds)
	}
	next, err := s.UpdateTable(edited(tb, func(c []Column) []Column { return append(c, Column{ID: "colG", Name: "G", Type: TypeText}) }))
	if err != nil {
		t.Fatal(err)
	}
	if v := next.Derived(key{1}, build); v != 7 || builds != 2 {
		t.Fatalf("a new definition derived %v after %d builds", v, builds)
	}
}
