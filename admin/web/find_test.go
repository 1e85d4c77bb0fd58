package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/admin"
)

func TestFindingRows(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, path := demoDB(t, s)
	for _, r := range admin.DemoRows(120) {
		if err := s.cfg.Rows.SaveRow(db.CID, db.DBID, r); err != nil {
			t.Fatal(err)
		}
	}
	count := regexp.MustCompile(`<p id="match-count"[^>]*>([^<]*)</p>`)
	for _, tc := range []struct {
		name, query string
		code        int
		count       string
		want        []string
	}{
		{"every row, first page", "", 200, "120 rows · page 1 of 3", []string{"Next page", "Last page"}},
		{"a prefix of the key", "col=colA&q=123", 200, "1 row matches", []string{"Alice Jones"}},
		{"an exact amount typed as people write it", "col=colC&match=exact&q=%C2%A312.50", 200, "1 row matches", []string{"Alice Jones"}},
		{"a date with separators", "col=colB&match=exact&q=01%2F02%2F1990", 200, "1 row matches", []string{"<td data-label=\"Date of Birth\">01/02/1990</td>"}},
		{"any part of a name, any case", "col=colF&q=ALICE", 200, "15 rows match", []string{"Alice Jones", "Alice Evans"}},
		{"a name's prefix", "col=colF&match=prefix&q=jones", 200, "", []string{"No row matches: no colF starts with jones."}},
		{"nothing matches", "col=colA&match=exact&q=999999", 200, "", []string{"No row matches"}},
		{"the second page", "page=2", 200, "120 rows · page 2 of 3", []string{"First page", "Previous page", "Next page"}},
		{"the last page", "page=3", 200, "120 rows · page 3 of 3", []string{"Previous page"}},
		{"a page past the end", "page=9", 200, "", []string{"There is no page 9"}},
		{"a page that is no number", "page=abc", 200, "120 rows · page 1 of 3", nil},
		{"no such column", "col=colZ&q=1", 400, "", []string{"There is no column colZ"}},
		{"no such match", "col=colA&match=sounds-like&q=1", 400, "", []string{"match must be prefix, exact or contains"}},
		{"no such sort", "sort=colZ", 400, "", []string{"no column &#34;colZ&#34; to sort by"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page, _ := b.get(path + "/rows?" + tc.query)
			expect(t, tc.name, code, page, tc.code, tc.want...)
			if m := count.FindStringSubmatch(page); tc.count != "" && (m == nil || m[1] != tc.count) {
				t.Fatalf("count %q, want %q", m, tc.count)
			}
		})
	}
	// Sorted by balance, largest first: the amounts run down the page.
	_, page, _ := b.get(path + "/rows?sort=colC&desc=1")
	amounts := regexp.MustCompile(`data-label="Balance" class="num">£([0-9,]+\.[0-9]{2})<`).FindAllStringSubmatch(page, -1)
	if len(amounts) != rowsPerPage {
		t.Fatalf("%d balances on a sorted page", len(amounts))
	}
	last := ""
	for i, a := range amounts {
		v := fmt.Sprintf("%012s", strings.ReplaceAll(a[1], ",", ""))
		if i > 0 && v > last {
			t.Fatalf("balances out of order: %s after %s", a[1], last)
		}
		last = v
	}
	if !strings.Contains(page, `aria-sort="descending"`) || !strings.Contains(page, "sort=colC\"") {
		t.Fatal("the sorted column is not marked, or its header does not sort the other way")
	}
}

func TestRowHistory(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, path := demoDB(t, s)
	b.get(path + "/row")
	code, _, _ := b.post(path+"/row", url.Values{"new": {"1"}, "v_colA": {"012345"}, "v_colB": {"01021990"}, "v_colC": {"£12.50"}, "v_colF": {"Alice Jones"}})
	if code != 303 {
		t.Fatalf("add: %d", code)
	}
	b.get(path + "/row?k=012345")
	code, _, _ = b.post(path+"/row", url.Values{"v_colA": {"012345"}, "v_colB": {"02021990"}, "v_colC": {"£1,020.00"}})
	if code != 303 {
		t.Fatalf("save: %d", code)
	}
	code, page, _ := b.get(path + "/row?k=012345")
	expect(t, "the row's history", code, page, 200, "<strong>ada</strong> saved row", "<strong>ada</strong> added row",
		`<td data-label="Before">£12.50</td><td data-label="After">£1,020.00</td>`,
		`<td data-label="Before">Alice Jones</td><td data-label="After"><span class="hint">empty</span></td>`,
		"changed; hidden from the client")
	if h := page[strings.Index(page, `id="history"`):]; strings.Contains(h, "1990") {
		t.Fatal("a hidden column's values reached the history")
	}
	if strings.Index(page, "saved row") > strings.Index(page, "added row") {
		t.Fatal("the history is not newest first")
	}
	// Another row's history is its own.
	b.post(path+"/row", url.Values{"new": {"1"}, "v_colA": {"0123456"}, "v_colB": {"01021990"}, "v_colC": {"1"}})
	_, page, _ = b.get(path + "/row?k=0123456")
	if strings.Contains(page, "saved row") {
		t.Fatal("a row shows another row's history")
	}
	// A deleted row's last entry keeps its visible values.
	b.get(path + "/row?k=012345")
	b.post(path+"/row/delete", url.Values{"k": {"012345"}})
	entries, err := s.rowLog(db.CID, db.DBID, []string{"012345"})
	if err != nil || len(entries) != 3 || entries[0].Action != "deleted row" || len(entries[0].Changes) == 0 {
		t.Fatalf("after delete: %+v %v", entries, err)
	}
	for _, c := range entries[0].Changes {
		if c.Column == "colB" && (!c.Hidden || c.Before != "") {
			t.Fatalf("the hidden date of birth was logged: %+v", c)
		}
	}
}
