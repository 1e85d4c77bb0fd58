package web

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/ivr"
)

func TestAuditFiltersAndExport(t *testing.T) {
	day := time.Date(2026, 3, 14, 23, 50, 0, 0, time.UTC)
	now := day
	s, _ := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return now } })
	b, db, path := demoDB(t, s)
	other, err := s.cfg.Databases.Create(db.CID, ivr.DatabaseSpec{Description: "Other", Columns: db.Columns})
	if err != nil {
		t.Fatal(err)
	}
	otherPath := fmt.Sprintf("/admin/clients/%d/databases/%d", db.CID, other.DBID)
	b.get(path + "/row")
	b.post(path+"/row", url.Values{"new": {"1"}, "v_colA": {"012345"}, "v_colB": {"01021990"}, "v_colC": {"=1+1"}})
	b.post(path+"/row", url.Values{"new": {"1"}, "v_colA": {"012345"}, "v_colB": {"01021990"}, "v_colC": {"£12.50"}, "v_colF": {"=HYPERLINK(\"x\")"}})
	now = day.Add(15 * time.Minute) // past midnight, within the session
	b.get(otherPath + "/row")
	b.post(otherPath+"/row", url.Values{"new": {"1"}, "v_colA": {"222222"}, "v_colB": {"01021990"}, "v_colC": {"£1.00"}})
	b.get(path + "/row?k=012345")
	b.post(path+"/row", url.Values{"v_colA": {"012345"}, "v_colB": {"02021990"}, "v_colC": {"£20.00"}})

	for _, tc := range []struct {
		name, query string
		code        int
		want, not   []string
	}{
		{"everything", "", 200, []string{"added row", "saved row", "created the first admin user"}, nil},
		{"one database", fmt.Sprintf("cid=%d&dbid=%d", db.CID, db.DBID), 200, []string{"012345", "Balance: £12.50 &#8594; £20.00"}, []string{"222222", "created the first admin user"}},
		{"the other database", fmt.Sprintf("cid=%d&dbid=%d", db.CID, other.DBID), 200, []string{"222222"}, []string{": 012345"}},
		{"one client", fmt.Sprintf("cid=%d", db.CID), 200, []string{"222222", "012345"}, []string{"created the first admin user"}},
		{"one day", "from=2026-03-15&to=2026-03-15", 200, []string{"222222", "saved row"}, []string{"created the first admin user", "Balance: empty &#8594; £12.50"}},
		{"an admin", "who=ada", 200, []string{"created the first admin user"}, nil},
		{"an admin with none", "who=nobody", 200, []string{"No entry matches the filter."}, nil},
		{"a hidden column", fmt.Sprintf("dbid=%d", db.DBID), 200, []string{"Date of Birth: changed (hidden from the client)"}, []string{"02021990"}},
		{"a day that is no date", "from=14%2F03%2F2026", 400, []string{"Give the day as year-month-day"}, nil},
		{"a last day before the first", "from=2026-03-15&to=2026-03-14", 400, []string{"The last day is before the first."}, nil},
		{"a client id that is no number", "cid=acme", 400, []string{"Choose a client from the list."}, nil},
		{"a database id that is no number", "dbid=-1", 400, []string{"A database id is a whole number from 1."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page, _ := b.get("/admin/audit?" + tc.query)
			expect(t, tc.name, code, page, tc.code, tc.want...)
			body := page[strings.Index(page, "<main"):]
			for _, n := range tc.not {
				if strings.Contains(body[strings.Index(body, "</form>"):], n) {
					t.Fatalf("%s: the page holds %q", tc.name, n)
				}
			}
		})
	}

	code, file, _ := b.get(fmt.Sprintf("/admin/audit.csv?cid=%d&dbid=%d", db.CID, db.DBID))
	if code != 200 {
		t.Fatalf("export: %d %s", code, file)
	}
	recs, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 3 || strings.Join(recs[0], ",") != "seq,when,who,action,target,client,database,row,changes,from" {
		t.Fatalf("export: %v", recs)
	}
	var saved []string
	for _, r := range recs[1:] {
		if r[5] != fmt.Sprint(db.CID) || r[6] != fmt.Sprint(db.DBID) {
			t.Fatalf("the export holds another database's entry: %v", r)
		}
		if r[3] == "saved row" {
			saved = r
		}
		for _, cell := range r {
			if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "@") {
				t.Fatalf("a cell a spreadsheet would run: %q", cell)
			}
		}
	}
	if saved == nil || saved[7] != "012345" || !strings.Contains(saved[8], "colC Balance: 1250 -> 2000") ||
		!strings.Contains(saved[8], "colB Date of Birth: changed (hidden from the client)") || saved[1] != "2026-03-15T00:05:00Z" {
		t.Fatalf("the saved row's entry: %v", saved)
	}
	code, page, _ := b.get("/admin/audit.csv?from=yesterday")
	expect(t, "an export with a bad filter", code, page, 400, "Give the day as year-month-day")
}
