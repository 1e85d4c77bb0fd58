package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

func signIn(t *testing.T, b *browser, name, password string) {
	t.Helper()
	b.get("/admin/sign-in")
	code, body, loc := b.post("/admin/sign-in", url.Values{"name": {name}, "password": {password}, "next": {"/admin/"}})
	if code != 303 || loc != "/admin/" {
		t.Fatalf("sign in as %s: %d %s\n%s", name, code, loc, body)
	}
	b.get("/admin/")
}

// restart closes s and opens the pages again over the same store and work
// folder, as a restarted server does: nothing in memory survives.
func restart(t *testing.T, s *Server) (*Server, *browser) {
	t.Helper()
	s.Close()
	s2, err := New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	b := newBrowser(t, listen(t, s2))
	signIn(t, b, "ada", "correct horse battery")
	return s2, b
}

// demoDB signs an admin up on s and gives the address of a database with
// the demo's columns.
func demoDB(t *testing.T, s *Server) (*browser, ivr.Database, string) {
	t.Helper()
	c, _, err := s.cfg.Clients.Create("Acme Collections", 0)
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.cfg.Databases.Create(c.CID, ivr.DatabaseSpec{Description: "Debtors", Columns: admin.DemoColumns()})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, listen(t, s))
	signUp(t, b)
	return b, db, fmt.Sprintf("/admin/clients/%d/databases/%d", c.CID, db.DBID)
}

func TestImportRecordOutlivesRestart(t *testing.T) {
	s, _ := newTestServer(t)
	b, _, db := demoDB(t, s)
	b.get(db + "/import")
	file := "012345,01021990,£1234.50,£5.00,£12.50,Alice Jones\n123456,31021990,1.00\n"
	loc, _ := importAndWait(t, b, db, file)
	_, b = restart(t, s)

	code, page, _ := b.get(loc)
	expect(t, "the import's page after a restart", code, page, 200, fmt.Sprintf("debtors.csv (CSV, %d bytes)", len(file)),
		"<strong>1</strong> added", "<strong>1</strong> refused", "not a real date in DDMMYYYY", "Finished")
	code, csv, _ := b.get(loc + "/rejected.csv")
	expect(t, "the refused lines after a restart", code, csv, 200, "123456,31021990,1.00,line 2: colB: not a real date")
	code, dash, _ := b.get("/admin/")
	expect(t, "the dashboard", code, dash, 200, `<a href="`+loc+`">debtors.csv</a>`)
	code, js, _ := b.get(loc + "/progress")
	expect(t, "the progress after a restart", code, js, 200, `"done":true`)
	code, rows, _ := b.get(db + "/rows")
	expect(t, "the rows as people read them", code, rows, 200, `<td data-label="Balance" class="num">£1,234.50</td>`,
		`<td data-label="Date of Birth">01/02/1990</td>`)

	code, page, _ = b.get("/admin/imports/no-such-import")
	expect(t, "an unknown import", code, page, 404, "There is no such import")
	code, page, _ = b.get("/admin/imports/..%2F..%2Fetc/rejected.csv")
	expect(t, "a path for an import id", code, page, 404, "There is no such import")
}

func TestImportCutShortByARestart(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, _ := demoDB(t, s)
	_ = b
	j := &job{ID: "cut0000000000000", CID: db.CID, DBID: db.DBID, Database: db.Description, File: "big.csv",
		Mode: ivr.ImportReplace, Format: ivr.FormatCSV, User: "ada", Size: 30 << 20, Started: time.Now(), rejects: s.rejectsPath("cut0000000000000")}
	s.saveSummary(j) // as ImportPost does before the import starts; the server then stops
	_, b = restart(t, s)
	code, page, _ := b.get("/admin/imports/" + j.ID)
	expect(t, "an import the restart cut short", code, page, 200, "the server stopped while it ran", "big.csv (CSV, 30 MiB)")
	code, dash, _ := b.get("/admin/")
	expect(t, "the dashboard", code, dash, 200, "stopped by a restart")
	code, page, _ = b.get("/admin/imports/" + j.ID + "/rejected.csv")
	expect(t, "refused lines of an import cut short before it wrote any", code, page, 404, "no longer in the server")
}

