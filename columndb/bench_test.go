package columndb

import (
	"fmt"
	"strings"
	"testing"
)

// benchTable is a caller database of five columns whose rows encode to about
// 220 bytes, the size design.md's measurements used.
func benchTable(b *testing.B, s *Store) *Table {
	b.Helper()
	cols := []Column{
		{ID: "colA", Name: "Invoice Number", Type: TypeNumeric, Required: true, PrimaryKey: true},
		{ID: "colB", Name: "Date of Birth", Type: TypeDate, Required: true},
		{ID: "colC", Name: "Balance", Type: TypeCurrency},
		{ID: "colD", Name: "Name", Type: TypeText},
		{ID: "colE", Name: "Address", Type: TypeText},
	}
	NormalizeColumns(cols)
	idx := Index{Name: LookupIndex, Columns: []string{"colA", "colB"}}
	tb, err := s.CreateTable(Table{Tenant: 1, Name: "ivr/bench", Columns: cols, Indexes: []Index{idx}})
	if err != nil {
		b.Fatal(err)
	}
	return tb
}

var benchAddress = strings.Repeat("Flat 2, 10 Example Street, Anytown ", 5)[:150]

func benchRow(tb *Table, n int) Row {
	r := NewRow(len(tb.Columns))
	r.Set(0, fmt.Sprintf("%08d", n))
	r.Set(1, fmt.Sprintf("%02d%02d19%02d", n%28+1, n%12+1, n%100))
	r.Set(2, fmt.Sprint(n%100000))
	r.Set(3, fmt.Sprintf("Debtor Number %06d", n))
	r.Set(4, benchAddress)
	return r
}

func benchRows(tb *Table, from, n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = benchRow(tb, from+i)
	}
	return rows
}

// BenchmarkUpsert inserts batches of 1000 new rows, durable on return.
func BenchmarkUpsert(b *testing.B) {
	s := openStore(b, b.TempDir())
	tb := benchTable(b, s)
	if size := len(encodeRow(nil, tb, benchRow(tb, 0))); size < 200 || size > 240 {
		b.Fatalf("row encodes to %d bytes, want about 220", size)
	}
	const batch = 1000
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		rows := benchRows(tb, next, batch)
		next += batch
		b.StartTimer()
		res, err := s.Upsert(tb, rows)
		if err != nil || res.Inserted != batch {
			b.Fatalf("Upsert = %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLookup finds one caller by ref1 and ref2 in a table of 100k rows.
func BenchmarkLookup(b *testing.B) {
	s := openStore(b, b.TempDir())
	tb := benchTable(b, s)
	const rows = 100_000
	for from := 0; from < rows; from += 10_000 {
		if _, err := s.Upsert(tb, benchRows(tb, from, 10_000)); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([][]string, 1024)
	for i := range keys {
		r := benchRow(tb, i*7919%rows)
		a, _ := r.Get(0)
		d, _ := r.Get(1)
		keys[i] = []string{a, d}
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		found, err := s.Lookup(tb, LookupIndex, keys[i%len(keys)], 2)
		if err != nil || len(found) != 1 {
			b.Fatalf("Lookup(%q) = %d rows, %v", keys[i%len(keys)], len(found), err)
		}
		i++
	}
}
