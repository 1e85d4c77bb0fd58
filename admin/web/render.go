package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// view is what every page template receives: the layout's parts and the
// page's own Data.
type view struct {
	Title  string
	User   string
	CSRF   string
	Nav    string // which main section is current
	Crumbs []Link
	Flash  string
	Data   any
}

// Link is a labelled address.
type Link struct{ Href, Text string }

type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"cell":     cell,
	"cellOf":   cellOf,
	"numeric":  numeric,
	"num":      number,
	"plural":   plural,
	"noun":     noun,
	"outcome":  outcome,
	"bytes":    byteSize,
	"left":     left,
	"took":     took,
	"minor":    minor,
	"amountIn": func(db ivr.Database, n int64) string { return amount(currencyOf(db), n) },
	"day":      func(t time.Time) string { return t.Format("Mon 2 Jan 2006") },
	"seconds":  func(n int64) time.Duration { return time.Duration(n) * time.Second },
	"pkq":      pkQuery,
	"when":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"add":      func(a, b int) int { return a + b },
	"pct":      func(n, d int64) int64 { return percent(n, d) },
	"join":     strings.Join,
	"label":    label,
	"cols":     func(cs []ivr.Column) string { return columnIDs(cs) },
}

func loadPages() (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// write renders a page into w.
func (p *pages) write(w io.Writer, name string, v *view) error {
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("web: no template %s", name)
	}
	return t.ExecuteTemplate(w, "layout.html", v)
}

