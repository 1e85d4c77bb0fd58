package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

const collAudit = "webaudit"

// AuditEntry is one admin action: who did what to which thing, and when.
// An action on a client, a database or a row names them, so the log can
// be filtered by them and a row's page can show its history.
type AuditEntry struct {
	Seq     int64         `json:"seq"`
	When    time.Time     `json:"when"`
	Who     string        `json:"who"`
	Action  string        `json:"action"`
	Target  string        `json:"target,omitempty"`
	IP      string        `json:"ip,omitempty"`
	CID     int64         `json:"cid,omitempty"`
	DBID    int64         `json:"dbid,omitempty"`
	Row     string        `json:"row,omitempty"` // the row's key values, escaped and joined by "/"
	Changes []FieldChange `json:"changes,omitempty"`
}

// FieldChange is one value a saved row changed. A column hidden from the
// client keeps its values out of the log: only that it changed.
type FieldChange struct {
	Column string `json:"column"`
	Name   string `json:"name"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	Hidden bool   `json:"hidden,omitempty"`
}

// audit records an action. A failure to record is logged, not shown: the
// action itself has already happened.
func (s *Server) audit(ctx *fasthttp.RequestCtx, who, action, target string) {
	s.record(ctx, AuditEntry{Who: who, Action: action, Target: target})
}

// record writes e to the audit log, and to its row's history if it names
// a row.
func (s *Server) record(ctx *fasthttp.RequestCtx, e AuditEntry) {
	// An action on a client's or a database's page names them in its
	// address, so the log can be filtered by them.
	if cid, ok := tenant.ParseCID(userValue(ctx, "cid")); ok && e.CID == 0 {
		e.CID = cid
		if dbid, err := strconv.ParseInt(userValue(ctx, "dbid"), 10, 64); err == nil && dbid > 0 && e.DBID == 0 {
			e.DBID = dbid
		}
	}
	seq, err := s.cfg.Docs.NextID(collAudit, 0)
	if err == nil {
		e.Seq, e.When, e.IP = seq, s.cfg.Now().UTC().Truncate(time.Second), ctx.RemoteIP().String()
		err = s.cfg.Docs.PutDoc(collAudit, fmt.Sprintf("%016d", seq), e, true)
	}
	if err == nil && e.Row != "" {
		err = s.cfg.Docs.PutDoc(rowHistory(e.CID, e.DBID, e.Row), fmt.Sprintf("%016d", seq), e, true)
	}
	if err != nil {
		s.cfg.Log.Error().Err(err).Str("who", e.Who).Str("action", e.Action).Msg("audit log")
	}
}

// rowHistory is the collection of one row's audit entries. Escaping keeps
// any key value (a 0 byte, a slash) from running into another row's.
func rowHistory(cid, dbid int64, row string) string {
	return fmt.Sprintf("webauditrow/%d/%d/%s", cid, dbid, row)
}

// rowKey names a row by its key values for the audit log.
func rowKey(keys []string) string {
	esc := make([]string, len(keys))
	for i, k := range keys {
		esc[i] = url.PathEscape(k)
	}
	return strings.Join(esc, "/")
}

// rowLog is a row's audit entries, newest first.
func (s *Server) rowLog(cid, dbid int64, keys []string) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.cfg.Docs.EachDoc(rowHistory(cid, dbid, rowKey(keys)), func(_ string, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: read a row's history: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// changes compares a row before and after a save (nil before: a new row;
// nil after: deleted), column by column, masking hidden columns.
func changes(cols []ivr.Column, before, after map[string]string) []FieldChange {
	var out []FieldChange
	for _, c := range cols {
		b, a := before[c.ID], after[c.ID]
		if b == a {
			continue
		}
		fc := FieldChange{Column: c.ID, Name: c.Name, Before: b, After: a}
		if !c.Visible {
			fc.Before, fc.After, fc.Hidden = "", "", true
		}
		out = append(out, fc)
	}
	return out
}

// AuditFilter selects audit entries: all its set fields must hold.
type AuditFilter struct {
	Who      string
	CID      int64
	DBID     int64
	From, To time.Time // days, UTC; To inclusive
}

// Any reports whether the filter selects anything less than everything.
func (f AuditFilter) Any() bool {
	return f.Who != "" || f.CID != 0 || f.DBID != 0 || !f.From.IsZero() || !f.To.IsZero()
}

func (f AuditFilter) keeps(e *AuditEntry) bool {
	switch {
	case f.Who != "" && !strings.EqualFold(e.Who, f.Who),
		f.CID != 0 && e.CID != f.CID,
		f.DBID != 0 && e.DBID != f.DBID,
		!f.From.IsZero() && e.When.Before(f.From),
		!f.To.IsZero() && !e.When.Before(f.To.AddDate(0, 0, 1)):
		return false
	}
	return true
}

// query is the filter as the audit page's address carries it.
func (f AuditFilter) query() url.Values {
	q := url.Values{}
	if f.Who != "" {
		q.Set("who", f.Who)
	}
	if f.CID != 0 {
		q.Set("cid", strconv.FormatInt(f.CID, 10))
	}
	if f.DBID != 0 {
		q.Set("dbid", strconv.FormatInt(f.DBID, 10))
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.Format(time.DateOnly))
	}
	return q
}

// eachAudit calls fn with every entry f keeps, oldest first.
func (s *Server) eachAudit(f AuditFilter, fn func(e *AuditEntry) error) error {
	err := s.cfg.Docs.EachDoc(collAudit, func(_ string, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if !f.keeps(&e) {
			return nil
		}
		return fn(&e)
	})
	if err != nil {
		return fmt.Errorf("web: read audit log: %w", err)
	}
	return nil
}

// auditPage returns up to n entries f keeps older than before (0: the
// newest), newest first, and the cursor of the next older page (0: none).
func (s *Server) auditPage(f AuditFilter, n int, before int64) ([]AuditEntry, int64, error) {
	ring := make([]AuditEntry, 0, n+1)
	err := s.eachAudit(f, func(e *AuditEntry) error {
		if before > 0 && e.Seq >= before {
			return nil
		}
		ring = append(ring, *e)
		if len(ring) > n+1 {
			ring = ring[1:]
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(ring) > n {
		ring = ring[1:]
		next = ring[0].Seq
	}
	out := make([]AuditEntry, len(ring))
	for i, e := range ring {
		out[len(ring)-1-i] = e
	}
	return out, next, nil
}

// AuditData is what the audit page shows.
type AuditData struct {
	Entries []AuditEntry
	Older   string
	Filter  AuditFilter
	Typed   map[string]string // the filter as typed, for the form
	Errors  map[string]string
	Users   []string
	Clients []tenant.Client
	CSV     string // the address of this filter's CSV export
}

// auditFilter reads the filter from the query, saying what is wrong with
// each field that is.
func (s *Server) auditFilter(args *fasthttp.Args) (AuditFilter, map[string]string, map[string]string) {
	var f AuditFilter
	typed, errs := map[string]string{}, map[string]string{}
	for _, k := range []string{"who", "cid", "dbid", "from", "to"} {
		typed[k] = strings.TrimSpace(string(args.Peek(k)))
	}
	f.Who = strings.ToLower(typed["who"])
	if v := typed["cid"]; v != "" {
		cid, ok := tenant.ParseCID(v)
		if !ok {
			errs["cid"] = "Choose a client from the list."
		}
		f.CID = cid
	}
	if v := typed["dbid"]; v != "" {
		dbid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || dbid <= 0 || dbid > ivr.MaxDBID {
			errs["dbid"] = "A database id is a whole number from 1."
		}
		f.DBID = dbid
	}
	for _, k := range []string{"from", "to"} {
		if v := typed[k]; v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				errs[k] = "Give the day as year-month-day, such as 2026-03-14."
			}
			if k == "from" {
				f.From = d
			} else {
				f.To = d
			}
		}
	}
	if len(errs) == 0 && !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		errs["to"] = "The last day is before the first."
	}
	return f, typed, errs
}

// Audit serves GET /admin/audit?who=&cid=&dbid=&from=&to=&before=.
func (s *Server) Audit(ctx *fasthttp.RequestCtx) {
	f, typed, errs := s.auditFilter(ctx.QueryArgs())
	d := AuditData{Filter: f, Typed: typed, Errors: errs, Clients: s.cfg.Clients.List()}
	if all, err := s.users.list(); err == nil {
		for _, u := range all {
			d.Users = append(d.Users, u.Name)
		}
	}
	status := 200
	if len(errs) > 0 {
		status = 400
	} else {
		before, _ := strconv.ParseInt(string(ctx.QueryArgs().Peek("before")), 10, 64)
		entries, next, err := s.auditPage(f, 50, before)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		d.Entries = s.readable(entries)
		q := f.query()
		d.CSV = "/admin/audit.csv?" + q.Encode()
		if next > 0 {
			q.Set("before", strconv.FormatInt(next, 10))
			d.Older = "/admin/audit?" + q.Encode()
		}
	}
	s.render(ctx, status, "audit", &view{Title: "Audit log", Nav: "audit", Data: d})
}

// readable shows the values of saved rows' changes as the row pages do
// (£20.00, 01/02/1990), in the database's columns as they are now; the
// log itself keeps them as stored, and so does its CSV.
func (s *Server) readable(entries []AuditEntry) []AuditEntry {
	dbs := map[[2]int64]*ivr.Database{}
	for i := range entries {
		e := &entries[i]
		if len(e.Changes) == 0 {
			continue
		}
		k := [2]int64{e.CID, e.DBID}
		db, seen := dbs[k]
		if !seen {
			if got, err := s.cfg.Databases.Get(e.CID, e.DBID); err == nil {
				db = &got
			}
			dbs[k] = db
		}
		if db == nil {
			continue // deleted since: shown as stored
		}
		shown := make([]FieldChange, len(e.Changes))
		for j, c := range e.Changes {
			c.Before, c.After = cellOf(*db, c.Column, c.Before), cellOf(*db, c.Column, c.After)
			shown[j] = c
		}
		e.Changes = shown
	}
	return entries
}

// AuditCSV serves GET /admin/audit.csv with the audit page's filter: every
// entry it keeps, oldest first, streamed. Each cell is spreadsheet-safe:
// entries repeat what admins typed.
func (s *Server) AuditCSV(ctx *fasthttp.RequestCtx) {
	f, _, errs := s.auditFilter(ctx.QueryArgs())
	if len(errs) > 0 {
		for _, reason := range errs {
			s.fail(ctx, fmt.Errorf("%w: %s", errBadInput, strings.TrimSuffix(reason, ".")))
			return
		}
	}
	s.audit(ctx, sess(ctx).user, "exported the audit log", f.query().Encode())
	ctx.Response.Header.Set("Content-Disposition", `attachment; filename="tonebase-audit.csv"`)
	ctx.SetContentType("text/csv; charset=utf-8")
	log, id := s.cfg.Log, httpx.RequestID(ctx)
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"seq", "when", "who", "action", "target", "client", "database", "row", "changes", "from"})
		err := s.eachAudit(f, func(e *AuditEntry) error {
			rec := []string{strconv.FormatInt(e.Seq, 10), e.When.UTC().Format(time.RFC3339), e.Who, e.Action, e.Target,
				idOrEmpty(e.CID), idOrEmpty(e.DBID), e.Row, changeText(e.Changes), e.IP}
			return cw.Write(spreadsheetSafeRecord(rec))
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err != nil {
			log.Warn().Err(err).Str("request_id", id).Msg("audit export stopped")
		}
	})
}

func idOrEmpty(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// changeText is a row's changes in one cell: "colC Balance: 1250 -> 2000".
func changeText(cs []FieldChange) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		if c.Hidden {
			parts[i] = c.Column + " " + c.Name + ": changed (hidden from the client)"
			continue
		}
		parts[i] = c.Column + " " + c.Name + ": " + c.Before + " -> " + c.After
	}
	return strings.Join(parts, "; ")
}
