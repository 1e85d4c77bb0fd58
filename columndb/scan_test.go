package columndb

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// notes is a table of rows with a long text column, to scan.
func notes(t *testing.T, s *Store) *Table {
	t.Helper()
	cols := []Column{
		{ID: "colA", Name: "Id", Type: TypeNumeric, Required: true, PrimaryKey: true},
		{ID: "colB", Name: "Note", Type: TypeText},
	}
	NormalizeColumns(cols)
	tb, err := s.CreateTable(Table{Tenant: 1, Name: "notes", Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func noteRow(tb *Table, i int, note string) Row {
	return rowOf(tb, map[string]string{"colA": fmt.Sprintf("%08d", i), "colB": note})
}

func TestEachValues(t *testing.T) {
	s := openStore(t, "")
	tb := notes(t, s)
	mustUpsert(t, s, tb, noteRow(tb, 3, "c"), noteRow(tb, 1, "a"), noteRow(tb, 2, ""))
	tests := []struct {
		name string
		stop int // rows after which fn says stop; 0: never
		want []string
	}{
		{"every row in key order", 0, []string{"00000001=a", "00000002=", "00000003=c"}},
		{"stopped after the first", 1, []string{"00000001=a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := s.EachValues(tb, func(vals [][]byte) (bool, error) {
				got = append(got, string(vals[0])+"="+string(vals[1]))
				return tt.stop == 0 || len(got) < tt.stop, nil
			})
			if err != nil || strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("EachValues = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestEachValuesKeepsGarbageBounded: a whole-table scan collects as it
// goes, so the blocks Badger decompresses for it do not pile up. With the
// collector's own pacing turned off (as a gigabyte of row cache all but
// turns it off for a scan's few seconds), the heap during a scan of an
// 80 MB table grows by much less than the table.
func TestEachValuesKeepsGarbageBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 80 MB")
	}
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, BadgerMemory: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	tb := notes(t, s)
	const rows = 200_000
	note := strings.Repeat("a note of some length, ", 17) // about 400 bytes
	for i := 0; i < rows; i += 5000 {
		batch := make([]Row, 0, 5000)
		for j := i; j < i+5000; j++ {
			batch = append(batch, noteRow(tb, j, fmt.Sprintf("%s%d", note, j)))
		}
		mustUpsert(t, s, tb, batch...)
	}
	// Reopened, the rows are in table files, read block by block.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(Options{Dir: dir, BadgerMemory: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if tb, err = s.GetTable(1, "notes"); err != nil {
		t.Fatal(err)
	}
	// The compactions the reopen starts allocate on their own: finished
	// first, they are not counted as the scan's.
	if err := s.db.Flatten(1); err != nil {
		t.Fatal(err)
	}

	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before, peak := ms.HeapAlloc, ms.HeapAlloc
	n := 0
	err = s.EachValues(tb, func(vals [][]byte) (bool, error) {
		if n++; n%2000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return true, nil
	})
	if err != nil || n != rows {
		t.Fatalf("scanned %d rows, %v", n, err)
	}
	grew := int64(peak-before) >> 20
	t.Logf("heap grew by %d MiB at most during the scan", grew)
	if grew > 48 {
		t.Fatalf("the heap grew by %d MiB during the scan of an 80 MB table, want at most 48", grew)
	}
}
