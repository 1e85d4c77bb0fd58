package ivr

import (
	"testing"

	"github.com/tonebase/tonebase/columndb"
)

func TestParseDTMF(t *testing.T) {
	invoice := &Column{ID: "colA", Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6}
	ranged := &Column{ID: "colC", Type: columndb.TypeNumeric, IVRField: RoleRef3, MinDTMF: 4, MaxDTMF: 8}
	dob := &Column{ID: "colB", Type: columndb.TypeDate, Format: columndb.DDMMYYYY, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8}
	us := &Column{ID: "colB", Type: columndb.TypeDate, Format: columndb.MMDDYYYY, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8}
	tests := []struct {
		name    string
		col     *Column
		raw     string
		present bool
		want    string
		reason  string
	}{
		{"exact", invoice, "123456", true, "123456", ""},
		{"leading zeros kept", invoice, "000123", true, "000123", ""},
		{"one trailing hash dropped", invoice, "123456#", true, "123456", ""},
		{"two hashes are not digits", invoice, "123456##", true, "", ReasonNotDigits},
		{"lone hash is missing", invoice, "#", true, "", ReasonMissing},
		{"absent", invoice, "", false, "", ReasonMissing},
		{"empty", invoice, "", true, "", ReasonMissing},
		{"star", invoice, "12*456", true, "", ReasonNotDigits},
		{"connect timeout", invoice, "Timeout", true, "", ReasonNotDigits},
		{"space", invoice, "123 456", true, "", ReasonNotDigits},
		{"too short", invoice, "12345", true, "", ReasonTooShort},
		{"too long", invoice, "1234567", true, "", ReasonTooLong},
		{"range low end", ranged, "1234", true, "1234", ""},
		{"range high end", ranged, "12345678#", true, "12345678", ""},
		{"uk date", dob, "01021990", true, "01021990", ""},
		{"leap day", dob, "29022000", true, "29022000", ""},
		{"no such leap day", dob, "29021900", true, "", ReasonBadDate},
		{"month 13", dob, "01131990", true, "", ReasonBadDate},
		{"us order", us, "12311990", true, "12311990", ""},
		{"uk date in a us column", us, "31121990", true, "", ReasonBadDate},
		{"short date", dob, "010290", true, "", ReasonTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDTMF(tt.col.IVRField, tt.col, tt.raw, tt.present)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseDTMF(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
				}
				return
			}
			if err == nil || err.Reason != tt.reason || err.Field != string(tt.col.IVRField) || err.Min != tt.col.MinDTMF || err.Max != tt.col.MaxDTMF {
				t.Fatalf("ParseDTMF(%q) = %q, %+v; want reason %s", tt.raw, got, err, tt.reason)
			}
		})
	}
}

// FuzzParseDTMF checks that whatever a platform sends, an accepted value is
// what the same digits uploaded would be stored as.
func FuzzParseDTMF(f *testing.F) {
	for _, s := range []string{"123456", "123456#", "#", "*", "Timeout", "01021990", "29022001", "0000000#"} {
		f.Add(s)
	}
	cols := []*Column{
		{ID: "colA", Type: columndb.TypeNumeric, IVRField: RoleRef1, MinDTMF: 1, MaxDTMF: 32},
		{ID: "colB", Type: columndb.TypeDate, Format: columndb.YYYYMMDD, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, c := range cols {
			v, err := ParseDTMF(c.IVRField, c, raw, true)
			if err != nil {
				continue
			}
			stored, nerr := c.Normalize(v)
			if nerr != nil || stored != v || len(v) < c.MinDTMF || len(v) > c.MaxDTMF {
				t.Fatalf("%s: ParseDTMF(%q) = %q, but upload stores %q (%v)", c.ID, raw, v, stored, nerr)
			}
		}
	})
}
