package web

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
)

// ImportData is what the import form shows.
type ImportData struct {
	DB      ivr.Database
	Client  string
	Mode    string
	Format  string
	Error   string
	Running string // id of the import running into this database
	MaxMB   int64
}

// ImportForm serves GET .../databases/{dbid}/import.
func (s *Server) ImportForm(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	s.importForm(ctx, 200, ImportData{DB: db, Client: c.Name, Mode: string(ivr.ImportUpsert)})
}

func (s *Server) importForm(ctx *fasthttp.RequestCtx, status int, d ImportData) {
	d.Running = s.jobs.runningFor(d.DB.CID, d.DB.DBID)
	d.MaxMB = s.cfg.MaxUpload >> 20
	s.render(ctx, status, "import", &view{Title: "Import a debtor file", Nav: "clients",
		Crumbs: dbCrumbs(d.Client, d.DB), Data: d})
}

// ImportPost serves POST .../databases/{dbid}/import: it keeps the file,
// starts the import in the background and sends the browser to the
// import's page, so neither the page nor the server waits on a big file.
func (s *Server) ImportPost(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	d := ImportData{DB: db, Client: c.Name, Mode: string(ctx.FormValue("mode")), Format: string(ctx.FormValue("format"))}
	mode, ok := ivr.ParseImportMode(d.Mode)
	if !ok {
		d.Error = "Choose whether to add the file to the existing records or replace them."
		s.importForm(ctx, 400, d)
		return
	}
	up, ok := formFile(ctx, "file")
	if ok && up.tooLarge {
		d.Error = fmt.Sprintf("The file is larger than %d MiB. Split it into smaller files and import each.", s.cfg.MaxUpload>>20)
		s.importForm(ctx, 413, d)
		return
	}
	if !ok || up.file.Size == 0 {
		d.Error = "Choose a file to import: a CSV file or a JSON upload body, not empty."
		s.importForm(ctx, 400, d)
		return
	}
	format := ivr.FormatCSV
	switch d.Format {
	case "json":
		format = ivr.FormatJSON
	case "csv":
	case "", "auto":
		if strings.EqualFold(filepath.Ext(up.name), ".json") {
			format = ivr.FormatJSON
		}
	default:
		d.Error = "Choose CSV or JSON as the file's format."
		s.importForm(ctx, 400, d)
		return
	}
	id := randomToken()[:16]
	j := &job{ID: id, CID: db.CID, DBID: db.DBID, Database: db.Description, File: filepath.Base(up.name),
		Mode: mode, Format: format, User: sess(ctx).user, Size: up.file.Size, Started: s.cfg.Now(),
		rejects: s.rejectsPath(id), now: s.cfg.Now}
	running, ok, err := s.jobs.add(j)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if !ok {
		d.Error = "An import into this database is already running. Wait for it to finish."
		d.Running = running
		s.importForm(ctx, 409, d)
		return
	}
	// Form removes the spooled file when this handler returns, unless it
	// is kept for the import to read.
	upload := filepath.Join(s.cfg.WorkDir, id+".upload")
	if err := up.file.Keep(upload); err != nil {
		j.mu.Lock()
		j.done, j.err = true, "could not keep the uploaded file"
		j.mu.Unlock()
		s.jobs.finish(j)
		s.fail(ctx, fmt.Errorf("web: keep upload: %w", err))
		return
	}
	s.saveSummary(j)
	s.audit(ctx, j.User, "imported a file ("+string(mode)+")", fmt.Sprintf("client %d database %d: %s", db.CID, db.DBID, j.File))
	go s.run(j, upload)
	httpx.Redirect(ctx, "/admin/imports/"+id, 303)
}

// importView is the import named by the address: the running or recent
// one in memory, or, after a restart, its stored summary.
func (s *Server) importView(ctx *fasthttp.RequestCtx) (JobView, bool) {
	id := userValue(ctx, "id")
	if v, ok := s.jobs.view(id); ok {
		return v, true
	}
	sum, err := s.summary(id)
	if err != nil {
		s.fail(ctx, err)
		return JobView{}, false
	}
	return sum.view(), true
}

// ImportStatus serves GET /admin/imports/{id}.
func (s *Server) ImportStatus(ctx *fasthttp.RequestCtx) {
	v, ok := s.importView(ctx)
	if !ok {
		return
	}
	c, _ := s.cfg.Clients.Get(v.CID)
	s.render(ctx, 200, "importjob", &view{Title: "Import of " + v.File, Nav: "clients",
		Crumbs: dbCrumbs(c.Name, ivr.Database{CID: v.CID, DBID: v.DBID, Description: v.Database}), Data: v})
}

// ImportProgress serves GET /admin/imports/{id}/progress: the page's
// script polls it to move the progress bar.
func (s *Server) ImportProgress(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	var v JobView
	if jv, ok := s.jobs.view(userValue(ctx, "id")); ok {
		v = jv
	} else if sum, err := s.summary(userValue(ctx, "id")); err == nil {
		v = sum.view()
	} else {
		ctx.SetStatusCode(404)
		ctx.SetBodyString(`{"error":"no such import"}`)
		return
	}
	b, _ := json.Marshal(v)
	ctx.SetBody(b)
}

// Rejected serves GET /admin/imports/{id}/rejected.csv: the refused lines
// as they were, each with the reason appended, ready to fix and import.
func (s *Server) Rejected(ctx *fasthttp.RequestCtx) {
	v, ok := s.importView(ctx)
	if !ok {
		return
	}
	if !v.Done {
		s.fail(ctx, fmt.Errorf("%w: the import is still running; download the rejected lines when it has finished", errBadInput))
		return
	}
	path := s.rejectsPath(v.ID)
	if _, err := os.Stat(path); err != nil {
		if s.jobs.ranElsewhere(v.ID) {
			s.fail(ctx, errRejectsElsewhere)
			return
		}
		s.fail(ctx, errNoRejects)
		return
	}
	ctx.Response.Header.Set("Content-Disposition", `attachment; filename="rejected-`+v.ID+`.csv"`)
	ctx.SetContentType("text/csv; charset=utf-8")
	ctx.SendFile(path)
}
