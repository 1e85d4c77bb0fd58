package web

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// FieldsData is the Database Fields page: one row per column, and the
// settings of the database's calls.
type FieldsData struct {
	DB       ivr.Database
	Problems []string
	// Calls is what the calls form shows: the stored settings, or those
	// just refused, with the reason for each refused field in Errors.
	Calls      ivr.Telephony
	Errors     map[string]string
	Languages  []money.Language
	Currencies []money.Currency
}

// SoundField is the calls form's input for the Asterisk sound played
// before one ref is asked for.
type SoundField struct {
	Input string // the form field: agi_ref1, …
	Name  string // the ref column's display name
	Value string
}

// Sounds are the calls form's sound inputs, one per ref column in order.
func (d FieldsData) Sounds() []SoundField {
	var out []SoundField
	for _, c := range d.DB.Columns {
		if !c.IVRField.IsRef() {
			continue
		}
		f := SoundField{Input: soundInput(c.IVRField), Name: c.Name}
		if d.Calls.AGI != nil {
			f.Value = d.Calls.AGI.Prompts[string(c.IVRField)]
		}
		out = append(out, f)
	}
	return out
}

// soundInput is the form field of a ref's sound.
func soundInput(ref ivr.Role) string { return "agi_" + string(ref) }

// Fields serves GET /admin/clients/{cid}/databases/{dbid}.
func (s *Server) Fields(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	s.fieldsPage(ctx, 200, c, db, nil)
}

func (s *Server) fieldsPage(ctx *fasthttp.RequestCtx, status int, c tenant.Client, db ivr.Database, problems []string) {
	s.fieldsPageWith(ctx, status, c, FieldsData{DB: db, Calls: db.Telephony}, problems)
}

func (s *Server) fieldsPageWith(ctx *fasthttp.RequestCtx, status int, c tenant.Client, d FieldsData, problems []string) {
	d.Problems, d.Languages, d.Currencies = readable(problems), money.Languages(), money.Currencies()
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(ctx, status, "database", &view{Title: d.DB.Description, Nav: "clients", Flash: flash(ctx),
		Crumbs: dbCrumbs(c.Name, d.DB)[:2], Data: d})
}

// FieldData is the edit form of one column, with the reason for each
// refused field next to it.
type FieldData struct {
	DB      ivr.Database
	Col     ivr.Column
	New     bool
	Errors  map[string]string
	General []string
	Types   []columndb.Type
	Formats []columndb.DateFormat
	IVR     []ivr.Role
	Min     string
	Max     string
}

func (s *Server) fieldForm(ctx *fasthttp.RequestCtx, status int, c tenant.Client, d FieldData) {
	d.Types, d.Formats, d.IVR = columndb.Types(), columndb.DateFormats(), ivr.Roles()
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	title := "Edit " + d.Col.ID
	if d.New {
		title = "Add a field"
	}
	s.render(ctx, status, "field", &view{Title: title, Nav: "clients", Crumbs: dbCrumbs(c.Name, d.DB), Data: d})
}

func dtmfText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// FieldEdit serves GET .../databases/{dbid}/fields/{col}; col "new" adds one.
func (s *Server) FieldEdit(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	id := userValue(ctx, "col")
	if id == "new" {
		col := ivr.Column{ID: nextColumnID(db.Columns), Type: columndb.TypeText, Visible: true, IVRField: ivr.RoleNone}
		s.fieldForm(ctx, 200, c, FieldData{DB: db, Col: col, New: true})
		return
	}
	pos := columnPos(db.Columns, id)
	if pos < 0 {
		s.fail(ctx, errNoPage)
		return
	}
	col := db.Columns[pos]
	s.fieldForm(ctx, 200, c, FieldData{DB: db, Col: col, Min: dtmfText(col.MinDTMF), Max: dtmfText(col.MaxDTMF)})
}

func columnPos(cols []ivr.Column, id string) int {
	return slices.IndexFunc(cols, func(c ivr.Column) bool { return c.ID == id })
}

// nextColumnID is the first of colA…colZ, colAA… not yet used.
func nextColumnID(cols []ivr.Column) string {
	used := map[string]bool{}
	for _, c := range cols {
		used[c.ID] = true
	}
	for i := 0; ; i++ {
		id := "col"
		if i >= 26 {
			id += string(rune('A' + i/26 - 1))
		}
		id += string(rune('A' + i%26))
		if !used[id] {
			return id
		}
	}
}

// FieldPost serves POST .../databases/{dbid}/fields/{col}: "Update Field".
func (s *Server) FieldPost(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	id := userValue(ctx, "col")
	d := FieldData{DB: db, New: id == "new", Errors: map[string]string{}}
	pos := len(db.Columns)
	if d.New {
		id = nextColumnID(db.Columns)
	} else if pos = columnPos(db.Columns, id); pos < 0 {
		s.fail(ctx, errNoPage)
		return
	}
	d.Col, d.Min, d.Max = columnFromForm(ctx, id, d.Errors)
	if len(d.Errors) > 0 {
		s.fieldForm(ctx, 400, c, d)
		return
	}
	cols := slices.Clone(db.Columns)
	if d.New {
		cols = append(cols, d.Col)
	} else {
		cols[pos] = d.Col
	}
	problems, err := s.redefine(db, cols, db.Telephony)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if len(problems) > 0 {
		for _, p := range problems {
			if field := formField(p.Field); p.Column == id && field != "" && d.Errors[field] == "" {
				d.Errors[field] = readable([]string{p.Reason})[0]
				continue
			}
			d.General = append(d.General, readable([]string{p.String()})...)
		}
		s.fieldForm(ctx, 400, c, d)
		return
	}
	action, msg := "edited field", "field-saved"
	if d.New {
		action, msg = "added field", "field-added"
	}
	s.audit(ctx, sess(ctx).user, action, dbTarget(db)+": "+id+" "+d.Col.Name)
	httpx.Redirect(ctx, dbHref(db)+"?msg="+msg, 303)
}

