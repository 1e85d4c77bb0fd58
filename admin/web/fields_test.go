package web

import (
	"strings"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/ivr"
)

// oldPlace is how the pages placed a problem before problems carried their
// field: by words in its text. The structured placement must agree with it
// on every problem the rules produce, so the pages read as they did.
func oldPlace(text string) string {
	for _, pl := range []struct{ word, field string }{
		{"name is", "name"}, {"dtmf", "max_dtmf"}, {"date format", "format"}, {"format", "format"},
		{"type", "type"}, {"a new column must be optional", "required"}, {"required", "required"},
		{"ivr_field", "ivr_field"}, {"played by", "ivr_field"}, {"cannot become ref", "ivr_field"},
		{"primary key", "primary_key"},
	} {
		if strings.Contains(strings.ToLower(text), pl.word) {
			return pl.field
		}
	}
	return ""
}

func guide() []ivr.Column {
	return []ivr.Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: ivr.RoleRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: columndb.TypeDate, Required: true, IVRField: ivr.RoleRef2},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, IVRField: ivr.RoleBalance},
		{ID: "colD", Name: "Notes", Type: columndb.TypeText, Visible: true, IVRField: ivr.RoleNone},
	}
}

func TestProblemPlacement(t *testing.T) {
	store, err := columndb.Open(columndb.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cat := ivr.NewCatalog(store)
	svc := ivr.NewService(store, cat, nil, ivr.Config{})
	t.Cleanup(svc.Close)
	db, err := cat.Create(1, ivr.DatabaseSpec{Description: "Debtors", Columns: guide()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SaveRow(1, db.DBID, map[string]string{"colA": "123456", "colB": "01021990"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(c []ivr.Column) []ivr.Column
	}{
		{"name", func(c []ivr.Column) []ivr.Column { c[2].Name = ""; return c }},
		{"long name", func(c []ivr.Column) []ivr.Column { c[2].Name = strings.Repeat("n", 101); return c }},
		{"type", func(c []ivr.Column) []ivr.Column { c[2].Type = "money"; return c }},
		{"format", func(c []ivr.Column) []ivr.Column { c[1].Format = "YYYYDDMM"; return c }},
		{"format on text", func(c []ivr.Column) []ivr.Column { c[3].Format = columndb.DDMMYYYY; return c }},
		{"role", func(c []ivr.Column) []ivr.Column { c[3].IVRField = "amount"; return c }},
		{"role twice", func(c []ivr.Column) []ivr.Column { c[3].IVRField = ivr.RoleBalance; return c }},
		{"ref type", func(c []ivr.Column) []ivr.Column { c[0].Type = columndb.TypeText; return c }},
		{"ref required", func(c []ivr.Column) []ivr.Column { c[1].Required = false; return c }},
		{"key required", func(c []ivr.Column) []ivr.Column { c[3].PrimaryKey = true; return c }},
		{"range", func(c []ivr.Column) []ivr.Column { c[0].MinDTMF, c[0].MaxDTMF = 8, 6; return c }},
		{"range bounds", func(c []ivr.Column) []ivr.Column { c[0].MaxDTMF = 40; return c }},
		{"date range", func(c []ivr.Column) []ivr.Column { c[1].MinDTMF, c[1].MaxDTMF = 6, 8; return c }},
		{"range off refs", func(c []ivr.Column) []ivr.Column { c[3].MaxDTMF = 4; return c }},
		{"amount type", func(c []ivr.Column) []ivr.Column { c[2].Type = columndb.TypeText; return c }},
		{"bad id", func(c []ivr.Column) []ivr.Column { c[3].ID = "notes"; return c }},
		{"id twice", func(c []ivr.Column) []ivr.Column { c[3].ID = "colC"; return c }},
		{"ref order", func(c []ivr.Column) []ivr.Column {
			c[0].IVRField, c[0].MinDTMF, c[0].MaxDTMF = ivr.RoleNone, 0, 0
			return c
		}},
		// with rows stored
		{"data type change", func(c []ivr.Column) []ivr.Column { c[3].Type = columndb.TypeNumeric; return c }},
		{"date format change", func(c []ivr.Column) []ivr.Column { c[1].Format = columndb.MMDDYYYY; return c }},
		{"becomes required", func(c []ivr.Column) []ivr.Column { c[3].Required = true; return c }},
		{"new required column", func(c []ivr.Column) []ivr.Column {
			return append(c, ivr.Column{ID: "colE", Name: "E", Type: columndb.TypeText, Required: true})
		}},
		{"becomes a ref", func(c []ivr.Column) []ivr.Column {
			c[3].IVRField, c[3].Type, c[3].Required, c[3].MinDTMF, c[3].MaxDTMF = ivr.RoleRef3, columndb.TypeText, true, 1, 4
			return c
		}},
		{"range narrowed", func(c []ivr.Column) []ivr.Column { c[0].MinDTMF, c[0].MaxDTMF = 5, 5; return c }},
		{"removed", func(c []ivr.Column) []ivr.Column { return c[:3] }},
		{"key moved", func(c []ivr.Column) []ivr.Column { c[0].PrimaryKey, c[1].PrimaryKey = false, true; return c }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cat.Update(1, db.DBID, ivr.DatabaseSpec{Description: "Debtors", Columns: tt.edit(guide())})
			problems, ok := columndb.ProblemsOf(err)
			if !ok || len(problems) == 0 {
				t.Fatalf("Update = %v, want structured problems", err)
			}
			for _, p := range problems {
				var oldCol, oldField string
				if col, text, ok := strings.Cut(p.String(), ": "); ok {
					oldCol, oldField = col, oldPlace(text)
				}
				if oldCol != p.Column && p.Column != "" {
					t.Errorf("%q: column %q, the text names %q", p, p.Column, oldCol)
				}
				if p.Column != "" && formField(p.Field) != oldField {
					t.Errorf("%q: placed at %q, the pages placed it at %q", p, formField(p.Field), oldField)
				}
				if p.Code == "" {
					t.Errorf("%q has no code", p)
				}
			}
		})
	}
}
