package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
)

// rowSearch reads the search of the rows page from a query or form.
func rowSearch(peek func(string) []byte) ivr.RowSearch {
	return ivr.RowSearch{Column: string(peek("col")), Match: ivr.Match(peek("match")), Value: strings.TrimSpace(string(peek("q")))}
}

// describe says what a search finds, for a page and the audit log.
func describe(db ivr.Database, q ivr.RowSearch) string {
	if q.Value == "" {
		return "every row"
	}
	name := q.Column
	for _, c := range db.Columns {
		if c.ID == q.Column {
			name = c.Name
		}
	}
	how := "contains"
	for _, m := range rowMatches {
		if m.Href == string(q.Match) {
			how = m.Text
		}
	}
	return fmt.Sprintf("rows whose %s %s %q", name, how, q.Value)
}

// Export serves GET .../databases/{dbid}/export.csv?col=&match=&q=: the
// rows a search finds (every row without one) as a CSV file in the
// import's own form, no header and the columns in order, so it imports
// back unchanged. It streams from one snapshot: a million rows never sit
// in memory. A text cell a spreadsheet would run as a formula is written
// with a leading quote, as the rejected-lines file does.
func (s *Server) Export(ctx *fasthttp.RequestCtx) {
	_, db, ok := s.database(ctx)
	if !ok {
		return
	}
	q := rowSearch(ctx.QueryArgs().Peek)
	if q.Value != "" && q.Match == "" {
		q.Match = ivr.MatchPrefix
	}
	exp, err := s.cfg.Rows.Exporter(db.CID, db.DBID, q)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	text := make([]bool, len(db.Columns))
	for i, c := range db.Columns {
		text[i] = c.Type == columndb.TypeText
	}
	s.audit(ctx, sess(ctx).user, "exported rows", dbTarget(db)+": "+describe(db, q))
	name := fmt.Sprintf("client-%d-database-%d.csv", db.CID, db.DBID)
	ctx.Response.Header.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	ctx.SetContentType("text/csv; charset=utf-8")
	log, id := s.cfg.Log, httpx.RequestID(ctx)
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		n, err := exp.Each(func(fields [][]byte) error {
			for i, f := range fields {
				if i > 0 {
					w.WriteByte(',')
				}
				writeCSVField(w, f, text[i])
			}
			return w.WriteByte('\n')
		})
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			// The status has gone: the file simply ends short.
			log.Warn().Err(err).Str("request_id", id).Int("rows", n).Msg("export stopped")
		}
	})
}

// writeCSVField writes one field as encoding/csv would, quoted only where
// it must be, from the stored bytes without making a string of them. A
// text cell a spreadsheet would run as a formula gets a leading quote.
func writeCSVField(w *bufio.Writer, f []byte, text bool) {
	lead := ""
	if text && len(f) > 0 && spreadsheetSafe(string(f[:1])) != string(f[:1]) {
		if safe := spreadsheetSafe(string(f)); safe != string(f) {
			lead = "'"
		}
	}
	if !bytes.ContainsAny(f, ",\"\r\n") && (len(f) == 0 || (f[0] != ' ' && f[0] != '\t')) {
		w.WriteString(lead)
		w.Write(f)
		return
	}
	w.WriteByte('"')
	w.WriteString(lead)
	for len(f) > 0 {
		i := bytes.IndexByte(f, '"')
		if i < 0 {
			w.Write(f)
			break
		}
		w.Write(f[:i+1])
		w.WriteByte('"')
		f = f[i+1:]
	}
	w.WriteByte('"')
}

// DeleteRowsData is the confirmation of deleting the rows a search found.
type DeleteRowsData struct {
	DB     ivr.Database
	Search ivr.RowSearch
	What   string
	Count  int
	Typed  string
	Error  string
}

// DeleteRowsForm serves GET .../databases/{dbid}/rows/delete?col=&match=&q=.
func (s *Server) DeleteRowsForm(ctx *fasthttp.RequestCtx) {
	s.deleteRowsPage(ctx, 200, rowSearch(ctx.QueryArgs().Peek), "", "")
}

func (s *Server) deleteRowsPage(ctx *fasthttp.RequestCtx, status int, q ivr.RowSearch, typed, problem string) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	if q.Value != "" && q.Match == "" {
		q.Match = ivr.MatchPrefix
	}
	_, total, err := s.cfg.Rows.FindRows(db.CID, db.DBID, ivr.RowSearch{Column: q.Column, Match: q.Match, Value: q.Value, Limit: 1})
	if err != nil {
		s.fail(ctx, err)
		return
	}
	d := DeleteRowsData{DB: db, Search: q, What: describe(db, q), Count: total, Typed: typed, Error: problem}
	s.render(ctx, status, "rowsdelete", &view{Title: "Delete rows of " + db.Description, Nav: "clients",
		Crumbs: dbCrumbs(c.Name, db), Data: d})
}

// DeleteRowsPost serves POST .../databases/{dbid}/rows/delete: the admin
// typed how many rows the search finds, and it still finds that many.
func (s *Server) DeleteRowsPost(ctx *fasthttp.RequestCtx) {
	_, db, ok := s.database(ctx)
	if !ok {
		return
	}
	q := rowSearch(func(k string) []byte { return ctx.FormValue(k) })
	if q.Value != "" && q.Match == "" {
		q.Match = ivr.MatchPrefix
	}
	typed := strings.TrimSpace(string(ctx.FormValue("count")))
	_, total, err := s.cfg.Rows.FindRows(db.CID, db.DBID, ivr.RowSearch{Column: q.Column, Match: q.Match, Value: q.Value, Limit: 1})
	if err != nil {
		s.fail(ctx, err)
		return
	}
	n, convErr := strconv.Atoi(strings.NewReplacer(",", "", " ", "", "_", "").Replace(typed))
	switch {
	case total == 0:
		s.deleteRowsPage(ctx, 409, q, typed, "The search finds no rows now: nothing was deleted.")
		return
	case typed == "":
		s.deleteRowsPage(ctx, 400, q, typed, "Type the number of rows to delete, to show you mean it.")
		return
	case convErr != nil:
		s.deleteRowsPage(ctx, 400, q, typed, "Type the number of rows as digits, such as "+grouped(int64(total))+".")
		return
	case n != total:
		s.deleteRowsPage(ctx, 409, q, typed, fmt.Sprintf("You typed %s, but the search finds %s now. Nothing was deleted; check the rows and type the number again.", grouped(int64(n)), plural(total, "row", "rows")))
		return
	}
	deleted, err := s.cfg.Rows.DeleteFound(db.CID, db.DBID, q)
	if deleted > 0 {
		s.audit(ctx, sess(ctx).user, "deleted rows found by a search", fmt.Sprintf("%s: %s, %s", dbTarget(db), describe(db, q), plural(deleted, "row", "rows")))
	}
	if err != nil && !errors.Is(err, ivr.ErrInvalid) {
		s.fail(ctx, err)
		return
	}
	if err != nil {
		s.deleteRowsPage(ctx, 400, q, typed, "That search could not run: "+trimPrefix(err)+".")
		return
	}
	httpx.Redirect(ctx, dbHref(db)+"/rows?"+url.Values{"msg": {"rows-deleted"}}.Encode(), 303)
}
