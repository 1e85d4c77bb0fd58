// Package ivrtest builds what the telephony platforms' tests run against:
// a real caller-database service over an in-memory store, a real tenant
// registry with a client of the guide's debtors, and that client's
// credentials. It is for tests only; nothing in the product imports it.
package ivrtest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// Env is a running service with one client and one database.
type Env struct {
	Store   *columndb.Store
	Clients *tenant.Registry
	Service *ivr.Service
	CID     int64
	DBID    int64
	Key     string // the client's API key
	Secret  string // and secret
}

// GuideColumns are the ActivePay guide's debtor database: a 6-digit
// invoice number, a date of birth, and the three amounts.
func GuideColumns() []ivr.Column {
	return []ivr.Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: ivr.RoleRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: columndb.TypeDate, Required: true, IVRField: ivr.RoleRef2},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, Required: true, IVRField: ivr.RoleBalance},
		{ID: "colD", Name: "Minimum Payment", Type: columndb.TypeCurrency, IVRField: ivr.RoleMinPayment},
		{ID: "colE", Name: "Maximum Payment", Type: columndb.TypeCurrency, IVRField: ivr.RoleMaxPayment},
	}
}

// GuideRows are debtors of every outcome: 123456 born 01021990 owes £12.50
// and may pay £5.00 to £12.50; 234567 owes nothing; 345678's minimum is
// over its maximum; 456789 owes £1,234.56 with no minimum or maximum.
// Amounts are in minor units, which every currency and language reads alike.
const GuideRows = "123456,01021990,1250,500,1250\n" +
	"234567,15081985,0,,\n" +
	"345678,15081985,5000,4000,3000\n" +
	"456789,29022000,123456,,\n"

// Options change what New builds.
type Options struct {
	Columns   []ivr.Column // GuideColumns if nil
	Rows      string       // CSV in column order; GuideRows if empty
	Telephony ivr.Telephony
	Lockout   int // misses before a lock; 5 if 0
}

// New starts the service. Everything it opened is closed when t ends.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	if o.Columns == nil {
		o.Columns = GuideColumns()
	}
	if o.Rows == "" {
		o.Rows = GuideRows
	}
	if o.Lockout == 0 {
		o.Lockout = 5
	}
	store, err := columndb.Open(columndb.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	box, err := tenant.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	clients, err := tenant.New(store, box)
	if err != nil {
		t.Fatal(err)
	}
	c, creds, err := clients.Create("Acme Collections", 0)
	if err != nil {
		t.Fatal(err)
	}
	cat := ivr.NewCatalog(store)
	db, err := cat.Create(c.CID, ivr.DatabaseSpec{Description: "Debtors", Columns: o.Columns, Telephony: o.Telephony})
	if err != nil {
		t.Fatal(err)
	}
	svc := ivr.NewService(store, cat, clients, ivr.Config{LockoutLimit: o.Lockout, LockoutWindow: 15 * time.Minute})
	t.Cleanup(svc.Close) // before the store's: it waits for a sweep reading the store
	res, err := svc.Import(c.CID, db.DBID, ivr.FormatCSV, strings.NewReader(o.Rows), ivr.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Invalid) > 0 {
		t.Fatalf("fixture rows refused: %+v", res.Invalid)
	}
	return &Env{Store: store, Clients: clients, Service: svc, CID: c.CID, DBID: db.DBID, Key: c.APIKey, Secret: creds.APISecret}
}

// Other adds a second client with its own copy of the database, for tests
// that one client's credentials reach nothing of another's.
func (e *Env) Other(t testing.TB) (cid, dbid int64, key, secret string) {
	t.Helper()
	c, creds, err := e.Clients.Create("Other Collections", 0)
	if err != nil {
		t.Fatal(err)
	}
	db, err := e.Service.Catalog().Create(c.CID, ivr.DatabaseSpec{Description: "Debtors", Columns: GuideColumns()})
	if err != nil {
		t.Fatal(err)
	}
	return c.CID, db.DBID, c.APIKey, creds.APISecret
}

// Serve answers h on a loopback listener until t ends and returns its
// base URL (http://127.0.0.1:port): the platforms' tests go over a real
// listener.
func Serve(t testing.TB, h fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h}
	go srv.Serve(ln) //nolint:errcheck // ends with the listener
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String()
}
