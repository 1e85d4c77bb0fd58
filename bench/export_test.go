package bench

import (
	"strings"
	"testing"
)

// TestExportReimport runs the export measurement small: the export through
// the admin pages has every row, and importing it back in replace mode
// changes nothing.
func TestExportReimport(t *testing.T) {
	dir, bins := build(t, "tonebase", "../cmd/tonebase")
	var out strings.Builder
	r, err := ExportReimport(&out, dir, bins[0], 20000, 5000, 2)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.Unchanged != r.Rows || r.Received != r.Rows || r.Refused != 0 {
		t.Fatalf("the re-import of the export changed rows: %+v", r)
	}
}
