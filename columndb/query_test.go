package columndb

import (
	"fmt"
	"strings"
	"testing"
)

// TestQueryPages: a page, and the count of every match, are the same
// whether the query sorts (all matches held, then sliced) or not (only the
// page's kept, the rest counted), filtered or not.
func TestQueryPages(t *testing.T) {
	s := openStore(t, "")
	tb, err := s.CreateTable(Table{Tenant: 1, Name: "q", Columns: []Column{
		{ID: "colA", Type: TypeNumeric, PrimaryKey: true, Required: true},
		{ID: "colB", Type: TypeText},
		{ID: "colC", Type: TypeInteger},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		name := "Ann"
		if i%3 == 0 {
			name = "Bob"
		}
		mustUpsert(t, s, tb, rowOf(tb, map[string]string{"colA": fmt.Sprintf("%03d", i), "colB": name, "colC": fmt.Sprint(100 - i)}))
	}
	keys := func(res Result) string {
		var out []string
		for _, r := range res.Rows {
			v, _ := r.Get(0)
			out = append(out, v)
		}
		return strings.Join(out, " ")
	}
	bobs := func(r Row) bool { v, _ := r.Get(1); return v == "Bob" }
	for _, tc := range []struct {
		name  string
		q     Query
		total int
		want  string
	}{
		{"every row, first page", Query{Limit: 3}, 30, "000 001 002"},
		{"every row, a later page", Query{Offset: 27, Limit: 5}, 30, "027 028 029"},
		{"every row, past the end", Query{Offset: 40, Limit: 5}, 30, ""},
		{"every row, no limit", Query{Offset: 28}, 30, "028 029"},
		{"a negative offset", Query{Offset: -4, Limit: 2}, 30, "000 001"},
		{"contains, a page", Query{Contains: []Contains{{Columns: []string{"colB"}, Text: "bo"}}, Offset: 2, Limit: 2}, 10, "006 009"},
		{"where, a page", Query{Where: bobs, Offset: 9, Limit: 2}, 10, "027"},
		{"sorted, a page", Query{Order: []Order{{Column: "colC"}}, Limit: 2}, 30, "029 028"},
		{"sorted and filtered", Query{Where: bobs, Order: []Order{{Column: "colC", Desc: true}}, Offset: 1, Limit: 2}, 10, "003 006"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.Query(tb, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tc.total || keys(res) != tc.want {
				t.Fatalf("total %d rows %q, want %d %q", res.Total, keys(res), tc.total, tc.want)
			}
		})
	}
}
