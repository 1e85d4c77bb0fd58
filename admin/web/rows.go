package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
)

const rowsPerPage = 50

// RowsData is the search page.
type RowsData struct {
	DB     ivr.Database
	Keys   []ivr.Column
	Col    string
	Q      string
	Rows   []map[string]string
	Next   string
	Error  string
	Paging bool
}

// Rows serves GET .../databases/{dbid}/rows?col=&q=&after=: a prefix
// search on an identifier column, a page at a time.
func (s *Server) Rows(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	args := ctx.QueryArgs()
	d := RowsData{DB: db, Col: string(args.Peek("col")), Q: strings.TrimSpace(string(args.Peek("q")))}
	for _, col := range db.Columns {
		if col.PrimaryKey {
			d.Keys = append(d.Keys, col)
		}
	}
	if d.Col == "" && len(d.Keys) > 0 {
		d.Col = d.Keys[0].ID
	}
	after := string(args.Peek("after"))
	d.Paging = after != ""
	rows, next, err := s.cfg.Rows.SearchRows(db.CID, db.DBID, d.Col, d.Q, after, rowsPerPage)
	status := 200
	switch {
	case errors.Is(err, ivr.ErrInvalid):
		status, d.Error = 400, "That search could not run: "+trimPrefix(err)+". Start a new search."
	case err != nil:
		s.fail(ctx, err)
		return
	}
	d.Rows = rows
	if next != "" {
		d.Next = fmt.Sprintf("%s/rows?%s", dbHref(db), url.Values{"col": {d.Col}, "q": {d.Q}, "after": {next}}.Encode())
	}
	s.render(ctx, status, "rows", &view{Title: "Rows of " + db.Description, Nav: "clients", Flash: flash(ctx),
		Crumbs: dbCrumbs(c.Name, db), Data: d})
}

// RowData is the edit form of one row.
type RowData struct {
	DB     ivr.Database
	Values map[string]string
	Keys   []string
	New    bool
	Errors map[string]string
	Error  string
}

// RowEdit serves GET .../databases/{dbid}/row?k=…: the edit form of the
// row with those key values; without k, the form of a new row.
func (s *Server) RowEdit(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	keys := peekMulti(ctx.QueryArgs(), "k")
	d := RowData{DB: db, Keys: keys, New: len(keys) == 0, Values: map[string]string{}}
	if !d.New {
		row, err := s.cfg.Rows.GetRow(db.CID, db.DBID, keys)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		for _, col := range db.Columns {
			d.Values[col.ID] = editValue(col, row[col.ID])
		}
	}
	s.rowForm(ctx, 200, c.Name, d)
}

func (s *Server) rowForm(ctx *fasthttp.RequestCtx, status int, client string, d RowData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	title := "Edit row"
	if d.New {
		title = "Add a row"
	}
	s.render(ctx, status, "row", &view{Title: title, Nav: "clients", Crumbs: dbCrumbs(client, d.DB), Data: d})
}

func peekMulti(args *fasthttp.Args, key string) []string {
	var out []string
	for _, v := range args.PeekMulti(key) {
		out = append(out, string(v))
	}
	return out
}

// RowPost serves POST .../databases/{dbid}/row: save the edited row.
func (s *Server) RowPost(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	d := RowData{DB: db, New: string(ctx.FormValue("new")) == "1", Values: map[string]string{}}
	for _, col := range db.Columns {
		d.Values[col.ID] = string(ctx.FormValue("v_" + col.ID))
	}
	var keys []string
	for _, col := range db.Columns {
		if col.PrimaryKey {
			keys = append(keys, strings.TrimSpace(d.Values[col.ID]))
		}
	}
	if d.New {
		if _, err := s.cfg.Rows.GetRow(db.CID, db.DBID, keys); err == nil {
			d.Error = "A row with this identifier already exists. Search for it and edit it instead."
			s.rowForm(ctx, 409, c.Name, d)
			return
		}
	} else {
		d.Keys = keys
	}
	err := s.cfg.Rows.SaveRow(db.CID, db.DBID, d.Values)
	var problems ivr.RowProblems
	switch {
	case errors.As(err, &problems):
		d.Errors = problems
		d.Error = "Some values were not accepted; the reasons are next to them."
		s.rowForm(ctx, 400, c.Name, d)
		return
	case err != nil:
		s.fail(ctx, err)
		return
	}
	s.audit(ctx, sess(ctx).user, "saved row", dbTarget(db)+": "+strings.Join(keys, "/"))
	q := url.Values{"q": {firstOr(keys)}, "msg": {"row-saved"}}
	httpx.Redirect(ctx, dbHref(db)+"/rows?"+q.Encode(), 303)
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// RowDelete serves POST .../databases/{dbid}/row/delete.
func (s *Server) RowDelete(ctx *fasthttp.RequestCtx) {
	_, db, ok := s.database(ctx)
	if !ok {
		return
	}
	var keys []string
	if mf, err := ctx.MultipartForm(); err == nil {
		keys = mf.Value["k"]
	} else {
		keys = peekMulti(ctx.PostArgs(), "k")
	}
	if err := s.cfg.Rows.DeleteRow(db.CID, db.DBID, keys); err != nil {
		s.fail(ctx, err)
		return
	}
	s.audit(ctx, sess(ctx).user, "deleted row", dbTarget(db)+": "+strings.Join(keys, "/"))
	httpx.Redirect(ctx, dbHref(db)+"/rows?msg=row-deleted", 303)
}
