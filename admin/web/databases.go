package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// starterColumn is the one column a new database begins with: a schema
// needs an identifier, and the guide's next step is "Press Edit against
// ColA" to make it the caller's first reference.
func starterColumn() ivr.Column {
	return ivr.Column{ID: "colA", Name: "Reference", Type: columndb.TypeNumeric, Visible: true, Required: true,
		PrimaryKey: true, IVRField: ivr.RoleRef1, MinDTMF: 1, MaxDTMF: ivr.MaxDTMFLimit}
}

// CreateDatabase serves POST /admin/clients/{cid}/databases.
func (s *Server) CreateDatabase(ctx *fasthttp.RequestCtx) {
	c, ok := s.client(ctx)
	if !ok {
		return
	}
	desc := strings.TrimSpace(string(ctx.FormValue("description")))
	if desc == "" || len(desc) > 200 {
		s.clientPage(ctx, 400, c, ClientData{Description: desc, Error: "Enter a description of 1 to 200 characters, such as \"Debtors 2025\"."})
		return
	}
	db, err := s.cfg.Databases.Create(c.CID, ivr.DatabaseSpec{Description: desc, Columns: []ivr.Column{starterColumn()}})
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.record(ctx, AuditEntry{Who: sess(ctx).user, Action: "created database", Target: dbTarget(db), CID: db.CID, DBID: db.DBID})
	httpx.Redirect(ctx, dbHref(db)+"?msg=db-created", 303)
}

func dbTarget(db ivr.Database) string {
	return fmt.Sprintf("client %d database %d (%s)", db.CID, db.DBID, db.Description)
}

func dbHref(db ivr.Database) string {
	return fmt.Sprintf("/admin/clients/%d/databases/%d", db.CID, db.DBID)
}

func dbCrumbs(client string, db ivr.Database) []Link {
	return []Link{{"/admin/clients", "Clients"}, {clientHref(db.CID), client}, {dbHref(db), db.Description}}
}

// database resolves {cid} and {dbid}, answering the error page if it cannot.
func (s *Server) database(ctx *fasthttp.RequestCtx) (tenant.Client, ivr.Database, bool) {
	c, ok := s.client(ctx)
	if !ok {
		return c, ivr.Database{}, false
	}
	dbid, err := strconv.ParseInt(userValue(ctx, "dbid"), 10, 64)
	if err != nil || dbid <= 0 {
		s.fail(ctx, ivr.ErrNoDatabase)
		return c, ivr.Database{}, false
	}
	db, err := s.cfg.Databases.Get(c.CID, dbid)
	if err != nil {
		s.fail(ctx, err)
		return c, db, false
	}
	return c, db, true
}

// DeleteData is what the delete confirmation shows.
type DeleteData struct {
	DB    ivr.Database
	Typed string
	Error string
}

// DeleteForm serves GET .../databases/{dbid}/delete.
func (s *Server) DeleteForm(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	s.render(ctx, 200, "dbdelete", &view{Title: "Delete " + db.Description, Nav: "clients",
		Crumbs: dbCrumbs(c.Name, db), Data: DeleteData{DB: db}})
}

// DeletePost serves POST .../databases/{dbid}/delete. The admin must type
// the database's description: deleting drops every row, and no undo exists.
func (s *Server) DeletePost(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	typed := strings.TrimSpace(string(ctx.FormValue("confirm")))
	if typed != db.Description {
		s.render(ctx, 400, "dbdelete", &view{Title: "Delete " + db.Description, Nav: "clients", Crumbs: dbCrumbs(c.Name, db),
			Data: DeleteData{DB: db, Typed: typed, Error: "What you typed is not the description. Type it exactly, or go back to keep the database."}})
		return
	}
	if s.jobs.runningFor(db.CID, db.DBID) != "" {
		s.fail(ctx, errBusy)
		return
	}
	if err := s.cfg.Databases.Delete(db.CID, db.DBID); err != nil && !errors.Is(err, ivr.ErrNoDatabase) {
		s.fail(ctx, err)
		return
	}
	s.audit(ctx, sess(ctx).user, "deleted database", dbTarget(db))
	httpx.Redirect(ctx, clientHref(c.CID)+"?msg=db-deleted", 303)
}

// Describe serves POST .../databases/{dbid}/description.
func (s *Server) Describe(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	desc := strings.TrimSpace(string(ctx.FormValue("description")))
	if desc == "" || len(desc) > 200 {
		s.fieldsPage(ctx, 400, c, db, []string{"Enter a description of 1 to 200 characters."})
		return
	}
	if _, err := s.cfg.Databases.Update(db.CID, db.DBID, ivr.DatabaseSpec{Description: desc, Columns: db.Columns, Telephony: db.Telephony}); err != nil {
		s.fail(ctx, err)
		return
	}
	s.audit(ctx, sess(ctx).user, "renamed database", dbTarget(db)+" to "+desc)
	httpx.Redirect(ctx, dbHref(db)+"?msg=description-saved", 303)
}
