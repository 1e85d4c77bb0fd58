package columndb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"testing"
)

func rowTable(ids ...string) *Table {
	t := &Table{}
	for _, id := range ids {
		t.Columns = append(t.Columns, Column{ID: id, Type: TypeText})
	}
	t.index()
	return t
}

func rowOf(t *Table, vals map[string]string) Row {
	r := NewRow(len(t.Columns))
	for id, v := range vals {
		i, ok := t.ColumnIndex(id)
		if !ok {
			panic("no column " + id)
		}
		r.Set(i, v)
	}
	return r
}

func TestRowRoundTrip(t *testing.T) {
	tb := rowTable("colA", "colB", "colC", "colD")
	for _, tt := range []struct {
		name string
		vals map[string]string
	}{
		{"none carried", map[string]string{}},
		{"all carried", map[string]string{"colA": "1", "colB": "two", "colC": "3", "colD": "four"}},
		{"empty differs from absent", map[string]string{"colA": "1", "colC": ""}},
		{"binary and long", map[string]string{"colB": "\x00\xff\x80", "colD": string(make([]byte, 300))}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rowOf(tb, tt.vals)
			got, err := decodeRow(tb, encodeRow(nil, tb, r))
			if err != nil {
				t.Fatal(err)
			}
			if !equalRows(r, got) {
				t.Fatalf("decoded %v, want %v", got.Map(tb), r.Map(tb))
			}
			if m := got.Map(tb); !maps.Equal(m, tt.vals) {
				t.Fatalf("Map() = %q, want %q", m, tt.vals)
			}
		})
	}
}

func TestRowAbsentVersusEmpty(t *testing.T) {
	tb := rowTable("colA", "colB")
	r := rowOf(tb, map[string]string{"colA": ""})
	got, err := decodeRow(tb, encodeRow(nil, tb, r))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Get(0); !ok || v != "" {
		t.Fatalf("colA = %q, %v; want empty and carried", v, ok)
	}
	if _, ok := got.Get(1); ok {
		t.Fatal("colB carried, want absent")
	}
	if _, ok := got.Get(2); ok {
		t.Fatal("Get past the end reported a value")
	}
	if _, ok := got.Get(-1); ok {
		t.Fatal("Get(-1) reported a value")
	}
	got.Unset(0)
	if _, ok := got.Get(0); ok {
		t.Fatal("Unset left the value carried")
	}
}

func TestRowSurvivesSchemaChange(t *testing.T) {
	old := rowTable("colA", "colB", "colC")
	enc := encodeRow(nil, old, rowOf(old, map[string]string{"colA": "1", "colB": "b", "colC": "c"}))
	for _, tt := range []struct {
		name string
		next *Table
		want map[string]string
	}{
		{"reordered", rowTable("colC", "colA", "colB"), map[string]string{"colA": "1", "colB": "b", "colC": "c"}},
		{"extended", rowTable("colA", "colD", "colB", "colC"), map[string]string{"colA": "1", "colB": "b", "colC": "c"}},
		{"column dropped", rowTable("colC", "colA"), map[string]string{"colA": "1", "colC": "c"}},
		{"reversed", rowTable("colC", "colB", "colA"), map[string]string{"colA": "1", "colB": "b", "colC": "c"}},
		{"columns added between", rowTable("colA", "colD", "colE", "colF", "colG", "colH", "colB", "colC"),
			map[string]string{"colA": "1", "colB": "b", "colC": "c"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRow(tt.next, enc)
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != len(tt.next.Columns) {
				t.Fatalf("Len() = %d, want %d", got.Len(), len(tt.next.Columns))
			}
			if m := got.Map(tt.next); !maps.Equal(m, tt.want) {
				t.Fatalf("Map() = %q, want %q", m, tt.want)
			}
		})
	}
}

// A row carries some columns of a wide table: the decoder looks a few
// columns ahead of the last one found and falls back to the map past that.
func TestDecodeRowSparse(t *testing.T) {
	ids := []string{"colA", "colB", "colC", "colD", "colE", "colF", "colG", "colH", "colI", "colJ", "colK", "colL"}
	tb := rowTable(ids...)
	for _, tt := range []struct {
		name string
		vals map[string]string
	}{
		{"first and last", map[string]string{"colA": "1", "colL": "12"}},
		{"last only", map[string]string{"colL": "12"}},
		{"every other", map[string]string{"colB": "2", "colD": "4", "colF": "6", "colH": "8", "colJ": "10", "colL": "12"}},
		{"gap of four", map[string]string{"colA": "1", "colF": "6"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRow(tb, encodeRow(nil, tb, rowOf(tb, tt.vals)))
			if err != nil {
				t.Fatal(err)
			}
			if m := got.Map(tb); !maps.Equal(m, tt.vals) {
				t.Fatalf("Map() = %q, want %q", m, tt.vals)
			}
		})
	}
}

