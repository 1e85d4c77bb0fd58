package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// Ledger is the payments' ledger, as the payments service keeps it.
type Ledger interface {
	Ledger(cid, dbid int64, after string, limit int) (ivr.LedgerPage, error)
}

// ledgerPerPage is the payments a ledger page shows.
const ledgerPerPage = 100

// LedgerData is a page of a database's payments.
type LedgerData struct {
	DB       ivr.Database
	Refs     []ivr.Column // the ref columns, in the order callers key them
	Entries  []ivr.LedgerEntry
	Replaced int // entries of this page an upload has set the row of since
	Next     string
	Paging   bool
	CSV      string
	Error    string
}

// LedgerPage serves GET .../databases/{dbid}/payments: the payments posted
// back, oldest first, with those whose row an upload set afterwards marked
// for the merchant to reconcile.
func (s *Server) LedgerPage(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	if s.cfg.Ledger == nil {
		s.fail(ctx, ivr.ErrNoDatabase)
		return
	}
	after := string(ctx.QueryArgs().Peek("after"))
	d := LedgerData{DB: db, Refs: refColumns(db), Paging: after != "", CSV: dbHref(db) + "/payments.csv"}
	page, err := s.cfg.Ledger.Ledger(db.CID, db.DBID, after, ledgerPerPage)
	status := 200
	switch {
	case errors.Is(err, ivr.ErrInvalid):
		status, d.Error = 400, "That page of the ledger does not exist: start from the first page."
	case err != nil:
		s.fail(ctx, err)
		return
	}
	d.Entries = page.Entries
	for _, e := range page.Entries {
		if e.ReplacedByUpload {
			d.Replaced++
		}
	}
	if page.Next != "" {
		d.Next = dbHref(db) + "/payments?after=" + page.Next
	}
	s.render(ctx, status, "ledger", &view{Title: "Payments to " + db.Description, Nav: "clients",
		Crumbs: dbCrumbs(c.Name, db), Data: d})
}

// LedgerCSV serves GET .../databases/{dbid}/payments.csv: the whole ledger,
// a page of the store at a time, for a spreadsheet.
func (s *Server) LedgerCSV(ctx *fasthttp.RequestCtx) {
	_, db, ok := s.database(ctx)
	if !ok {
		return
	}
	if s.cfg.Ledger == nil {
		s.fail(ctx, ivr.ErrNoDatabase)
		return
	}
	refs := refColumns(db)
	var entries []ivr.LedgerEntry
	after := ""
	for {
		page, err := s.cfg.Ledger.Ledger(db.CID, db.DBID, after, ivr.MaxLedgerLimit)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		entries = append(entries, page.Entries...)
		if after = page.Next; after == "" {
			break
		}
	}
	ctx.Response.Header.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="payments-%d-%d.csv"`, db.CID, db.DBID))
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("text/csv; charset=utf-8")
	w := csv.NewWriter(ctx)
	_ = w.Write(ledgerHeader(refs))
	for _, e := range entries {
		_ = w.Write(ledgerRecord(refs, e))
	}
	w.Flush()
}

func ledgerHeader(refs []ivr.Column) []string {
	h := []string{"id", "time"}
	for _, c := range refs {
		h = append(h, string(c.IVRField))
	}
	return append(h, "amount", "balance_before", "balance_after", "reference", "method", "card_last4",
		"account_last4", "caller", "platform", "replaced_by_upload")
}

// ledgerRecord is one payment as a CSV line. Every text a sender chose is
// made safe to open in a spreadsheet; amounts are plain decimals.
func ledgerRecord(refs []ivr.Column, e ivr.LedgerEntry) []string {
	r := []string{e.ID, e.Time.UTC().Format("2006-01-02T15:04:05Z")}
	for _, c := range refs {
		r = append(r, e.Refs[string(c.IVRField)])
	}
	return spreadsheetSafeRecord(append(r, money.FormatMinor(e.Amount), money.FormatMinor(e.BalanceBefore),
		money.FormatMinor(e.BalanceAfter), e.Reference, e.Method, e.CardLast4, e.AccountLast4, e.Caller, e.Platform,
		strconv.FormatBool(e.ReplacedByUpload)))
}

// refColumns are the columns callers key, in the order they are asked.
func refColumns(db ivr.Database) []ivr.Column {
	var out []ivr.Column
	for _, f := range ivr.RefRoles() {
		for _, c := range db.Columns {
			if c.IVRField == f {
				out = append(out, c)
			}
		}
	}
	return out
}