// redefine stores new columns and call settings and returns the schema's
// refusals, each naming its column or setting and field; other errors are
// returned as errors.
func (s *Server) redefine(db ivr.Database, cols []ivr.Column, tel ivr.Telephony) ([]columndb.Problem, error) {
	_, err := s.cfg.Databases.Update(db.CID, db.DBID, ivr.DatabaseSpec{Description: db.Description, Columns: cols, Telephony: tel})
	if err == nil {
		return nil, nil
	}
	if problems, ok := columndb.ProblemsOf(err); ok {
		return problems, nil
	}
	if errors.Is(err, ivr.ErrConflict) {
		// A conflict without structured problems: the reasons, if any,
		// follow the engine's words.
		msg := trimPrefix(err)
		var out []columndb.Problem
		if i := strings.Index(msg, "rows: "); i >= 0 {
			for _, r := range strings.Split(msg[i+len("rows: "):], "; ") {
				out = append(out, columndb.Problem{Code: columndb.CodeIncompatible, Reason: r})
			}
			return out, nil
		}
		return []columndb.Problem{{Code: columndb.CodeInvalid, Reason: msg}}, nil
	}
	return nil, err
}

// columnFromForm reads the guide's fields of one column; errs gets the
// fields that are not even well-formed.
func columnFromForm(ctx *fasthttp.RequestCtx, id string, errs map[string]string) (ivr.Column, string, string) {
	v := func(k string) string { return strings.TrimSpace(string(ctx.FormValue(k))) }
	col := ivr.Column{ID: id, Name: v("name"), Type: columndb.Type(v("type")),
		Visible: v("visible") == "show", Required: v("required") == "required",
		PrimaryKey: v("primary_key") == "identifier", IVRField: ivr.Role(v("ivr_field"))}
	if col.Type == columndb.TypeDate {
		col.Format = columndb.DateFormat(v("format"))
	}
	for _, f := range []struct{ key, val string }{{"visible", v("visible")}, {"required", v("required")}, {"primary_key", v("primary_key")}} {
		if f.val == "" {
			errs[f.key] = "Choose one."
		}
	}
	minText, maxText := v("min_dtmf"), v("max_dtmf")
	num := func(key, s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			errs[key] = "Enter a whole number of digits, or leave it empty."
		}
		return n
	}
	col.MinDTMF, col.MaxDTMF = num("min_dtmf", minText), num("max_dtmf", maxText)
	return col, minText, maxText
}

// formField is the form field a problem with a column's field is shown
// next to: the form has one place for the digit range, and none for the id.
func formField(field string) string {
	switch field {
	case "min_dtmf", "max_dtmf":
		return "max_dtmf"
	case "name", "type", "format", "required", "ivr_field", "primary_key":
		return field
	}
	return ""
}

var apiWords = strings.NewReplacer("min_dtmf", "Min DTMF IP", "max_dtmf", "Max DTMF IP", "ivr_field", "IVR Control Field",
	"redirect_url", "Redirect URL", "auth_token", "The auth token")

// readable rewrites the API's field names into the page's labels.
func readable(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = apiWords.Replace(p)
	}
	return out
}

// FieldMove serves POST .../fields/{col}/move with dir=up or dir=down.
func (s *Server) FieldMove(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	id := userValue(ctx, "col")
	pos := columnPos(db.Columns, id)
	to := pos - 1
	if string(ctx.FormValue("dir")) == "down" {
		to = pos + 1
	}
	if pos < 0 || to < 0 || to >= len(db.Columns) {
		s.fieldsPage(ctx, 400, c, db, []string{id + ": it cannot move that way."})
		return
	}
	cols := slices.Clone(db.Columns)
	cols[pos], cols[to] = cols[to], cols[pos]
	s.applyColumns(ctx, c, db, cols, "moved field", id, "field-moved")
}

// FieldRemove serves POST .../fields/{col}/remove.
func (s *Server) FieldRemove(ctx *fasthttp.RequestCtx) {
	c, db, ok := s.database(ctx)
	if !ok {
		return
	}
	id := userValue(ctx, "col")
	pos := columnPos(db.Columns, id)
	if pos < 0 {
		s.fail(ctx, errNoPage)
		return
	}
	cols := slices.Delete(slices.Clone(db.Columns), pos, pos+1)
	s.applyColumns(ctx, c, db, cols, "removed field", id, "field-removed")
}

func (s *Server) applyColumns(ctx *fasthttp.RequestCtx, c tenant.Client, db ivr.Database, cols []ivr.Column, action, id, msg string) {
	problems, err := s.redefine(db, cols, db.Telephony)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if len(problems) > 0 {
		s.fieldsPage(ctx, 409, c, db, columndb.Texts(problems))
		return
	}
	s.audit(ctx, sess(ctx).user, action, dbTarget(db)+": "+id)
	httpx.Redirect(ctx, dbHref(db)+"?msg="+msg, 303)
}