// render answers with a page. The page is rendered into a buffer first so
// a template error becomes an error page, not half a page.
func (s *Server) render(ctx *fasthttp.RequestCtx, status int, name string, v *view) {
	if ss := sess(ctx); ss.id != "" {
		v.User, v.CSRF = ss.user, ss.csrf
	}
	var buf bytes.Buffer
	if err := s.pages.write(&buf, name, v); err != nil {
		s.cfg.Log.Error().Err(err).Str("page", name).Msg("render")
		ctx.SetStatusCode(500)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("The page could not be drawn. Try again; if it keeps happening, the server log has the details.")
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetBody(buf.Bytes())
}

// ErrorData is what an error page shows: what went wrong and what to do.
type ErrorData struct {
	Status    int
	Message   string
	Next      string
	NextHref  string
	RequestID string
}

var (
	errForged   = errors.New("web: form token missing or stale")
	errNoJob    = errors.New("web: no such import")
	errNoPage   = errors.New("web: no such page")
	errBusy     = errors.New("web: an import into this database is running")
	errBadInput = errors.New("web: invalid input")
)

// fail maps an error kind to a status and an error page that says what to
// do next: the one place the pages decide.
func (s *Server) fail(ctx *fasthttp.RequestCtx, err error) {
	headers(ctx)
	d := ErrorData{RequestID: httpx.RequestID(ctx), Next: "Go to the dashboard", NextHref: "/admin/"}
	client := "/admin/clients"
	if cid, ok := tenant.ParseCID(userValue(ctx, "cid")); ok {
		client = fmt.Sprintf("/admin/clients/%d", cid)
	}
	var schema *columndb.SchemaError
	switch {
	case errors.Is(err, errForged):
		d.Status, d.Message = 403, "This form was out of date: it was opened before you last signed in, or in another session."
		d.Next, d.NextHref = "Go back, reload the page and submit it again", safeNext(string(ctx.Referer()))
	case errors.Is(err, tenant.ErrNotFound):
		d.Status, d.Message = 404, "There is no such client."
		d.Next, d.NextHref = "Pick a client from the list", "/admin/clients"
	case errors.Is(err, ivr.ErrNoDatabase):
		d.Status, d.Message = 404, "This client has no such database."
		d.Next, d.NextHref = "Pick one of the client's databases", client
	case errors.Is(err, ivr.ErrNoRow):
		d.Status, d.Message = 404, "That row is not stored: it may have been deleted."
		d.Next, d.NextHref = "Search the rows again", strings.TrimSuffix(string(ctx.Path()), "/row")+"/rows"
	case errors.Is(err, errNoJob):
		d.Status, d.Message = 404, "There is no such import."
		d.Next, d.NextHref = "See recent imports on the dashboard", "/admin/"
	case errors.Is(err, errRejectsElsewhere):
		d.Status, d.Message = 404, "The refused lines of this import are in the work folder of the server that ran it, not this one."
		d.Next, d.NextHref = "Open this import's page on the server that ran it and download them there", "/admin/"
	case errors.Is(err, errNoRejects):
		d.Status, d.Message = 404, "The refused lines of this import are no longer in the server's work folder: someone removed the file."
		d.Next, d.NextHref = "Import the original file again to see them", "/admin/"
	case errors.Is(err, customer.ErrNotFound):
		d.Status, d.Message = 404, "This client has no such customer."
		d.Next, d.NextHref = "Search the client's customers", client+"/customers"
	case errors.Is(err, errNoCustomers):
		d.Status, d.Message = 404, "This server does not keep customers."
	case errors.Is(err, errNoPage):
		d.Status, d.Message = 404, "There is no page at this address."
	case errors.Is(err, errBusy):
		d.Status, d.Message = 409, "An import into this database is already running."
		d.Next, d.NextHref = "Wait for it to finish, then try again", client
	case errors.As(err, &schema):
		d.Status, d.Message = 400, "The database definition is not valid: "+strings.Join(columndb.Texts(schema.Problems), "; ")
		d.Next, d.NextHref = "Go back and correct it", client
	case errors.Is(err, errBadInput), errors.Is(err, ivr.ErrInvalid), errors.Is(err, tenant.ErrInvalid):
		d.Status, d.Message = 400, trimPrefix(err)
		d.Next, d.NextHref = "Go back, correct it and try again", client
	case errors.Is(err, ivr.ErrConflict), errors.Is(err, tenant.ErrExists):
		d.Status, d.Message = 409, trimPrefix(err)
		d.Next, d.NextHref = "Go back and choose differently", client
	case errors.Is(err, columndb.ErrUnavailable), errors.Is(err, columndb.ErrConflict):
		s.cfg.Log.Warn().Err(err).Str("request_id", d.RequestID).Msg("admin page: write refused")
		d.Status, d.Message = 503, "Nothing was saved: "+httpx.NoQuorum+"."
		if errors.Is(err, columndb.ErrConflict) {
			d.Message = "Nothing was saved: " + httpx.Contended + "."
		}
		d.Next = "Try again in a few seconds"
	case errors.Is(err, errNoCluster):
		s.cfg.Log.Error().Err(err).Str("request_id", d.RequestID).Msg("admin page: cluster out of reach")
		d.Status, d.Message = 503, "The cluster's shared state cannot be reached from this server: nothing was changed."
		d.Next = "Try again in a moment, or on another node"
	case errors.Is(err, diskfree.ErrLow):
		s.cfg.Log.Warn().Err(err).Str("request_id", d.RequestID).Msg("admin page: write refused")
		d.Status, d.Message = 507, "The server's disk is full: nothing was saved. Writes are refused until space is freed on it; lookups and these pages still read."
		d.Next = "Free space on the server's disk (or ask whoever runs tonebase to), then try again"
	default:
		s.cfg.Log.Error().Err(err).Str("request_id", d.RequestID).Str("path", string(ctx.Path())).Msg("admin page")
		d.Status, d.Message = 500, "Something went wrong on the server."
		d.Next = "Try again. If it keeps happening, give the request id below to whoever runs tonebase: the server log has the details"
	}
	s.render(ctx, d.Status, "error", &view{Title: statusTitle(d.Status), Data: d})
}

func statusTitle(status int) string {
	switch status {
	case 400:
		return "Check what you entered"
	case 403:
		return "Form out of date"
	case 404:
		return "Not found"
	case 409:
		return "Not possible right now"
	case 507:
		return "Disk full"
	}
	return "Server error"
}

// NotFound answers any /admin/ address that is no page; /admin itself
// goes to the dashboard, since the router matches it and /admin/ as one.
func (s *Server) NotFound(ctx *fasthttp.RequestCtx) {
	if string(ctx.Path()) == "/admin" {
		httpx.Redirect(ctx, "/admin/", 301)
		return
	}
	s.fail(ctx, errNoPage)
}

// IsPage reports whether a path belongs to these pages rather than to the
// admin JSON API, so the router's not-found answer can be a page.
func IsPage(p []byte) bool {
	s := string(p)
	return (s == "/admin" || strings.HasPrefix(s, "/admin/")) && !strings.HasPrefix(s, "/admin/api/")
}

// Static serves GET /admin/static/{file}: the stylesheet and script.
func (s *Server) Static(ctx *fasthttp.RequestCtx) {
	name := userValue(ctx, "file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		ctx.SetStatusCode(404)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("no such file")
		return
	}
	switch path.Ext(name) {
	case ".css":
		ctx.SetContentType("text/css; charset=utf-8")
	case ".js":
		ctx.SetContentType("text/javascript; charset=utf-8")
	case ".svg":
		ctx.SetContentType("image/svg+xml")
	}
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.Set("Cache-Control", "public, max-age=3600")
	ctx.SetBody(b)
}

// flash turns a ?msg= code into its sentence; codes keep arbitrary text
// out of pages.
func flash(ctx *fasthttp.RequestCtx) string {
	return flashes[string(ctx.QueryArgs().Peek("msg"))]
}

var flashes = map[string]string{
	"signed-out":        "You have signed out.",
	"twilio-set":        "Twilio auth token saved. It is not shown again; Twilio's webhooks for this client are now checked with it.",
	"twilio-removed":    "Twilio auth token removed: this client's Twilio webhooks are refused until one is set.",
	"calls-saved":       "Call settings saved.",
	"expired":           "Your session had ended, so nothing was saved. Sign in and do it again.",
	"suspended":         "The client is suspended: its uploads and lookups are refused until it is reactivated.",
	"active":            "The client is active again.",
	"hmac-required":     "Uploads signed with a Hash alone are now refused: this client must send X-Tonebase-Timestamp and X-Tonebase-Signature.",
	"hmac-optional":     "Uploads signed with ActivePay's Hash are accepted again.",
	"db-created":        "Database created. Now set up its fields: press Edit against colA.",
	"db-deleted":        "The database and all its rows were deleted.",
	"field-saved":       "Field updated.",
	"field-added":       "Field added.",
	"field-moved":       "Field moved.",
	"field-removed":     "Field removed.",
	"row-saved":         "Row saved.",
	"row-deleted":       "Row deleted.",
	"renamed":           "Client renamed.",
	"description-saved": "Description saved.",
	"user-added":        "Admin user added. Give them their first password in person; they can change it on their account page.",
	"user-disabled":     "Admin user disabled and signed out everywhere.",
	"user-enabled":      "Admin user enabled: they can sign in again.",
	"user-removed":      "Admin user removed.",
	"password-changed":  "Password changed. Your other sessions have ended.",
	"lock-lifted":       "Lock lifted: the caller can ring again now.",
	"rows-deleted":      "The rows the search found were deleted.",

	"pay-connector-set":     "Pay connector credentials saved. They are not shown again; enter the same username and password in the Twilio console's Generic Pay Connector.",
	"pay-connector-removed": "Pay connector credentials removed: Twilio's Generic Pay Connector requests for this client are refused.",
}

func userValue(ctx *fasthttp.RequestCtx, name string) string {
	v, _ := ctx.UserValue(name).(string)
	return v
}

// trimPrefix drops the package prefixes an admin does not need to read.
func trimPrefix(err error) string {
	s := err.Error()
	for _, p := range []string{"web: ", "ivr: ", "tenant: ", "columndb: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

func itoa(n int) string           { return strconv.Itoa(n) }
func queryEscape(s string) string { return url.QueryEscape(s) }
func percent(n, d int64) int64 {
	if d <= 0 {
		return 0
	}
	return min(100, n*100/d)
}

// editValue is a stored value as the row form takes it back: amounts as
// a plain decimal, which every database's currency parses.
func editValue(c ivr.Column, v string) string {
	if c.Type == columndb.TypeCurrency && v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return money.FormatMinor(n)
		}
	}
	return v
}

// pkQuery is the query string that names a row by its key values. It is
// typed as a URL so the template keeps its = and & rather than escaping
// them; url.Values has escaped the values.
func pkQuery(cols []ivr.Column, row map[string]string) template.URL {
	q := url.Values{}
	for _, c := range cols {
		if c.PrimaryKey {
			q.Add("k", row[c.ID])
		}
	}
	return template.URL(q.Encode())
}

func columnIDs(cs []ivr.Column) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID + " " + c.Name
	}
	return strings.Join(ids, ", ")
}

