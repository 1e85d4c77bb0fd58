package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// withLockout gives the pages a caller-database service whose lockout is
// on (3 misses in 15 minutes), as serve's is, and returns it.
func withLockout(svc **ivr.Service) func(*Config) {
	return func(c *Config) {
		*svc = ivr.NewService(c.Docs.(*columndb.Store), c.Databases.(*ivr.Catalog), c.Clients.(*tenant.Registry),
			ivr.Config{LockoutLimit: 3, LockoutWindow: 15 * time.Minute})
		c.Rows = *svc
	}
}

// miss looks a caller up with a wrong date of birth until the lockout
// locks them.
func miss(t *testing.T, svc *ivr.Service, db ivr.Database, ref, caller string) {
	t.Helper()
	for range 3 {
		res, err := svc.Lookup(db.CID, db.DBID, ivr.Query{Caller: caller, Param: func(n string) (string, bool) {
			switch n {
			case "ref1":
				return ref, true
			case "ref2":
				return "09091999", true
			}
			return "", false
		}})
		if err != nil || res.Status != ivr.StatusNotFound {
			t.Fatalf("miss: %v %v", res.Status, err)
		}
	}
}

func TestLockoutsPage(t *testing.T) {
	var svc *ivr.Service
	s, _ := newTestServer(t, withLockout(&svc))
	b, db, path := demoDB(t, s)
	if err := svc.SaveRow(db.CID, db.DBID, admin.DemoRows(1)[0]); err != nil {
		t.Fatal(err)
	}
	code, page, _ := b.get(path + "/locks")
	expect(t, "no locks", code, page, 200, "Nobody is locked out of this database now.")

	miss(t, svc, db, "123456", "+447700900123")
	miss(t, svc, db, "654321", "")
	code, page, _ = b.get(path + "/locks")
	expect(t, "two callers locked", code, page, 200, "<code>123456</code>", "447700900123</code>", "<code>654321</code>",
		"Caller's number", "Invoice Number", "in 15 minutes", "3 locks.")
	code, page, _ = b.get(path + "/locks?q=7700")
	expect(t, "found by part of the number", code, page, 200, "447700900123</code>", "1 lock of 3.")
	if strings.Contains(page, "<code>654321</code>") {
		t.Fatal("the filter kept a lock that does not match")
	}
	code, page, _ = b.get(path + "/locks?q=999")
	expect(t, "nothing found", code, page, 200, "Nothing containing 999 is locked out", "3 other locks")

	for _, tc := range []struct {
		name     string
		form     url.Values
		code     int
		wantText string
	}{
		{"no kind", url.Values{"value": {"123456"}}, 400, "did not say which kind"},
		{"an unknown kind", url.Values{"kind": {"row"}, "value": {"123456"}}, 400, "did not say which kind"},
		{"no value", url.Values{"kind": {"ref"}, "value": {" "}}, 400, "did not say which"},
		{"a value not locked", url.Values{"kind": {"ref"}, "value": {"111111"}}, 404, "not locked out any more"},
		{"a caller's number as a ref", url.Values{"kind": {"ref"}, "value": {"+447700900123"}}, 404, "not locked out any more"},
		{"a forged form", url.Values{"csrf": {"forged"}, "kind": {"ref"}, "value": {"123456"}}, 403, "out of date"},
	} {
		code, page, _ := b.post(path+"/locks/lift", tc.form)
		expect(t, tc.name, code, page, tc.code, tc.wantText)
	}
	code, _, loc := b.post(path+"/locks/lift", url.Values{"kind": {"ref"}, "value": {"123456"}})
	if code != 303 || !strings.Contains(loc, "msg=lock-lifted") {
		t.Fatalf("lift: %d %s", code, loc)
	}
	if locks := svc.Locks(db.CID, db.DBID); len(locks) != 2 {
		t.Fatalf("after lifting one of three: %v", locks)
	}
	// The caller's number is still locked, so the caller is still refused
	// until that lock is lifted too.
	b.get(path + "/locks")
	b.post(path+"/locks/lift", url.Values{"kind": {"caller"}, "value": {"+447700900123"}})
	res, err := svc.Lookup(db.CID, db.DBID, ivr.Query{Caller: "+447700900123", Param: func(n string) (string, bool) {
		v, ok := map[string]string{"ref1": "123456", "ref2": "01021990"}[n]
		return v, ok
	}})
	if err != nil || res.Status != ivr.StatusFound {
		t.Fatalf("the caller after both locks were lifted: %v %v", res.Status, err)
	}
	code, page, _ = b.get("/admin/audit")
	expect(t, "the audit log", code, page, 200, "lifted a lockout", ": ref 123456", ": caller &#43;447700900123")
}
