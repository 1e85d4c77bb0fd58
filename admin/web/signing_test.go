package web

import (
	"errors"
	"net/url"
	"testing"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// TestRequireHMACPage: the client page turns require_hmac on and off, the
// upload service then refuses and accepts a Hash, and the audit says who.
func TestRequireHMACPage(t *testing.T) {
	var clients *tenant.Registry
	s, svc := newTestServer(t, func(c *Config) { clients = c.Clients.(*tenant.Registry) })
	b := newBrowser(t, listen(t, s))
	signUp(t, b)
	c, creds, err := clients.Create("Strict Collections", 4343)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Catalog().Create(c.CID, ivr.DatabaseSpec{Description: "Debtors", Columns: admin.DemoColumns()}); err != nil {
		t.Fatal(err)
	}
	upload := func(body string) error {
		u := ivr.Signed{CID: c.CID, DBID: 1, Hash: hash.Sign(c.CID, 1, creds.UploadPassword, []byte(body))}
		_, err := svc.Upload(u, []byte(body))
		return err
	}

	code, body, _ := b.get("/admin/clients/4343")
	expect(t, "the client page", code, body, 200, "Hash or X-Tonebase-Signature", `name="require_hmac" value="on"`)
	code, body, _ = b.post("/admin/clients/4343/signing", url.Values{"require_hmac": {"maybe"}})
	expect(t, "a bad choice", code, body, 400, "on or off")
	code, _, loc := b.post("/admin/clients/4343/signing", url.Values{"require_hmac": {"on"}})
	if code != 303 || loc != "/admin/clients/4343?msg=hmac-required" {
		t.Fatalf("require: %d %s", code, loc)
	}
	code, body, _ = b.get(loc)
	expect(t, "the client page after", code, body, 200, "X-Tonebase-Signature required", "Hash alone are now refused", `name="require_hmac" value="off"`)
	if !clients.RequiresHMAC(c.CID) {
		t.Fatal("the page did not set require_hmac")
	}
	if err := upload(`{"colA":"123456","colB":"01021990","colC":"1.00"}`); !errors.Is(err, ivr.ErrHMACRequired) {
		t.Fatalf("a Hash upload of a client requiring HMAC: %v", err)
	}

	code, _, loc = b.post("/admin/clients/4343/signing", url.Values{"require_hmac": {"off"}})
	if code != 303 || loc != "/admin/clients/4343?msg=hmac-optional" {
		t.Fatalf("accept again: %d %s", code, loc)
	}
	if err := upload(`{"colA":"123457","colB":"01021990","colC":"1.00"}`); err != nil {
		t.Fatalf("a Hash upload once allowed again: %v", err)
	}
	code, body, _ = b.get("/admin/audit")
	expect(t, "the audit log", code, body, 200, "requires X-Tonebase-Signature on uploads", "accepts ActivePay Hash uploads again")
}
