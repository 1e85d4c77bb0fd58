package web

import (
	"time"

	"github.com/valyala/fasthttp"
)

// DashboardData is the first page after sign-in.
type DashboardData struct {
	Clients   int
	Databases int
	Rows      int64
	Lookups   []Outcome
	Total     int64
	Since     time.Time
	Running   []JobView
	Imports   []ImportSummary
	Audit     []AuditEntry
}

// Dashboard serves GET /admin/.
func (s *Server) Dashboard(ctx *fasthttp.RequestCtx) {
	var d DashboardData
	for _, c := range s.cfg.Clients.List() {
		d.Clients++
		dbs, err := s.cfg.Databases.List(c.CID)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		d.Databases += len(dbs)
		for _, db := range dbs {
			d.Rows += db.Rows
		}
	}
	d.Lookups, d.Since = s.history.lastDay()
	for _, o := range d.Lookups {
		d.Total += o.Count
	}
	for _, j := range s.jobs.list() {
		if !j.Done {
			d.Running = append(d.Running, j)
		}
	}
	var err error
	if d.Imports, err = s.recentImports(10); err != nil {
		s.fail(ctx, err)
		return
	}
	if d.Audit, _, err = s.auditPage(AuditFilter{}, 10, 0); err != nil {
		s.fail(ctx, err)
		return
	}
	s.render(ctx, 200, "dashboard", &view{Title: "Dashboard", Nav: "dashboard", Data: d})
}
