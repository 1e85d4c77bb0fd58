package columndb

import (
	"encoding/base64"
	"errors"
	"slices"
	"testing"
)

// scanAll pages through a scan and returns the primary keys of every page.
func scanAll(t *testing.T, s *Store, tb *Table, prefix string, limit int) [][]string {
	t.Helper()
	var pages [][]string
	after := ""
	for range 100 {
		page, err := s.Scan(tb, prefix, after, limit)
		if err != nil {
			t.Fatalf("Scan(%q, %q, %d): %v", prefix, after, limit, err)
		}
		var pks []string
		for _, r := range page.Rows {
			v, _ := r.Get(0)
			pks = append(pks, v)
		}
		pages = append(pages, pks)
		if page.Next == "" {
			return pages
		}
		after = page.Next
	}
	t.Fatal("scan did not end")
	return nil
}

func TestScan(t *testing.T) {
	s := openStore(t, "")
	tb, err := s.CreateTable(Table{Tenant: 1, Name: "t", Columns: []Column{
		{ID: "colA", Type: TypeText, PrimaryKey: true, Required: true},
		{ID: "colB", Type: TypeText},
	}})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"2", "10", "1", "12", "120", "1\x00", "13", "", "b", "a", "ab", "1\x00x"}
	for _, k := range keys {
		mustUpsert(t, s, tb, rowOf(tb, map[string]string{"colA": k, "colB": "v" + k}))
	}
	all := []string{"", "1", "1\x00", "1\x00x", "10", "12", "120", "13", "2", "a", "ab", "b"}
	for _, tt := range []struct {
		name   string
		prefix string
		limit  int
		want   [][]string
	}{
		{"one page", "", 100, [][]string{all}},
		{"exact fit has no empty page", "", 12, [][]string{all}},
		{"pages of five", "", 5, [][]string{all[:5], all[5:10], all[10:]}},
		{"pages of one", "", 1, func() [][]string {
			var p [][]string
			for _, k := range all {
				p = append(p, []string{k})
			}
			return p
		}()},
		{"prefix", "1", 2, [][]string{{"1", "1\x00"}, {"1\x00x", "10"}, {"12", "120"}, {"13"}}},
		{"prefix with nul", "1\x00", 10, [][]string{{"1\x00", "1\x00x"}}},
		{"longer prefix", "12", 10, [][]string{{"12", "120"}}},
		{"prefix a", "a", 1, [][]string{{"a"}, {"ab"}}},
		{"prefix matching nothing", "z", 10, [][]string{nil}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := scanAll(t, s, tb, tt.prefix, tt.limit)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Fatalf("pages = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScanCursor(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/12")
	for _, pk := range []string{"000001", "000002", "000003", "000004"} {
		mustUpsert(t, s, tb, debtor(tb, "colA", pk, "colB", "01011990"))
	}
	page, err := s.Scan(tb, "", "", 2)
	if err != nil || len(page.Rows) != 2 || page.Next == "" {
		t.Fatalf("first page: %d rows, next %q, %v", len(page.Rows), page.Next, err)
	}
	// A row inserted behind the cursor is not seen; one ahead of it is.
	mustUpsert(t, s, tb, debtor(tb, "colA", "000000", "colB", "01011990"), debtor(tb, "colA", "000005", "colB", "01011990"))
	// So is a row deleted ahead of it.
	if _, err := s.Delete(tb, []Row{debtor(tb, "colA", "000003")}); err != nil {
		t.Fatal(err)
	}
	page, err = s.Scan(tb, "", page.Next, 10)
	if err != nil {
		t.Fatal(err)
	}
	var pks []string
	for _, r := range page.Rows {
		v, _ := r.Get(0)
		pks = append(pks, v)
	}
	if !slices.Equal(pks, []string{"000004", "000005"}) || page.Next != "" {
		t.Fatalf("second page = %q, next %q", pks, page.Next)
	}
	// A cursor from another prefix's scan lands inside this one correctly.
	first, _ := s.Scan(tb, "", "", 1) // cursor after 000000
	page, err = s.Scan(tb, "00000", first.Next, 1)
	if v, _ := page.Rows[0].Get(0); err != nil || v != "000001" {
		t.Fatalf("prefixed scan after cursor = %q, %v", v, err)
	}

	for name, cur := range map[string]string{
		"not base64":      "!!!",
		"padded base64":   base64.URLEncoding.EncodeToString([]byte("ab")),
		"standard base64": "+/+/",
		"lone padding":    "=",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Scan(tb, "", cur, 10); !errors.Is(err, ErrCursor) {
				t.Fatalf("Scan with cursor %q: %v, want ErrCursor", cur, err)
			}
		})
	}
}

func TestEach(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/12")
	for _, pk := range []string{"000003", "000001", "000002"} {
		mustUpsert(t, s, tb, debtor(tb, "colA", pk, "colB", "01011990"))
	}
	var seen []string
	err := s.Each(tb, func(r Row) (bool, error) {
		v, _ := r.Get(0)
		seen = append(seen, v)
		return len(seen) < 2, nil
	})
	if err != nil || !slices.Equal(seen, []string{"000001", "000002"}) {
		t.Fatalf("Each stopped at %q, %v", seen, err)
	}
	boom := errors.New("boom")
	if err := s.Each(tb, func(Row) (bool, error) { return true, boom }); !errors.Is(err, boom) {
		t.Fatalf("Each error = %v, want boom", err)
	}
}

func TestGetMultiColumnKey(t *testing.T) {
	s := openStore(t, "")
	tb, err := s.CreateTable(Table{Tenant: 1, Name: "t", Columns: []Column{
		{ID: "colA", Type: TypeText, PrimaryKey: true, Required: true},
		{ID: "colB", Type: TypeText},
		{ID: "colC", Type: TypeText, PrimaryKey: true, Required: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, tb,
		rowOf(tb, map[string]string{"colA": "a", "colC": "bc", "colB": "1"}),
		rowOf(tb, map[string]string{"colA": "ab", "colC": "c", "colB": "2"}))
	wantCount(t, s, tb, 2)
	for _, tt := range []struct{ a, c, want string }{{"a", "bc", "1"}, {"ab", "c", "2"}} {
		r, err := s.Get(tb, tt.a, tt.c)
		if v, _ := r.Get(1); err != nil || v != tt.want {
			t.Errorf("Get(%q, %q) colB = %q, %v; want %q", tt.a, tt.c, v, err, tt.want)
		}
	}
	if _, err := s.Get(tb, "abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get with a partial key: %v, want ErrNotFound", err)
	}
}