// label names an IVR control field or data type as the guide does.
func label(v any) string {
	switch x := v.(type) {
	case ivr.Role:
		return ivrLabels[x]
	case columndb.Type:
		return typeLabels[x]
	case money.Language:
		if l, ok := languageLabels[x]; ok {
			return l
		}
	case money.Currency:
		if l, ok := currencyLabels[x]; ok {
			return l
		}
	}
	return fmt.Sprint(v)
}

var ivrLabels = map[ivr.Role]string{
	ivr.RoleNone: "None", ivr.RoleRef1: "Reference 1 (asked first)", ivr.RoleRef2: "Reference 2",
	ivr.RoleRef3: "Reference 3", ivr.RoleBalance: "Balance", ivr.RoleMinPayment: "Minimum payment",
	ivr.RoleMaxPayment: "Maximum payment",
}

var languageLabels = map[money.Language]string{
	money.EnGB: "English (UK)", money.EnUS: "English (US)", money.EsES: "Spanish (Spain)",
	money.EsUS: "Spanish (US)", money.FrFR: "French (France)", money.DeDE: "German (Germany)",
}

var currencyLabels = map[money.Currency]string{
	money.GBP: "Pounds sterling (GBP)", money.USD: "US dollars (USD)", money.EUR: "Euros (EUR)", money.CAD: "Canadian dollars (CAD)",
}

var typeLabels = map[columndb.Type]string{
	columndb.TypeText: "Text", columndb.TypeNumeric: "Numeric string (digits, leading zeros kept)",
	columndb.TypeDate: "Date (8 digits)", columndb.TypeCurrency: "Currency (£1.00 or pence)", columndb.TypeInteger: "Whole number",
}
