package web

import (
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/ivr"
)

const importsPerPage = 50

// ImportHistoryData is a database's import history: every import into it,
// newest first, from the stored summaries, so it outlives restarts.
type ImportHistoryData struct {
	DB      ivr.Database
	Imports []HistoryRow
	Older   string
}

// HistoryRow is one import as the history lists it.
type HistoryRow struct {
	ImportSummary
	Running bool
}

// State is the import's outcome in words.
func (r HistoryRow) State() string {
	switch {
	case r.Running:
		return "running"
	case !r.Done():
		return "stopped by a restart"
	case r.Error != "":
		return "failed: " + r.Error
	}
	return "finished"
}

// ImportHistory serves GET .../databases/{dbid}/imports?before=.
func (s *Server) ImportHistory(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	before, _ := strconv.ParseInt(string(ctx.QueryArgs().Peek("before")), 10, 64)
	type entry struct {
		seq int64
		row HistoryRow
	}
	// The newest page of this database's imports older than before; one
	// more than a page tells whether there is an older page.
	ring := make([]entry, 0, importsPerPage+1)
	err := s.eachImport(func(seq int64, sum ImportSummary) bool {
		if sum.CID != db.CID || sum.DBID != db.DBID || (before > 0 && seq >= before) {
			return true
		}
		ring = append(ring, entry{seq, HistoryRow{ImportSummary: sum}})
		if len(ring) > importsPerPage+1 {
			ring = ring[1:]
		}
		return true
	})
	if err != nil {
		s.fail(ctx, err)
		return
	}
	d := ImportHistoryData{DB: db}
	if len(ring) > importsPerPage {
		ring = ring[1:]
		d.Older = dbHref(db) + "/imports?before=" + strconv.FormatInt(ring[0].seq, 10)
	}
	running := s.jobs.runningFor(db.CID, db.DBID)
	for i := len(ring) - 1; i >= 0; i-- {
		r := ring[i].row
		r.Running = running != "" && r.ID == running
		d.Imports = append(d.Imports, r)
	}
	s.render(ctx, 200, "imports", &view{Title: "Imports into " + db.Description, Nav: "clients",
		Crumbs: dbCrumbs(c.Name, db), Data: d})
}

// took is how long something ran, as an admin reads it.
func took(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min " + strconv.Itoa(int(d.Seconds())%60) + " s"
	}
	return strconv.Itoa(int(d.Hours())) + " h " + strconv.Itoa(int(d.Minutes())%60) + " min"
}
