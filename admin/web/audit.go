package web

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

const collAudit = "webaudit"

// AuditEntry is one admin action: who did what to which thing, and when.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	When   time.Time `json:"when"`
	Who    string    `json:"who"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	IP     string    `json:"ip,omitempty"`
}

// audit records an action. A failure to record is logged, not shown: the
// action itself has already happened.
func (s *Server) audit(ctx *fasthttp.RequestCtx, who, action, target string) {
	seq, err := s.cfg.Docs.NextID(collAudit, 0)
	if err == nil {
		e := AuditEntry{Seq: seq, When: s.cfg.Now().UTC().Truncate(time.Second), Who: who, Action: action,
			Target: target, IP: ctx.RemoteIP().String()}
		err = s.cfg.Docs.PutDoc(collAudit, fmt.Sprintf("%016d", seq), e, true)
	}
	if err != nil {
		s.cfg.Log.Error().Err(err).Str("who", who).Str("action", action).Msg("audit log")
	}
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
