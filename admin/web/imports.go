package web

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
)

const collImports = "webimport"

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
		rejects: filepath.Join(s.cfg.WorkDir, id+"-rejected.csv")}
	if running, ok := s.jobs.add(j); !ok {
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
	s.audit(ctx, j.User, "imported a file ("+string(mode)+")", fmt.Sprintf("client %d database %d: %s", db.CID, db.DBID, j.File))
	go s.run(j, upload)
	httpx.Redirect(ctx, "/admin/imports/"+id, 303)
}

func (s *Server) job(ctx *fasthttp.RequestCtx) (*job, bool) {
	j, ok := s.jobs.get(userValue(ctx, "id"))
	if !ok {
		s.fail(ctx, errNoJob)
	}
	return j, ok
}

// ImportStatus serves GET /admin/imports/{id}.
func (s *Server) ImportStatus(ctx *fasthttp.RequestCtx) {
	j, ok := s.job(ctx)
	if !ok {
		return
	}
	v := j.view()
	c, _ := s.cfg.Clients.Get(v.CID)
	s.render(ctx, 200, "importjob", &view{Title: "Import of " + v.File, Nav: "clients",
		Crumbs: dbCrumbs(c.Name, ivr.Database{CID: v.CID, DBID: v.DBID, Description: v.Database}), Data: v})
}

// ImportProgress serves GET /admin/imports/{id}/progress: the page's
// script polls it to move the progress bar.
func (s *Server) ImportProgress(ctx *fasthttp.RequestCtx) {
	j, ok := s.jobs.get(userValue(ctx, "id"))
	ctx.SetContentType("application/json")
	if !ok {
		ctx.SetStatusCode(404)
		ctx.SetBodyString(`{"error":"no such import"}`)
		return
	}
	b, _ := json.Marshal(j.view())
	ctx.SetBody(b)
}

// Rejected serves GET /admin/imports/{id}/rejected.csv: the refused lines
// as they were, each with the reason appended, ready to fix and import.
func (s *Server) Rejected(ctx *fasthttp.RequestCtx) {
	j, ok := s.job(ctx)
	if !ok {
		return
	}
	if !j.view().Done {
		s.fail(ctx, fmt.Errorf("%w: the import is still running; download the rejected lines when it has finished", errBadInput))
		return
	}
	ctx.Response.Header.Set("Content-Disposition", `attachment; filename="rejected-`+j.ID+`.csv"`)
	ctx.SetContentType("text/csv; charset=utf-8")
	ctx.SendFile(j.rejects)
}

// ImportSummary is a finished import as the dashboard lists it; it
// outlives the process, unlike the import's page.
type ImportSummary struct {
	ID        string    `json:"id"`
	CID       int64     `json:"cid"`
	DBID      int64     `json:"dbid"`
	Database  string    `json:"database"`
	File      string    `json:"file"`
	Mode      string    `json:"mode"`
	User      string    `json:"user"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Received  int       `json:"received"`
	Inserted  int       `json:"inserted"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Deleted   int       `json:"deleted"`
	Invalid   int       `json:"invalid"`
	Error     string    `json:"error,omitempty"`
}

func (s *Server) saveSummary(v JobView) {
	sum := ImportSummary{ID: v.ID, CID: v.CID, DBID: v.DBID, Database: v.Database, File: v.File, Mode: string(v.Mode),
		User: v.User, Started: v.Started.UTC(), Finished: v.Finished.UTC(), Received: v.Result.Received,
		Inserted: v.Result.Inserted, Updated: v.Result.Updated, Unchanged: v.Result.Unchanged,
		Deleted: v.Result.Deleted, Invalid: v.InvalidN, Error: v.Error}
	seq, err := s.cfg.Docs.NextID(collImports, 0)
	if err == nil {
		err = s.cfg.Docs.PutDoc(collImports, fmt.Sprintf("%016d", seq), sum, true)
	}
	if err != nil {
		s.cfg.Log.Error().Err(err).Str("import", v.ID).Msg("save import summary")
	}
}

// recentImports returns the last n finished imports, newest first.
func (s *Server) recentImports(n int) ([]ImportSummary, error) {
	var ring []ImportSummary
	err := s.cfg.Docs.EachDoc(collImports, func(_ string, v []byte) error {
		var sum ImportSummary
		if err := json.Unmarshal(v, &sum); err != nil {
			return err
		}
		ring = append(ring, sum)
		if len(ring) > n {
			ring = ring[1:]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: read imports: %w", err)
	}
	out := make([]ImportSummary, len(ring))
	for i, sum := range ring {
		out[len(ring)-1-i] = sum
	}
	return out, nil
}
