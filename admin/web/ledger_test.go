package web

import (
	"encoding/csv"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// goldenLedger is the ledger page's fixed data: a card payment in the
// balance, and a bank payment whose row an upload set since.
func goldenLedger(db ivr.Database, at time.Time) LedgerData {
	refs := map[string]string{"ref1": "012345", "ref2": "01021990"}
	return LedgerData{DB: db, Refs: refColumns(db), Replaced: 1, Paging: true,
		Next: "/admin/clients/1000/databases/1/payments?after=2", CSV: "/admin/clients/1000/databases/1/payments.csv",
		Entries: []ivr.LedgerEntry{
			{ID: "1", Time: at, Refs: refs, Amount: 500, BalanceBefore: 1250, BalanceAfter: 750, Reference: "PSP-8842",
				Method: ivr.MethodBank, AccountLast4: "6789", Caller: "07700900123", Platform: ivr.PlatformTwilio, ReplacedByUpload: true},
			{ID: "2", Time: at, Refs: refs, Amount: 750, BalanceBefore: 750, Reference: "<PSP-8843>",
				Method: ivr.MethodCard, CardLast4: "1111", Platform: ivr.PlatformAPI},
		}}
}

// ledgerSetup is the pages with a real payments service over their store,
// one client with the demo columns, and a second client.
type ledgerSetup struct {
	base       string
	cid, other int64
	dbid       int64
	svc        *ivr.Service
	pay        *ivr.Payments
}

func newLedgerSetup(t *testing.T) ledgerSetup {
	t.Helper()
	var ls ledgerSetup
	var clients *tenant.Registry
	var cat *ivr.Catalog
	s, svc := newTestServer(t, func(cfg *Config) {
		clients, cat = cfg.Clients.(*tenant.Registry), cfg.Databases.(*ivr.Catalog)
		ls.pay = ivr.NewPayments(cfg.Rows.(*ivr.Service), cfg.Docs.(*columndb.Store))
		cfg.Ledger = ls.pay
	})
	ls.svc = svc
	for i, name := range []string{"Acme Collections", "Other Collections"} {
		c, _, err := clients.Create(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		db, err := cat.Create(c.CID, ivr.DatabaseSpec{Description: "Debtors", Columns: admin.DemoColumns()})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			ls.cid, ls.dbid = c.CID, db.DBID
		} else {
			ls.other = c.CID
		}
	}
	ls.importRows(t, "012345,01021990,£100.00,,,Alice\n543210,01021990,£20.00,,,Bob\n")
	r := router.New()
	const db = "/admin/clients/{cid}/databases/{dbid}"
	r.GET(db+"/payments", s.Page(s.LedgerPage))
	r.GET(db+"/payments.csv", s.Page(s.LedgerCSV))
	r.NotFound = testHandler(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	ls.base = "http://" + ln.Addr().String()
	return ls
}

func (ls ledgerSetup) importRows(t *testing.T, csvRows string) {
	t.Helper()
	res, err := ls.svc.Import(ls.cid, ls.dbid, ivr.FormatCSV, strings.NewReader(csvRows), ivr.ImportOptions{})
	if err != nil || len(res.Invalid) > 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
}

func (ls ledgerSetup) post(t *testing.T, ref1, amount, reference string) {
	t.Helper()
	_, err := ls.pay.Post(ls.cid, ls.dbid, ivr.PaymentInput{Refs: map[string]string{"ref1": ref1, "ref2": "01021990"},
		Amount: amount, Reference: reference, CardLast4: "4242", Caller: "+447700900123"})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLedgerPages(t *testing.T) {
	ls := newLedgerSetup(t)
	b := newBrowser(t, ls.base)
	signUp(t, b)
	path := fmt.Sprintf("/admin/clients/%d/databases/%d/payments", ls.cid, ls.dbid)
	code, body, _ := b.get(path)
	expect(t, "an empty ledger", code, body, 200, "No payment has been posted")

	ls.post(t, "012345", "10.00", "PSP-1")
	ls.post(t, "543210", "5.00", "=HYPERLINK(\"http://evil.example\")")
	ls.importRows(t, "012345,01021990,£100.00,,,Alice\n") // the merchant's file, without the payment
	ls.post(t, "012345", "1.00", "PSP-3")

	code, body, _ = b.get(path)
	expect(t, "the ledger", code, body, 200, "PSP-1", "PSP-3", "card ending 4242", "&#43;447700900123",
		"1 of these payments had their row set by a later upload", "Replaced by upload", "Export the ledger as CSV")
	if strings.Count(body, `tag suspended">Replaced by upload`) != 1 {
		t.Fatalf("want exactly PSP-1 marked replaced:\n%s", body)
	}
	if strings.Contains(body, `=HYPERLINK("http`) {
		t.Fatal("the page shows a reference unescaped")
	}

	code, body, _ = b.get(path + ".csv")
	if code != 200 {
		t.Fatalf("csv: %d %s", code, body)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "time", "ref1", "ref2", "amount", "balance_before", "balance_after", "reference", "method", "card_last4", "account_last4", "caller", "platform", "replaced_by_upload"},
		{"1", "", "012345", "01021990", "10.00", "100.00", "90.00", "PSP-1", "card", "4242", "", "+447700900123", "api", "true"},
		{"2", "", "543210", "01021990", "5.00", "20.00", "15.00", `'=HYPERLINK("http://evil.example")`, "card", "4242", "", "+447700900123", "api", "false"},
		{"3", "", "012345", "01021990", "1.00", "100.00", "99.00", "PSP-3", "card", "4242", "", "+447700900123", "api", "false"},
	}
	if len(recs) != len(want) {
		t.Fatalf("csv has %d lines, want %d:\n%s", len(recs), len(want), body)
	}
	for i := range want {
		if i > 0 {
			if _, err := time.Parse(time.RFC3339, recs[i][1]); err != nil {
				t.Fatalf("line %d time %q: %v", i, recs[i][1], err)
			}
			recs[i][1] = ""
		}
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("csv line %d = %q, want %q", i, recs[i], want[i])
		}
	}

	// Another client's address for the database finds nothing, and the
	// other client's own ledger is empty.
	code, body, _ = b.get(fmt.Sprintf("/admin/clients/%d/databases/%d/payments.csv", ls.other+1000, ls.dbid))
	expect(t, "a client that does not exist", code, body, 404)
	code, body, _ = b.get(fmt.Sprintf("/admin/clients/%d/databases/%d/payments", ls.other, ls.dbid))
	expect(t, "the other client's ledger", code, body, 200, "No payment has been posted")
	code, body, _ = b.get(path + "?after=zzz")
	expect(t, "a cursor no page gave", code, body, 400, "start from the first page")
	// The database page links to its ledger.
	code, body, _ = b.get(fmt.Sprintf("/admin/clients/%d/databases/%d", ls.cid, ls.dbid))
	expect(t, "the database page", code, body, 200, `href="`+path+`">Payments</a>`)
	// Signed out, neither is served.
	b2 := newBrowser(t, ls.base)
	if code, _, loc := b2.get(path + ".csv"); code != 303 || !strings.HasPrefix(loc, "/admin/sign-in") {
		t.Fatalf("signed out: %d %s", code, loc)
	}
}
