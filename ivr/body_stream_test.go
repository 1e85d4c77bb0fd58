package ivr

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tonebase/tonebase/columndb"
)

// parseAllFrom is parseAll over a body read a byte at a time, the worst
// case of a streamed body: every span and escape straddles a read.
func parseAllFrom(body string) ([]string, error) {
	var rows []string
	err := parseRowsFrom(iotest.OneByteReader(strings.NewReader(body)), func(i int, fields []rawField, ok bool) error {
		rows = append(rows, fmt.Sprint(i, ok, fields2(fields)))
		return nil
	})
	return rows, err
}

func parseAllWhole(body string) ([]string, error) {
	var rows []string
	err := parseRows([]byte(body), func(i int, fields []rawField, ok bool) {
		rows = append(rows, fmt.Sprint(i, ok, fields2(fields)))
	})
	return rows, err
}

func fields2(fields []rawField) []string {
	var out []string
	for _, f := range fields {
		out = append(out, fmt.Sprintf("%s=%q/%d", f.key, f.val, f.kind))
	}
	return out
}

// TestParseRowsFrom holds the streamed parser to the whole one: the same
// rows, and the same error at the same offset, whatever the reads.
func TestParseRowsFrom(t *testing.T) {
	long := strings.Repeat(`{"colA":"123456","colB":"a\"b\u00e9c"},`, 5000) // past readAhead, so the window slides
	tests := []struct {
		name string
		body string
	}{
		{"one row", `{"colA":"123456"}`},
		{"rows", `[{"colA":"1"},{"colB":12.50,"colC":null},7,{"colD":{"x":[true,false]}}]`},
		{"escapes and surrogates", `[{"a":"\ud83d\ude00\n\\"}]`},
		{"a long body", "[" + long + `{"colA":"end"}]`},
		{"a row larger than the window", `[{"colA":"` + strings.Repeat("x", 3*readAhead) + `"}]`},
		{"trailing data after many rows", "[" + long + `{}] x`},
		{"broken late", "[" + long + `{"colA":}]`},
		{"cut off", "[" + long},
		{"empty", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, werr := parseAllWhole(tt.body)
			got, gerr := parseAllFrom(tt.body)
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("error %v, whole %v", gerr, werr)
			}
			if werr == nil && strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%d rows differ from the whole parse's %d", len(got), len(want))
			}
		})
	}
}

func TestParseRowsFromStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := parseRowsFrom(strings.NewReader(`[{},{},{}]`), func(int, []rawField, bool) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("%d rows, %v", n, err)
	}
	broken := errors.New("disk")
	err = parseRowsFrom(io.MultiReader(strings.NewReader(`[{}`), iotest.ErrReader(broken)), func(int, []rawField, bool) error { return nil })
	if !errors.Is(err, broken) {
		t.Fatalf("a read error ends as %v", err)
	}
}

// FuzzParseRowsFrom: the streamed parser agrees with the whole one.
func FuzzParseRowsFrom(f *testing.F) {
	for _, s := range []string{`{"colA":"1"}`, `[{"colA":"1","colB":2.5},{"x":null}]`, `[]`, `{"a":"\u00e9"}`, `[{"a":{"b":[1,2]}}] `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		want, werr := parseAllWhole(body)
		got, gerr := parseAllFrom(body)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("streamed %q %v, whole %q %v", got, gerr, want, werr)
		}
	})
}

func TestHashSum(t *testing.T) {
	good := "k3m4lMtAkO_3l9wgHq6YMRDOg2v1x2lLD7zmM32u2ShnFneqgnHnbBIB-SThqzdvuOZCtgFBvyHg5GsOPxDaQw2"
	tests := []struct {
		name string
		hash string
		want bool
	}{
		{"a SHA-512 token", good, true},
		{"empty", "", false},
		{"short", good[:40], false},
		{"no padding digit", good[:86], false},
		{"outside the alphabet", strings.Replace(good, "k", "+", 1), false},
		{"a SHA-256 token", "YWJj0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := hashSum(tt.hash); got != tt.want {
				t.Fatalf("hashSum ok = %v", got)
			}
		})
	}
}

func TestRefusalsListTheFirstThousand(t *testing.T) {
	var r refusals
	if got := r.listed(); got == nil || len(got) != 0 {
		t.Fatalf("none refused lists %v, want []", got)
	}
	r.add(rowErrors(0, 600))
	r.add(rowErrors(600, 600))
	r.add(rowErrors(1200, 5))
	if len(r.list) != 1000 || r.more != 205 || r.list[999].Index != 999 {
		t.Fatalf("%d listed (last %d), %d more", len(r.list), r.list[len(r.list)-1].Index, r.more)
	}
}

func rowErrors(from, n int) []columndb.RowError {
	out := make([]columndb.RowError, n)
	for i := range out {
		out[i] = columndb.RowError{Index: from + i, Error: "x"}
	}
	return out
}

// TestEachBatchParsesOneBatchOnce: a body of exactly one batch is parsed
// once and written in one call; one row more makes two calls, the first of
// a full batch, and every element is counted once.
func TestEachBatchParsesOneBatchOnce(t *testing.T) {
	s := NewService(nil, nil, nil, Config{})
	tbl := &columndb.Table{}
	for _, n := range []int{0, 1, uploadBatch, uploadBatch + 1, 2*uploadBatch + 3} {
		t.Run(fmt.Sprint(n, " rows"), func(t *testing.T) {
			body := "[" + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]"
			var calls []int
			total, err := s.eachBatch(tbl, heldBody(body), false, func(d *decoded) error {
				calls = append(calls, d.received)
				return nil
			})
			want := []int{}
			for left := n; left > 0; left -= uploadBatch {
				want = append(want, min(left, uploadBatch))
			}
			if len(want) == 0 {
				want = []int{0}
			}
			if err != nil || total != n || fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Fatalf("total %d, batches %v, %v; want %d and %v", total, calls, err, n, want)
			}
		})
	}
}
