package ivr

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
)

type fakeClients struct{}

func (fakeClients) Authenticate([]byte, []byte) (int64, error) { return 1234, nil }
func (fakeClients) UploadPassword(cid int64) (string, error) {
	if cid != 1234 {
		return "", ErrInvalidClient
	}
	return "secret", nil
}

type nopMetrics struct{}

func (nopMetrics) Lookup(string, time.Duration) {}
func (nopMetrics) Rows(string, int)             {}

func guideColumns() []Column {
	return []Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: columndb.TypeDate, Required: true, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, Required: true, IVRField: RoleBalance},
		{ID: "colD", Name: "Minimum Payment", Type: columndb.TypeCurrency, IVRField: RoleMinPayment},
		{ID: "colE", Name: "Maximum Payment", Type: columndb.TypeCurrency, IVRField: RoleMaxPayment},
	}
}

func newTestService(t *testing.T) (*Service, int64) {
	t.Helper()
	store, cat, dbid := newTestCatalog(t, guideColumns())
	s := NewService(store, cat, fakeClients{}, Config{})
	t.Cleanup(s.Close)
	return s, dbid
}

// newTestCatalog opens an in-memory store with client 1234's database of
// these columns.
func newTestCatalog(t *testing.T, cols []Column) (*columndb.Store, *Catalog, int64) {
	t.Helper()
	store, err := columndb.Open(columndb.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cat := NewCatalog(store)
	db, err := cat.Create(1234, DatabaseSpec{Description: "Debtors", Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	return store, cat, db.DBID
}

func rowsOf(t *testing.T, s *Service, dbid int64) map[string]map[string]string {
	t.Helper()
	rows, _, err := s.Catalog().Rows(1234, dbid, "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows {
		out[r["colA"]] = r
	}
	return out
}

func TestImportCSVUpsertKeepsZerosAndReportsLines(t *testing.T) {
	s, dbid := newTestService(t)
	file := "\xef\xbb\xbf012345,01021990,£12.50,£5.00,£12.50\r\n" +
		"123456,31021990,100,,\n" + // no 31st of February
		"\n" +
		"234567,15081985,\"1,250.00\",500\n" +
		"34567,15081985,1.00\n" + // five digits
		"456789,15081985,1.00,1,2,3\n" +
		"567890,15081985\n" // balance is required
	res, err := s.Import(1234, dbid, FormatCSV, strings.NewReader(file), ImportOptions{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Received != 6 || res.Inserted != 2 || len(res.Invalid) != 4 {
		t.Fatalf("result %+v", res)
	}
	want := []struct {
		line int
		col  string
	}{{2, "colB"}, {5, "colA"}, {6, ""}, {7, "colC"}}
	for i, w := range want {
		if e := res.Invalid[i]; e.Line != w.line || e.Column != w.col || e.Error == "" || len(e.Fields) == 0 {
			t.Errorf("invalid[%d] = %+v, want line %d column %q", i, e, w.line, w.col)
		}
	}
	rows := rowsOf(t, s, dbid)
	if r := rows["012345"]; r["colB"] != "01021990" || r["colC"] != "1250" {
		t.Fatalf("leading zeros or amount lost: %v", rows)
	}
	if r := rows["234567"]; r["colC"] != "125000" || r["colD"] != "500" {
		t.Fatalf("quoted amount: %v", r)
	}
}

func TestImportReplaceHoldsExactlyTheFile(t *testing.T) {
	s, dbid := newTestService(t)
	first := "111111,01011990,1.00,0.50,1.00\n222222,01011990,2.00,,\n333333,01011990,3.00,,\n"
	if _, err := s.Import(1234, dbid, FormatCSV, strings.NewReader(first), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	second := "111111,01011990,1.50,,\n444444,01011990,4.00,,\n"
	res, err := s.Import(1234, dbid, FormatCSV, strings.NewReader(second), ImportOptions{Mode: ImportReplace, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 1 || res.Updated != 1 || res.Deleted != 2 || len(res.Invalid) != 0 {
		t.Fatalf("result %+v", res)
	}
	rows := rowsOf(t, s, dbid)
	if len(rows) != 2 || rows["444444"] == nil {
		t.Fatalf("rows %v", rows)
	}
	if r := rows["111111"]; r["colC"] != "150" || r["colD"] != "" || r["colE"] != "" {
		t.Fatalf("replace kept emptied values: %v", r)
	}
}

func TestImportJSON(t *testing.T) {
	s, dbid := newTestService(t)
	body := `[{"colA":"000123","colB":"01021990","colC":"£1.00"},{"colA":"12"},7]`
	res, err := s.Import(1234, dbid, FormatJSON, strings.NewReader(body), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 1 || len(res.Invalid) != 2 || res.Invalid[0].Line != 2 || res.Invalid[0].Fields[0] != "12" {
		t.Fatalf("result %+v", res)
	}
	if _, err := s.Import(1234, dbid, FormatJSON, strings.NewReader(`[{`), ImportOptions{}); err == nil {
		t.Fatal("broken JSON accepted")
	}
}

func TestFileEndpoint(t *testing.T) {
	s, dbid := newTestService(t)
	h := NewHandlers(s, zerolog.Nop(), nopMetrics{})
	body := "123456,01021990,£12.50,,\n12345x,01021990,1,,\n"
	post := func(query, body string) (int, map[string]any) {
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI("/cppdb/api/file?" + query)
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.Header.SetContentType("text/csv")
		ctx.Request.SetBodyString(body)
		h.File(&ctx)
		var out map[string]any
		_ = json.Unmarshal(ctx.Response.Body(), &out)
		return ctx.Response.StatusCode(), out
	}
	sig := hash.SignMode(1234, dbid, "secret", "upsert", []byte(body))
	code, out := post(fmt.Sprintf("cid=1234&dbid=%d&Hash=%s", dbid, sig), body)
	if code != 200 || out["inserted"] != 1.0 || len(out["invalid"].([]any)) != 1 {
		t.Fatalf("%d %v", code, out)
	}
	if inv := out["invalid"].([]any)[0].(map[string]any); inv["line"] != 2.0 || inv["column"] != "colA" {
		t.Fatalf("invalid %v", inv)
	}
	cases := []struct {
		query string
		code  int
		err   string
	}{
		{fmt.Sprintf("cid=1234&dbid=%d&Hash=%s&mode=merge", dbid, sig), 400, "mode must be upsert or replace"},
		{fmt.Sprintf("cid=99&dbid=%d&Hash=%s", dbid, sig), 404, "Invalid clientid"},
		{fmt.Sprintf("cid=1234&dbid=77&Hash=%s", sig), 404, "Invalid database ID"},
		{fmt.Sprintf("cid=1234&dbid=%d&Hash=nope", dbid), 403, "Invalid hash"},
	}
	for _, c := range cases {
		if code, out := post(c.query, body); code != c.code || out["error"] != c.err {
			t.Errorf("%s: %d %v", c.query, code, out)
		}
	}
	// Replacing with a file of no valid line would delete every row.
	code, out = post(fmt.Sprintf("cid=1234&dbid=%d&Hash=%s&mode=replace", dbid, hash.SignMode(1234, dbid, "secret", "replace", nil)), "")
	if code != 422 || len(rowsOf(t, s, dbid)) != 1 {
		t.Fatalf("replace with an empty file: %d %v", code, out)
	}
}

func TestRowsEditSearchDelete(t *testing.T) {
	s, dbid := newTestService(t)
	err := s.SaveRow(1234, dbid, map[string]string{"colA": "12345", "colB": "31021990", "colC": ""})
	p, ok := err.(RowProblems)
	if !ok || p["colA"] == "" || p["colB"] == "" || p["colC"] != "required" {
		t.Fatalf("problems %v", err)
	}
	if err := s.SaveRow(1234, dbid, map[string]string{"colA": "012345", "colB": "01021990", "colC": "£3", "colD": "1.00"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRow(1234, dbid, map[string]string{"colA": "012345", "colB": "01021990", "colC": "4.00"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRow(1234, dbid, []string{"012345"})
	if err != nil || r["colC"] != "400" || r["colD"] != "" {
		t.Fatalf("row %v %v", r, err)
	}
	found, _, err := s.SearchRows(1234, dbid, "colA", "0123", "", 10)
	if err != nil || len(found) != 1 {
		t.Fatalf("search %v %v", found, err)
	}
	if _, _, err := s.SearchRows(1234, dbid, "colC", "4", "", 10); err == nil {
		t.Fatal("searched a non-identifier column")
	}
	if err := s.DeleteRow(1234, dbid, []string{"012345"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRow(1234, dbid, []string{"012345"}); err != ErrNoRow {
		t.Fatalf("second delete: %v", err)
	}
}