func TestDecodeRowCorrupt(t *testing.T) {
	tb := rowTable("colA", "colB")
	good := encodeRow(nil, tb, rowOf(tb, map[string]string{"colA": "123", "colB": "x"}))
	huge := binary.AppendUvarint(nil, 1<<62)
	for name, in := range map[string][]byte{
		"truncated value":     good[:len(good)-1],
		"id without value":    good[:1+len("colA")],
		"length past end":     {4, 'c', 'o', 'l'},
		"huge length":         append(huge, 'x'),
		"overlong varint":     {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
		"unterminated varint": {0x80},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeRow(tb, in); !errors.Is(err, errCorruptRow) {
				t.Fatalf("decodeRow(%q) err = %v, want errCorruptRow", in, err)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	tb := rowTable("colA", "colB", "colC")
	base := rowOf(tb, map[string]string{"colA": "1", "colB": "old", "colC": "keep"})
	upd := rowOf(tb, map[string]string{"colA": "1", "colB": ""})
	got := merge(base, upd)
	want := map[string]string{"colA": "1", "colB": "", "colC": "keep"}
	if m := got.Map(tb); !maps.Equal(m, want) {
		t.Fatalf("merge = %q, want %q", m, want)
	}
	if m := base.Map(tb); m["colB"] != "old" {
		t.Fatalf("merge modified its base: %q", m)
	}
	if equalRows(base, got) || !equalRows(got, merge(got, upd)) {
		t.Fatal("equalRows disagrees with merge")
	}
}

func FuzzDecodeRow(f *testing.F) {
	tb := rowTable("colA", "colB", "colC")
	f.Add(encodeRow(nil, tb, rowOf(tb, map[string]string{"colA": "123456", "colC": "£1"})))
	f.Add([]byte{})
	f.Add([]byte{4, 'c', 'o', 'l', 'A', 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRow(tb, b)
		if err != nil {
			return
		}
		// What decodes re-encodes to something that decodes the same.
		again, err := decodeRow(tb, encodeRow(nil, tb, r))
		if err != nil || !equalRows(r, again) {
			t.Fatalf("re-decoding %q: %v, %v vs %v", b, err, again.Map(tb), r.Map(tb))
		}
	})
}

// BenchmarkDecodeRow decodes a row of the load harness's shape: every
// lookup and every update of an existing row decodes one.
func BenchmarkDecodeRow(b *testing.B) {
	tb := rowTable("colA", "colB", "colC", "colD", "colE", "colF", "colG", "colH")
	enc := encodeRow(nil, tb, rowOf(tb, map[string]string{"colA": "1234567", "colB": "01021990", "colC": "125000",
		"colD": "500", "colE": "125000", "colF": "Customer 1234567", "colG": "Acme account 1234567", "colH": "447700900123"}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRow(tb, enc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRowSlab checks that rows from one slab never share a value, across
// blocks and widths.
func TestRowSlab(t *testing.T) {
	for _, widths := range [][]int{{7}, {1}, {3, 20, 1}, {100}} {
		t.Run(fmt.Sprint(widths), func(t *testing.T) {
			var slab RowSlab
			var rows []Row
			for i := range 300 {
				n := widths[i%len(widths)]
				r := slab.New(n)
				if r.Len() != n {
					t.Fatalf("row %d has %d positions, want %d", i, r.Len(), n)
				}
				for p := range n {
					if _, set := r.Get(p); set {
						t.Fatalf("new row %d carries position %d", i, p)
					}
					r.Set(p, fmt.Sprint(i, ".", p))
				}
				rows = append(rows, r)
			}
			for i, r := range rows {
				for p := range r.Len() {
					if v, _ := r.Get(p); v != fmt.Sprint(i, ".", p) {
						t.Fatalf("row %d position %d = %q: another row wrote over it", i, p, v)
					}
				}
			}
		})
	}
}
