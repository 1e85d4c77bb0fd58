package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestImportHistory(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, path := demoDB(t, s)
	code, page, _ := b.get(path + "/imports")
	expect(t, "no imports", code, page, 200, "Nothing has been imported into this database yet.")

	b.get(path + "/import")
	first, _ := importAndWait(t, b, path, "012345,01021990,£12.50,£5.00,£12.50,Alice Jones\n123456,31021990,1.00\n")
	b.get(path + "/import")
	second, _ := importAndWait(t, b, path, "012345,01021990,£12.50,£5.00,£12.50,Alice Jones\n")
	s, b = restart(t, s)
	code, page, _ = b.get(path + "/imports")
	expect(t, "the history after a restart", code, page, 200,
		`<a href="`+second+`">debtors.csv</a>`, `<a href="`+first+`">debtors.csv</a>`,
		`<a href="`+first+`/rejected.csv" download`, `<td class="num" data-label="Unchanged">1</td>`, "finished", ">ada<")
	if strings.Index(page, second) > strings.Index(page, first) {
		t.Fatal("the history is not newest first")
	}

	// A page at a time: 60 imports of another database do not show, and
	// this one's older imports are a link away.
	for i := range 60 {
		other := &job{ID: fmt.Sprintf("other%011d", i), CID: db.CID, DBID: db.DBID + 100, File: "x.csv", Started: time.Now()}
		s.saveSummary(other)
	}
	for i := range importsPerPage {
		j := &job{ID: fmt.Sprintf("mine%012d", i), CID: db.CID, DBID: db.DBID, File: fmt.Sprintf("f%02d.csv", i), Started: time.Now()}
		s.saveSummary(j)
	}
	code, page, _ = b.get(path + "/imports")
	expect(t, "a full page", code, page, 200, "f49.csv", "Older imports", "stopped by a restart")
	if strings.Contains(page, "x.csv") || strings.Contains(page, second) {
		t.Fatal("the first page holds another database's import or more than a page")
	}
	older := page[strings.Index(page, `<a href="`+path+"/imports?before=")+9:]
	older = strings.ReplaceAll(older[:strings.Index(older, `"`)], "&amp;", "&")
	code, page, _ = b.get(older)
	expect(t, "the older page", code, page, 200, second, first)
	if strings.Contains(page, "Older imports") || strings.Contains(page, "f49.csv") {
		t.Fatal("the last page links further or repeats the first")
	}
	code, page, _ = b.get(path + "/imports?before=abc")
	expect(t, "a cursor that is no number", code, page, 200, "f49.csv")
}

// TestImportProgressIsLive: while an import runs its progress carries the
// counts so far and when it should finish.
func TestImportProgressIsLive(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) { c.Rows = slowImports{c.Rows} })
	b, _, path := demoDB(t, s)
	var file strings.Builder
	for i := range 6000 {
		fmt.Fprintf(&file, "%06d,01011980,£%d.00,,\n", 300000+i, 1000+i)
	}
	b.get(path + "/import")
	typ, body := importForm(b.csrf, file.String())
	req, _ := http.NewRequest("POST", b.base+path+"/import", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", typ)
	code, _, loc := b.do(req)
	if code != 303 {
		t.Fatalf("import: %d", code)
	}
	var v JobView
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		_, js, _ := b.get(loc + "/progress")
		if err := json.Unmarshal([]byte(js), &v); err != nil {
			t.Fatal(err)
		}
		if v.Done || (v.Result.Inserted > 0 && v.ExpectedIn > 0) {
			break
		}
	}
	if v.Done || v.Result.Inserted == 0 || v.ExpectedIn <= 0 || !v.Expected.After(v.Started) {
		t.Fatalf("progress while running: done %v, %+v, expected %v (in %ds)", v.Done, v.Result, v.Expected, v.ExpectedIn)
	}
	code, page, _ := b.get(loc)
	expect(t, "the running import's page", code, page, 200, "Expected to finish at about", `<strong id="count-added">`)
	for !v.Done {
		time.Sleep(100 * time.Millisecond)
		_, js, _ := b.get(loc + "/progress")
		v = JobView{}
		json.Unmarshal([]byte(js), &v)
	}
	if v.Result.Inserted != 6000 || v.ExpectedIn != 0 {
		t.Fatalf("finished: %+v, expected in %d", v.Result, v.ExpectedIn)
	}
}

// TestImportSummaryWithoutItsIndex: a summary an earlier build stored, by
// sequence only, still has its page.
func TestImportSummaryWithoutItsIndex(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, _ := demoDB(t, s)
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	old := ImportSummary{ID: "old0000000000000", CID: db.CID, DBID: db.DBID, Database: db.Description, File: "old.csv",
		Mode: "upsert", User: "ada", Started: at, Finished: at.Add(time.Second), Received: 4, Inserted: 4}
	if err := s.cfg.Docs.PutDoc(collImports, fmt.Sprintf("%016d", 7), old, true); err != nil {
		t.Fatal(err)
	}
	code, page, _ := b.get("/admin/imports/" + old.ID)
	expect(t, "an import stored without its index", code, page, 200, "old.csv", "<strong>4</strong> added")
	code, page, _ = b.get("/admin/imports/old0000000000001")
	expect(t, "no such import", code, page, 404, "There is no such import")
}
