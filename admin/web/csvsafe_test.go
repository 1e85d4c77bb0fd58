package web

import (
	"testing"
)

func TestSpreadsheetSafe(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain digits", "012345", "012345"},
		{"empty", "", ""},
		{"a formula", "=1+2", "'=1+2"},
		{"a hyperlink formula", `=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"an at-sign function", "@SUM(1+1)", "'@SUM(1+1)"},
		{"plus then a formula", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus then a formula", "-2+3", "'-2+3"},
		{"a negative amount", "-5.00", "-5.00"},
		{"a signed number", "+12.50", "+12.50"},
		{"a phone number", "+44 20 7946 0000", "+44 20 7946 0000"},
		{"a leading tab", "\t=1", "'\t=1"},
		{"a leading carriage return", "\r=1", "'\r=1"},
		{"a pound amount", "£12.50", "£12.50"},
		{"an equals later on", "a=b", "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spreadsheetSafe(tt.in); got != tt.want {
				t.Fatalf("spreadsheetSafe(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// A refused line's cells come back in rejected.csv; a formula among them
// must arrive as text, not run when the admin opens the file.
func TestRejectedLinesAreSpreadsheetSafe(t *testing.T) {
	b, db, _ := importPage(t, 1<<20)
	file := "=1+2,01021990,£12.50\n" +
		"123456,@SUM(1+1),-5.00\n"
	loc, page := importAndWait(t, b, db, file)
	expect(t, "the import's page", 200, page, 200, "<strong>2</strong> refused")
	code, got, _ := b.get(loc + "/rejected.csv")
	expect(t, "the rejected lines", code, got, 200, "'=1+2,01021990,£12.50,line 1",
		"123456,'@SUM(1+1),-5.00,line 2")
}
