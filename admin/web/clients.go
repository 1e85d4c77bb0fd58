package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// ClientsData is what the clients page shows.
type ClientsData struct {
	Clients []tenant.Client
	Name    string
	CID     string
	Errors  map[string]string
}

// Clients serves GET /admin/clients.
func (s *Server) Clients(ctx *fasthttp.RequestCtx) {
	s.clientsPage(ctx, 200, ClientsData{})
}

func (s *Server) clientsPage(ctx *fasthttp.RequestCtx, status int, d ClientsData) {
	d.Clients = s.cfg.Clients.List()
	s.render(ctx, status, "clients", &view{Title: "Clients", Nav: "clients", Flash: flash(ctx), Data: d})
}

// CredentialsData is the page that shows new credentials, once.
type CredentialsData struct {
	Client    tenant.Client
	Creds     tenant.Credentials
	What      string
	UploadURL string
}

// CreateClient serves POST /admin/clients.
func (s *Server) CreateClient(ctx *fasthttp.RequestCtx) {
	d := ClientsData{Name: strings.TrimSpace(string(ctx.FormValue("name"))), CID: strings.TrimSpace(string(ctx.FormValue("cid"))),
		Errors: map[string]string{}}
	var cid int64
	if d.CID != "" {
		n, ok := tenant.ParseCID(d.CID)
		if !ok {
			d.Errors["cid"] = fmt.Sprintf("The client id must be a number from 1 to %d, or empty to take the next free one.", tenant.MaxCID)
		}
		cid = n
	}
	if d.Name == "" || len(d.Name) > 100 {
		d.Errors["name"] = "Enter the client's name, 1 to 100 characters."
	}
	if len(d.Errors) > 0 {
		s.clientsPage(ctx, 400, d)
		return
	}
	c, creds, err := s.cfg.Clients.Create(d.Name, cid)
	if errors.Is(err, tenant.ErrExists) {
		d.Errors["cid"] = "That client id is taken. Choose another, or leave it empty."
		s.clientsPage(ctx, 409, d)
		return
	}
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.record(ctx, AuditEntry{Who: sess(ctx).user, Action: "created client", Target: clientTarget(c), CID: c.CID})
	s.credentials(ctx, c, creds, "created")
}

func clientTarget(c tenant.Client) string { return fmt.Sprintf("client %d (%s)", c.CID, c.Name) }

func (s *Server) credentials(ctx *fasthttp.RequestCtx, c tenant.Client, creds tenant.Credentials, what string) {
	s.render(ctx, 200, "credentials", &view{Title: "Credentials for " + c.Name, Nav: "clients",
		Crumbs: []Link{{"/admin/clients", "Clients"}, {clientHref(c.CID), c.Name}},
		Data:   CredentialsData{Client: c, Creds: creds, What: what}})
}

func clientHref(cid int64) string { return "/admin/clients/" + strconv.FormatInt(cid, 10) }

// client resolves {cid} to a client, answering the error page if it cannot.
func (s *Server) client(ctx *fasthttp.RequestCtx) (tenant.Client, bool) {
	cid, ok := tenant.ParseCID(userValue(ctx, "cid"))
	if !ok {
		s.fail(ctx, tenant.ErrNotFound)
		return tenant.Client{}, false
	}
	c, err := s.cfg.Clients.Get(cid)
	if err != nil {
		s.fail(ctx, err)
		return tenant.Client{}, false
	}
	return c, true
}

// ClientData is what a client's page shows.
type ClientData struct {
	Client      tenant.Client
	Databases   []ivr.Database
	Description string
	Error       string
	// TwilioError is why the Twilio auth token just entered was refused.
	TwilioError string
	// PayConnectorError is why the pay connector credentials just entered
	// were refused.
	PayConnectorError string
}

// Client serves GET /admin/clients/{cid}.
func (s *Server) Client(ctx *fasthttp.RequestCtx) {
	c, ok := s.client(ctx)
	if !ok {
		return
	}
	s.clientPage(ctx, 200, c, ClientData{})
}

func (s *Server) clientPage(ctx *fasthttp.RequestCtx, status int, c tenant.Client, d ClientData) {
	dbs, err := s.cfg.Databases.List(c.CID)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	d.Client, d.Databases = c, dbs
	s.render(ctx, status, "client", &view{Title: c.Name, Nav: "clients", Flash: flash(ctx),
		Crumbs: []Link{{"/admin/clients", "Clients"}}, Data: d})
}

// Rotate serves POST /admin/clients/{cid}/rotate: a new upload password
// (what=password) or API secret (what=secret), shown once.
func (s *Server) Rotate(ctx *fasthttp.RequestCtx) {
	c, ok := s.client(ctx)
	if !ok {
		return
	}
	var creds tenant.Credentials
	var err error
	what := string(ctx.FormValue("what"))
	switch what {
	case "password":
		creds, err = s.cfg.Clients.RotatePassword(c.CID)
	case "secret":
		creds, err = s.cfg.Clients.RotateSecret(c.CID)
	default:
		s.fail(ctx, fmt.Errorf("%w: choose the upload password or the API secret to replace", errBadInput))
		return
	}
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.audit(ctx, sess(ctx).user, "replaced the "+map[string]string{"password": "upload password", "secret": "API secret"}[what], clientTarget(c))
	s.credentials(ctx, c, creds, what)
}

// Status serves POST /admin/clients/{cid}/status: suspend or reactivate.
func (s *Server) Status(ctx *fasthttp.RequestCtx) {
	c, ok := s.client(ctx)
	if !ok {
		return
	}
	status := string(ctx.FormValue("status"))
	if status != tenant.StatusActive && status != tenant.StatusSuspended {
		s.fail(ctx, fmt.Errorf("%w: the status must be active or suspended", errBadInput))
		return
	}
	if _, err := s.cfg.Clients.SetStatus(c.CID, status); err != nil {
		s.fail(ctx, err)
		return
	}
	action := map[string]string{tenant.StatusActive: "reactivated client", tenant.StatusSuspended: "suspended client"}[status]
	s.audit(ctx, sess(ctx).user, action, clientTarget(c))
	httpx.Redirect(ctx, clientHref(c.CID)+"?msg="+status, 303)
}

// Signing serves POST /admin/clients/{cid}/signing: require the
// request-bound upload signature (require_hmac=on) or accept ActivePay's
// Hash again (off).
func (s *Server) Signing(ctx *fasthttp.RequestCtx) {
	c, ok := s.client(ctx)
	if !ok {
		return
	}
	var require bool
	switch string(ctx.FormValue("require_hmac")) {
	case "on":
		require = true
	case "off":
	default:
		s.fail(ctx, fmt.Errorf("%w: choose whether uploads must be signed with X-Tonebase-Signature (on or off)", errBadInput))
		return
	}
	if _, err := s.cfg.Clients.SetRequireHMAC(c.CID, require); err != nil {
		s.fail(ctx, err)
		return
	}
	action, msg := "accepts ActivePay Hash uploads again", "hmac-optional"
	if require {
		action, msg = "requires X-Tonebase-Signature on uploads", "hmac-required"
	}
	s.audit(ctx, sess(ctx).user, action, clientTarget(c))
	httpx.Redirect(ctx, clientHref(c.CID)+"?msg="+msg, 303)
}
