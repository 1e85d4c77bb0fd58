package web

import (
	"net"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr"
)

const testToken = "test-admin-token-0123456789"

type zeroCounts struct{}

func (zeroCounts) Lookups(string) int64 { return 0 }

// newTestServer wires the pages over an in-memory store, as serve does;
// tune changes the configuration first.
func newTestServer(t *testing.T, tune ...func(*Config)) (*Server, *ivr.Service) {
	t.Helper()
	store, err := columndb.Open(columndb.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	box, err := tenant.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	clients, err := tenant.New(store, box)
	if err != nil {
		t.Fatal(err)
	}
	cat := ivr.NewCatalog(store)
	svc := ivr.NewService(store, cat, clients, ivr.Config{})
	cfg := Config{AdminToken: testToken, Docs: store, Clients: clients, Databases: cat, Rows: svc,
		Tester: svc, Counts: zeroCounts{}, Log: zerolog.Nop(), WorkDir: t.TempDir(), BcryptCost: bcrypt.MinCost}
	for _, f := range tune {
		f(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := cfg.Rows.(*ivr.Service) // a tune may have put in its own
	t.Cleanup(func() {
		s.Close()
		svc.Close()
		if rows != nil && rows != svc {
			rows.Close()
		}
		store.Close()
	})
	return s, svc
}

// testRoutes mirrors cmd/tonebase's route table for the pages.
func testHandler(w *Server) fasthttp.RequestHandler {
	r := router.New()
	r.RedirectTrailingSlash = false
	p, f := w.Page, w.Form
	const db = "/admin/clients/{cid}/databases/{dbid}"
	for _, rt := range []struct {
		m, path string
		h       fasthttp.RequestHandler
	}{
		{"GET", "/admin/static/{file}", w.Static}, {"GET", "/favicon.ico", w.Favicon},
		{"GET", "/admin/sign-in", w.SignIn}, {"POST", "/admin/sign-in", w.SignInPost},
		{"POST", "/admin/sign-out", f(w.SignOut)}, {"GET", "/admin/setup", w.Setup}, {"POST", "/admin/setup", w.SetupPost},
		{"GET", "/admin/", p(w.Dashboard)}, {"GET", "/admin/audit", p(w.Audit)}, {"GET", "/admin/audit.csv", p(w.AuditCSV)},
		{"GET", "/admin/users", p(w.Users)}, {"POST", "/admin/users", f(w.UserAdd)},
		{"POST", "/admin/users/{name}/status", f(w.UserStatus)}, {"POST", "/admin/users/{name}/remove", f(w.UserRemove)},
		{"GET", "/admin/account", p(w.Account)}, {"POST", "/admin/account/password", f(w.PasswordPost)},
		{"GET", "/admin/clients", p(w.Clients)}, {"POST", "/admin/clients", f(w.CreateClient)},
		{"GET", "/admin/clients/{cid}", p(w.Client)}, {"POST", "/admin/clients/{cid}/rotate", f(w.Rotate)},
		{"POST", "/admin/clients/{cid}/status", f(w.Status)}, {"POST", "/admin/clients/{cid}/signing", f(w.Signing)},
		{"POST", "/admin/clients/{cid}/twilio", f(w.Twilio)},
		{"POST", "/admin/clients/{cid}/pay-connector", f(w.PayConnector)},
		{"POST", "/admin/clients/{cid}/databases", f(w.CreateDatabase)},
		{"GET", "/admin/clients/{cid}/customers", p(w.CustomerList)}, {"GET", "/admin/clients/{cid}/customers/{id}", p(w.CustomerPage)},
		{"GET", "/admin/clients/{cid}/due", p(w.DueList)},
		{"GET", db, p(w.Fields)}, {"POST", db + "/description", f(w.Describe)}, {"POST", db + "/calls", f(w.Calls)},
		{"GET", db + "/delete", p(w.DeleteForm)}, {"POST", db + "/delete", f(w.DeletePost)},
		{"GET", db + "/fields/{col}", p(w.FieldEdit)}, {"POST", db + "/fields/{col}", f(w.FieldPost)},
		{"POST", db + "/fields/{col}/move", f(w.FieldMove)}, {"POST", db + "/fields/{col}/remove", f(w.FieldRemove)},
		{"GET", db + "/rows", p(w.Rows)}, {"GET", db + "/export.csv", p(w.Export)}, {"GET", db + "/rows/delete", p(w.DeleteRowsForm)}, {"POST", db + "/rows/delete", f(w.DeleteRowsPost)}, {"GET", db + "/row", p(w.RowEdit)}, {"POST", db + "/row", f(w.RowPost)},
		{"POST", db + "/row/delete", f(w.RowDelete)}, {"GET", db + "/import", p(w.ImportForm)},
		{"POST", db + "/import", f(w.ImportPost)}, {"GET", db + "/test", p(w.Tester)}, {"GET", db + "/imports", p(w.ImportHistory)}, {"GET", db + "/locks", p(w.Locks)}, {"POST", db + "/locks/lift", f(w.LockLift)},
		{"GET", "/admin/imports/{id}", p(w.ImportStatus)}, {"GET", "/admin/imports/{id}/progress", p(w.ImportProgress)},
		{"GET", "/admin/imports/{id}/rejected.csv", p(w.Rejected)},
	} {
		r.Handle(rt.m, rt.path, rt.h)
	}
	r.NotFound = w.NotFound
	return r.Handler
}

// listen serves the pages on a real loopback listener.
func listen(t *testing.T, w *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: testHandler(w), MaxRequestBodySize: 64 << 20, ReadTimeout: time.Minute}
	httpx.StreamBodies(srv) // as serve does: uploads stream to the work folder
	go srv.Serve(ln)
	t.Cleanup(func() { testkit.Shutdown(srv) })
	return "http://" + ln.Addr().String()
}
