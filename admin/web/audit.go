package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

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

// auditPage returns up to n entries older than before (0: the newest),
// newest first, and the cursor of the next older page (0: none).
func (s *Server) auditPage(n int, before int64) ([]AuditEntry, int64, error) {
	ring := make([]AuditEntry, 0, n+1)
	err := s.cfg.Docs.EachDoc(collAudit, func(_ string, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if before > 0 && e.Seq >= before {
			return nil
		}
		ring = append(ring, e)
		if len(ring) > n+1 {
			ring = ring[1:]
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("web: read audit log: %w", err)
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
}

// Audit serves GET /admin/audit.
func (s *Server) Audit(ctx *fasthttp.RequestCtx) {
	before, _ := strconv.ParseInt(string(ctx.QueryArgs().Peek("before")), 10, 64)
	entries, next, err := s.auditPage(50, before)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	d := AuditData{Entries: entries}
	if next > 0 {
		d.Older = "/admin/audit?before=" + strconv.FormatInt(next, 10)
	}
	s.render(ctx, 200, "audit", &view{Title: "Audit log", Nav: "audit", Data: d})
}
