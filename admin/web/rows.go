package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
)

const rowsPerPage = 50

// RowsData is the search page.
type RowsData struct {
	DB      ivr.Database
	Col     string
	Match   string
	Q       string
	Sort    string
	Desc    bool
	Rows    []map[string]string
	Total   int
	Page    int // from 1
	Pages   int
	First   string
	Prev    string
	Next    string
	Last    string
	Error   string
	Matches []Link // the ways to match, Href being the value
}

// search is the query string of a search on the rows page.
func (d *RowsData) search(page int, sort string, desc bool) string {
	q := url.Values{"col": {d.Col}, "match": {d.Match}, "q": {d.Q}}
	if sort != "" {
		q.Set("sort", sort)
		if desc {
			q.Set("desc", "1")
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return dbHref(d.DB) + "/rows?" + q.Encode()
}

// SortHref is the address of this search sorted by col: ascending, or
// descending if it is sorted by col ascending already.
func (d *RowsData) SortHref(col string) string {
	return d.search(1, col, d.Sort == col && !d.Desc)
}

var rowMatches = []Link{{string(ivr.MatchPrefix), "starts with"}, {string(ivr.MatchExact), "is exactly"}, {string(ivr.MatchContains), "contains"}}

// Rows serves GET .../databases/{dbid}/rows?col=&match=&q=&sort=&desc=&page=:
// rows found by any column, a page at a time, with how many match.
func (s *Server) Rows(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	args := ctx.QueryArgs()
	d := RowsData{DB: db, Col: string(args.Peek("col")), Match: string(args.Peek("match")),
		Q: strings.TrimSpace(string(args.Peek("q"))), Sort: string(args.Peek("sort")),
		Desc: string(args.Peek("desc")) == "1", Matches: rowMatches}
	var col *ivr.Column
	for i := range db.Columns {
		if db.Columns[i].ID == d.Col || (d.Col == "" && db.Columns[i].PrimaryKey && col == nil) {
			col = &db.Columns[i]
		}
	}
	status := 200
	switch {
	case col == nil && d.Col != "":
		status, d.Error = 400, "There is no column "+d.Col+" in this database to search. Choose one from the list."
	case col == nil:
		d.Col = ""
	default:
		d.Col = col.ID
	}
	if d.Match == "" && col != nil {
		d.Match = string(ivr.MatchPrefix)
		if col.Type == columndb.TypeText && !col.PrimaryKey {
			d.Match = string(ivr.MatchContains) // a name's any part
		}
	}
	d.Page, _ = strconv.Atoi(string(args.Peek("page")))
	d.Page = max(d.Page, 1)
	if d.Error == "" {
		rows, total, err := s.cfg.Rows.FindRows(db.CID, db.DBID, ivr.RowSearch{Column: d.Col, Match: ivr.Match(d.Match),
			Value: d.Q, Sort: d.Sort, Desc: d.Desc, Offset: (d.Page - 1) * rowsPerPage, Limit: rowsPerPage})
		switch {
		case errors.Is(err, ivr.ErrInvalid):
			status, d.Error = 400, "That search could not run: "+trimPrefix(err)+". Start a new search."
		case err != nil:
			s.fail(ctx, err)
			return
		}
		d.Rows, d.Total = rows, total
	}
	d.Pages = max((d.Total+rowsPerPage-1)/rowsPerPage, 1)
	if d.Page > 1 {
		d.First, d.Prev = d.search(1, d.Sort, d.Desc), d.search(min(d.Page-1, d.Pages), d.Sort, d.Desc)
	}
	if d.Page < d.Pages {
		d.Next, d.Last = d.search(d.Page+1, d.Sort, d.Desc), d.search(d.Pages, d.Sort, d.Desc)
	}
	s.render(ctx, status, "rows", &view{Title: "Rows of " + db.Description, Nav: "clients", Flash: flash(ctx),
		Crumbs: dbCrumbs(c.Name, db), Data: &d})
}

// RowData is the edit form of one row.
type RowData struct {
	DB     ivr.Database
	Values map[string]string
	Keys   []string
	New    bool
	Errors map[string]string
	Error  string
	// History is what the audit log holds of the row, newest first.
	History []AuditEntry
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
		if d.History, err = s.rowLog(db.CID, db.DBID, keys); err != nil {
			s.fail(ctx, err)
			return
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
	before, err := s.cfg.Rows.GetRow(db.CID, db.DBID, keys)
	switch {
	case err == nil && d.New:
		d.Error = "A row with this identifier already exists. Search for it and edit it instead."
		s.rowForm(ctx, 409, c.Name, d)
		return
	case err != nil && !errors.Is(err, ivr.ErrNoRow):
		s.fail(ctx, err)
		return
	}
	if !d.New {
		d.Keys = keys
	}
	err = s.cfg.Rows.SaveRow(db.CID, db.DBID, d.Values)
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
	after, err := s.cfg.Rows.GetRow(db.CID, db.DBID, keys)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	action := "saved row"
	if before == nil {
		action = "added row"
	}
	s.record(ctx, AuditEntry{Who: sess(ctx).user, Action: action, Target: dbTarget(db) + ": " + strings.Join(keys, "/"),
		CID: db.CID, DBID: db.DBID, Row: rowKey(keys), Changes: changes(db.Columns, before, after)})
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
	before, err := s.cfg.Rows.GetRow(db.CID, db.DBID, keys)
	if err == nil {
		err = s.cfg.Rows.DeleteRow(db.CID, db.DBID, keys)
	}
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.record(ctx, AuditEntry{Who: sess(ctx).user, Action: "deleted row", Target: dbTarget(db) + ": " + strings.Join(keys, "/"),
		CID: db.CID, DBID: db.DBID, Row: rowKey(keys), Changes: changes(db.Columns, before, nil)})
	httpx.Redirect(ctx, dbHref(db)+"/rows?msg=row-deleted", 303)
}
