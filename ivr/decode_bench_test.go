package ivr

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tonebase/tonebase/bench"
	"github.com/tonebase/tonebase/columndb"
)

// BenchmarkDecodeRows turns one signed batch of the load harness (5,000 rows
// of about 220 bytes) into rows: the parsing half of every upload, without
// the store.
func BenchmarkDecodeRows(b *testing.B) {
	var cols []columndb.Column
	if err := json.Unmarshal([]byte(bench.Columns), &cols); err != nil {
		b.Fatal(err)
	}
	t := &columndb.Table{Columns: cols}
	body := harnessBatch()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rows, _, invalid, _, err := decodeRows(t, body, false, func() {})
		if err != nil || len(rows) != 5000 || len(invalid) != 0 {
			b.Fatalf("%d rows, %d invalid, %v", len(rows), len(invalid), err)
		}
	}
}

// BenchmarkParseRowsFrom parses the same batch as a body read from disk
// is parsed, through the sliding window, to compare with parsing it whole.
func BenchmarkParseRowsFrom(b *testing.B) {
	body := harnessBatch()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := parseRowsFrom(bytes.NewReader(body), func(int, []rawField, bool) error { n++; return nil })
		if err != nil || n != 5000 {
			b.Fatalf("%d rows, %v", n, err)
		}
	}
}

// harnessBatch is one signed batch of the load harness: 5,000 rows.
func harnessBatch() []byte {
	body := []byte{'['}
	for i := range 5000 {
		if i > 0 {
			body = append(body, ',')
		}
		body = bench.AppendRow(body, i)
	}
	return append(body, ']')
}