func TestFavicon(t *testing.T) {
	s, _ := newTestServer(t)
	res, err := http.Get(listen(t, s) + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/x-icon" {
		t.Fatalf("favicon: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var dir struct {
		Reserved, Type, Count uint16
		W, H, Colors, Res     uint8
		Planes, BPP           uint16
		Size, Offset          uint32
	}
	if err := binary.Read(bytes.NewReader(body), binary.LittleEndian, &dir); err != nil {
		t.Fatal(err)
	}
	if dir.Type != 1 || dir.Count != 1 || int(dir.Offset)+int(dir.Size) != len(body) {
		t.Fatalf("not an icon file: %+v, %d bytes", dir, len(body))
	}
	img, err := png.Decode(bytes.NewReader(body[dir.Offset:]))
	if err != nil || img.Bounds().Dx() != int(dir.W) || img.Bounds().Dy() != int(dir.H) {
		t.Fatalf("icon image: %v %v", err, img)
	}
}

func TestTesterSaysWhatTheCallerHears(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, path := demoDB(t, s)
	if err := s.cfg.Rows.SaveRow(db.CID, db.DBID, admin.DemoRows(1)[0]); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"found", "ref1=123456%23&ref2=01021990", []string{"Outcome <strong id=\"result-status\" data-status=\"found\">found</strong>",
			"Your balance is twelve pounds and fifty pence.", "Thank you for calling. Goodbye.", "\n  &#34;status&#34;: &#34;found&#34;,"}},
		{"wrong date of birth", "ref1=123456&ref2=02021990", []string{">not found</strong>", "We could not find an account with those details."}},
		{"too few digits", "ref1=1234&ref2=01021990", []string{">invalid input</strong>", "That was 4 digits; your invoice number has 6."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page, _ := b.get(path + "/test?run=1&" + tc.query)
			expect(t, tc.name, code, page, 200, tc.want...)
		})
	}
}

func TestRemoveOnlyWhereItCanWork(t *testing.T) {
	s, _ := newTestServer(t)
	b, db, path := demoDB(t, s)
	_, page, _ := b.get(path)
	if !strings.Contains(page, `aria-label="Remove colF"`) {
		t.Fatal("an empty database offers no Remove")
	}
	if err := s.cfg.Rows.SaveRow(db.CID, db.DBID, admin.DemoRows(1)[0]); err != nil {
		t.Fatal(err)
	}
	_, page, _ = b.get(path)
	if strings.Contains(page, `>Remove</button>`) {
		t.Fatal("a database holding rows offers Remove, which it refuses")
	}
	// The form still refuses it if posted anyway.
	code, body, _ := b.post(path+"/fields/colF/remove", url.Values{})
	expect(t, "removing a column of a database with rows", code, body, 409, "cannot be removed while rows exist")
}

func TestValuesAsPeopleReadThem(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
	}{
		{"zero", grouped(0), "0"},
		{"below a thousand", grouped(999), "999"},
		{"thousands", grouped(200989), "200,989"},
		{"millions", grouped(-1234567), "-1,234,567"},
		{"pounds", amount(money.GBP, 123450), "£1,234.50"},
		{"euros negative", amount(money.EUR, -310), "-€3.10"},
		{"dollars", amount(money.USD, 5), "US$0.05"},
		{"one client", plural(1, "client", "clients"), "1 client"},
		{"no clients", plural(int64(0), "client", "clients"), "0 clients"},
		{"many rows", plural(int64(200989), "row", "rows"), "200,989 rows"},
		{"date day first", date(columndb.DDMMYYYY, "01021990"), "01/02/1990"},
		{"date year first", date(columndb.YYYYMMDD, "19900201"), "1990-02-01"},
		{"not a date", date(columndb.DDMMYYYY, "0102199"), "0102199"},
		{"outcome", outcome(ivr.StatusNotPayable), "not payable"},
		{"size", byteSize(30 << 20), "30 MiB"},
		{"cell in the database's currency", cell(ivr.Database{Telephony: ivr.Telephony{Currency: money.EUR}},
			ivr.Column{Type: columndb.TypeCurrency}, "123456"), "€1,234.56"},
		{"digit strings stay", cell(ivr.Database{}, ivr.Column{Type: columndb.TypeNumeric}, "0012345"), "0012345"},
		{"whole numbers grouped", cell(ivr.Database{}, ivr.Column{Type: columndb.TypeInteger}, "12345"), "12,345"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
