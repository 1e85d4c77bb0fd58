package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// TesterData is the lookup tester: the refs as a caller keys them, and
// exactly what the IVR would receive.
type TesterData struct {
	DB     ivr.Database
	Refs   []TesterRef
	Caller string
	Ran    bool
	Status int
	Result string
	JSON   string
	Pretty string // JSON indented, for reading
	Hears  []string
	Speaks money.Language // the language of Hears
	KV     string
	URL    string
	Error  string
}

// TesterRef is one ref column the caller is asked for.
type TesterRef struct {
	Field   ivr.Role
	Col     ivr.Column
	Value   string
	Example string
}

// Tester serves GET .../databases/{dbid}/test?ref1=&ref2=&caller=. A GET
// changes nothing: its lookups run without the caller lockout, so testing
// wrong dates of birth never locks out a real caller.
func (s *Server) Tester(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	args := ctx.QueryArgs()
	d := TesterData{DB: db, Caller: string(args.Peek("caller")), Ran: args.Has("run")}
	q := url.Values{}
	for _, f := range ivr.RefRoles() {
		for _, col := range db.Columns {
			if col.IVRField == f {
				v := string(args.Peek(string(f)))
				d.Refs = append(d.Refs, TesterRef{Field: f, Col: col, Value: v, Example: example(col)})
				q.Set(string(f), v)
			}
		}
	}
	if d.Caller != "" {
		q.Set("caller", d.Caller)
	}
	if d.Ran {
		param := func(name string) (string, bool) {
			for k, vs := range q {
				if strings.EqualFold(k, name) && len(vs) > 0 && args.Has(k) {
					return vs[0], true
				}
			}
			return "", false
		}
		res, err := s.cfg.Tester.Lookup(db.CID, db.DBID, ivr.Query{Param: param, Caller: d.Caller})
		if err != nil {
			d.Error = "The IVR would get an error: " + trimPrefix(err) + ". Check the database's fields."
		} else {
			d.Status, d.Result = ivr.HTTPStatus(res.Status), res.Status
			raw := ivr.JSONFormat{}.AppendResult(nil, res)
			d.JSON, d.Pretty = string(raw), string(raw)
			var pretty bytes.Buffer
			if json.Indent(&pretty, raw, "", "  ") == nil {
				d.Pretty = pretty.String()
			}
			d.KV = string(ivr.KVFormat{}.AppendResult(nil, res))
			// What a call tonebase runs itself says, from the same refs:
			// the call flow's own sentences, in the database's language.
			if turn, err := callflow.New(s.cfg.Tester).Complete(db.CID, db.DBID, param, d.Caller); err == nil {
				d.Hears, d.Speaks = turn.Say, turn.Language
			}
		}
		d.URL = fmt.Sprintf("/ivr/v1/%d/%d/lookup?%s", db.CID, db.DBID, q.Encode())
	}
	s.render(ctx, 200, "tester", &view{Title: "Lookup tester", Nav: "clients", Crumbs: dbCrumbs(c.Name, db), Data: d})
}

func example(c ivr.Column) string {
	if c.Type == columndb.TypeDate {
		return string(c.Format)
	}
	if c.MinDTMF == c.MaxDTMF {
		return fmt.Sprintf("%d digits", c.MinDTMF)
	}
	return fmt.Sprintf("%d to %d digits", c.MinDTMF, c.MaxDTMF)
}
