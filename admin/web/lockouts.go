package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/ivr"
)

// LocksData is a database's lockouts page: the ref1 values and callers'
// numbers that missed too often and are refused until their lock ends.
type LocksData struct {
	DB      ivr.Database
	Ref     string // the ref1 column's display name
	Locks   []LockRow
	All     int // locks before the filter
	Q       string
	Problem string
	Now     time.Time
}

// LockRow is one lock as the page lists it.
type LockRow struct {
	ivr.CallerLock
	Left time.Duration
}

// Locks serves GET .../databases/{dbid}/locks?q=: what is locked out now,
// found by any part of the number the caller gives.
func (s *Server) Locks(ctx *fasthttp.RequestCtx) {
	s.locksPage(ctx, 200, LocksData{Q: strings.TrimSpace(string(ctx.QueryArgs().Peek("q")))})
}

func (s *Server) locksPage(ctx *fasthttp.RequestCtx, status int, d LocksData) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	d.DB, d.Ref, d.Now = db, "Reference 1", s.cfg.Now()
	for _, col := range db.Columns {
		if col.IVRField == ivr.RoleRef1 {
			d.Ref = col.Name
		}
	}
	all := s.cfg.Rows.Locks(db.CID, db.DBID)
	d.All = len(all)
	for _, l := range all {
		if d.Q == "" || strings.Contains(l.Value, d.Q) {
			d.Locks = append(d.Locks, LockRow{CallerLock: l, Left: l.Until.Sub(d.Now)})
		}
	}
	s.render(ctx, status, "locks", &view{Title: "Lockouts of " + db.Description, Nav: "clients", Flash: flash(ctx),
		Crumbs: dbCrumbs(c.Name, db), Data: d})
}

// LockLift serves POST .../databases/{dbid}/locks/lift: the merchant's
// office has checked the caller, who may try again at once.
func (s *Server) LockLift(ctx *fasthttp.RequestCtx) {
	_, db, ok := s.database(ctx)
	if !ok {
		return
	}
	kind, value := string(ctx.FormValue("kind")), strings.TrimSpace(string(ctx.FormValue("value")))
	var caller bool
	switch kind {
	case "caller":
		caller = true
	case "ref":
	default:
		s.locksPage(ctx, 400, LocksData{Problem: "Choose a lock from the list to lift: the form did not say which kind it was."})
		return
	}
	if value == "" {
		s.locksPage(ctx, 400, LocksData{Problem: "Choose a lock from the list to lift: the form did not say which."})
		return
	}
	if !s.cfg.Rows.Unlock(db.CID, db.DBID, caller, value) {
		s.locksPage(ctx, 404, LocksData{Problem: "That was not locked out any more: its lock may have just ended, or another admin lifted it."})
		return
	}
	what := "ref " + value
	if caller {
		what = "caller " + value
	}
	s.audit(ctx, sess(ctx).user, "lifted a lockout", dbTarget(db)+": "+what)
	httpx.Redirect(ctx, dbHref(db)+"/locks?"+url.Values{"msg": {"lock-lifted"}}.Encode(), 303)
}

// left is how long a lock has to run, as an admin says it.
func left(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	switch {
	case m <= 1:
		return "under a minute"
	case m < 120:
		return itoa(m) + " minutes"
	}
	return itoa((m+59)/60) + " hours"
}
