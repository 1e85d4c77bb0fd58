package web

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/schedule"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden renders every page from fixed data and compares it with
// testdata/golden/<page>.html; go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	client := tenant.Client{CID: 1000, Name: "Demo Merchant", Status: "active", APIKey: "tb_key", Created: at, Updated: at}
	db := ivr.Database{CID: 1000, DBID: 1, Description: "Debtors", Columns: admin.DemoColumns(), Rows: 1000, Created: at, Updated: at}
	crumbs := dbCrumbs(client.Name, db)
	withTwilio := client
	withTwilio.SealedTwilioToken = "sealed-token-never-shown"
	row := map[string]string{"colA": "012345", "colB": "01021990", "colC": "1250", "colD": "500", "colE": "1250", "colF": "Alice Jones"}
	job := JobView{ID: "abc123", CID: 1000, DBID: 1, Database: "Debtors", File: "debtors.csv", Mode: ivr.ImportUpsert,
		Format: ivr.FormatCSV, User: "ada", Size: 120, Started: at, Done: true, Finished: at, Percent: 100,
		Result: ivr.ImportResult{Received: 3, Inserted: 2}, InvalidN: 1,
		Invalid: []ivr.LineError{{Index: 1, Line: 2, Column: "colB", Error: "not a real date in DDMMYYYY"}}}
	user := func(v *view) *view { v.User, v.CSRF = "ada", "csrf-token"; return v }
	pages := map[string]*view{
		"signin": {Title: "Sign in", CSRF: "form-token", Data: SignInData{Next: "/admin/", Error: "That user name and password do not match. Check them and try again."}},
		"setup":  {Title: "Set up tonebase", CSRF: "form-token", Data: SetupData{Name: "ada", Errors: map[string]string{"token": "That is not the admin token."}}},
		"error":  user(&view{Title: "Not found", Data: ErrorData{Status: 404, Message: "There is no such client.", Next: "Pick a client from the list", NextHref: "/admin/clients", RequestID: "req-1"}}),
		"dashboard": user(&view{Title: "Dashboard", Nav: "dashboard", Data: DashboardData{Clients: 1, Databases: 2, Rows: 200989, Total: 3, Since: at,
			Lookups: []Outcome{{"found", 2}, {"not_payable", 1}, {"invalid_input", 1234}},
			Imports: []ImportSummary{{ID: "abc123", CID: 1000, DBID: 1, Database: "Debtors", File: "debtors.csv", Mode: "upsert", User: "ada", Finished: at, Received: 3, Inserted: 2, Invalid: 1}},
			Audit:   []AuditEntry{{Seq: 1, When: at, Who: "ada", Action: "created client", Target: "client 1000 (Demo Merchant)"}}}}),
		"audit": user(&view{Title: "Audit log", Nav: "audit", Data: AuditData{Entries: []AuditEntry{{Seq: 3, When: at, Who: "ada", Action: "saved row", Target: "client 1000 database 1 (Debtors): 012345",
			CID: 1000, DBID: 1, Row: "012345", Changes: []FieldChange{{Column: "colC", Name: "Balance", Before: "1250", After: "2000"}, {Column: "colB", Name: "Date of Birth", Hidden: true}}},
			{Seq: 2, When: at, Who: "ada", Action: "signed in", IP: "127.0.0.1"}}, Older: "/admin/audit?before=2&cid=1000", CSV: "/admin/audit.csv?cid=1000",
			Filter: AuditFilter{CID: 1000}, Typed: map[string]string{"cid": "1000", "to": "2025-13-01"}, Errors: map[string]string{"to": "Give the day as year-month-day, such as 2026-03-14."},
			Users: []string{"ada", "bob"}, Clients: []tenant.Client{client}}}),
		"clients":     user(&view{Title: "Clients", Nav: "clients", Data: ClientsData{Clients: []tenant.Client{client}, Errors: map[string]string{"name": "Enter the client's name, 1 to 100 characters."}}}),
		"credentials": user(&view{Title: "Credentials for Demo Merchant", Data: CredentialsData{Client: client, Creds: tenant.Credentials{APISecret: "secret", UploadPassword: "password"}}}),
		"client": user(&view{Title: "Demo Merchant", Nav: "clients", Flash: flashes["db-deleted"], Data: ClientData{Client: withTwilio,
			Databases: []ivr.Database{db}, TwilioError: "The auth token must be at most 256 characters without spaces"}}),
		"database": user(&view{Title: "Debtors", Nav: "clients", Crumbs: crumbs[:2], Data: FieldsData{DB: db, Problems: []string{"colB: a column cannot be removed while rows exist"},
			Calls:     ivr.Telephony{Language: "xx-XX", Currency: money.EUR, Twilio: &ivr.TwilioSettings{RedirectURL: "https://pay.example.com/ivr?step=pay"}},
			Errors:    map[string]string{"language": `language "xx-XX" must be one of en-GB, en-US, es-ES, es-US, fr-FR, de-DE`},
			Languages: money.Languages(), Currencies: money.Currencies()}}),
		"field": user(&view{Title: "Edit colA", Nav: "clients", Crumbs: crumbs, Data: FieldData{DB: db, Col: db.Columns[0], Min: "8", Max: "6",
			Errors: map[string]string{"max_dtmf": "Min DTMF IP 8 is more than Max DTMF IP 6"}, General: []string{"ref2 needs a ref1: callers are asked for refs in order"},
			Types: columndb.Types(), Formats: columndb.DateFormats(), IVR: ivr.Roles()}}),
		"dbdelete": user(&view{Title: "Delete Debtors", Crumbs: crumbs, Data: DeleteData{DB: db, Typed: "debtors", Error: "What you typed is not the description."}}),
		"rows": user(&view{Title: "Rows of Debtors", Crumbs: crumbs, Data: &RowsData{DB: db, Col: "colA", Match: "prefix", Q: "0123", Sort: "colC", Desc: true,
			Rows: []map[string]string{row}, Total: 120, Page: 2, Pages: 3, Matches: rowMatches,
			First: "/admin/clients/1000/databases/1/rows?col=colA&match=prefix&q=0123", Prev: "/admin/clients/1000/databases/1/rows?col=colA&match=prefix&q=0123",
			Next: "/admin/clients/1000/databases/1/rows?col=colA&match=prefix&page=3&q=0123", Last: "/admin/clients/1000/databases/1/rows?col=colA&match=prefix&page=3&q=0123"}}),
		"row": user(&view{Title: "Edit row", Crumbs: crumbs, Data: RowData{DB: db, Values: row, Keys: []string{"012345"}, Errors: map[string]string{"colC": "not an amount"}, Error: "Some values were not accepted; the reasons are next to them.",
			History: []AuditEntry{{Seq: 3, When: at, Who: "ada", Action: "saved row", Changes: []FieldChange{{Column: "colC", Name: "Balance", Before: "1250", After: "2000"},
				{Column: "colB", Name: "Date of Birth", Hidden: true}, {Column: "colF", Name: "Customer Name", Before: "Alice Jones"}}}}}}),
		"import":    user(&view{Title: "Import a debtor file", Crumbs: crumbs, Data: ImportData{DB: db, Client: client.Name, Mode: "replace", Error: "Choose a file to import.", MaxMB: 64}}),
		"importjob": user(&view{Title: "Import of debtors.csv", Crumbs: crumbs, Data: job}),
		"tester": user(&view{Title: "Lookup tester", Crumbs: crumbs, Data: TesterData{DB: db, Ran: true, Status: 200, Result: "found",
			Refs:   []TesterRef{{Field: "ref1", Col: db.Columns[0], Value: "123456#", Example: "6 digits"}, {Field: "ref2", Col: db.Columns[1], Value: "01021990", Example: "DDMMYYYY"}},
			JSON:   `{"status":"found","balance":{"minor":1250,"amount":"12.50","say":"twelve pounds and fifty pence"}}`,
			Pretty: "{\n  \"status\": \"found\"\n}", Speaks: money.EnGB, Hears: []string{"Your balance is twelve pounds and fifty pence.", "Thank you for calling. Goodbye."},
			KV: "status=found&balance=12.50&balance_minor=1250&balance_say=twelve+pounds+and+fifty+pence", URL: "/ivr/v1/1000/1/lookup?ref1=123456%23&ref2=01021990"}}),
	}
	pages["users"] = user(&view{Title: "Admin users", Nav: "users", Data: UsersData{Me: "ada", Name: "Bob",
		Users:  []User{{Name: "ada", Created: at}, {Name: "bob", Created: at, By: "ada"}, {Name: "cy", Created: at, Disabled: true}},
		Errors: map[string]string{"name": "The user name must be 1 to 64 lower-case letters, digits or . _ @ -."}, Problem: "That is the last enabled admin user."}})
	pages["account"] = user(&view{Title: "Your account", Nav: "account", Data: AccountData{User: User{Name: "ada", Created: at, Updated: at},
		Errors: map[string]string{"current": "That is not your current password."}}})
	pages["locks"] = user(&view{Title: "Lockouts of Debtors", Crumbs: crumbs, Data: LocksData{DB: db, Ref: "Invoice Number", All: 2, Now: at,
		Locks: []LockRow{{CallerLock: ivr.CallerLock{Value: "123456", Until: at.Add(9 * time.Minute)}, Left: 9 * time.Minute},
			{CallerLock: ivr.CallerLock{Caller: true, Value: "+447700900123", Until: at.Add(14 * time.Minute)}, Left: 14 * time.Minute}}}})
	pages["imports"] = user(&view{Title: "Imports into Debtors", Crumbs: crumbs, Data: ImportHistoryData{DB: db, Older: "/admin/clients/1000/databases/1/imports?before=7",
		Imports: []HistoryRow{{ImportSummary: ImportSummary{ID: "run1", File: "today.csv", Mode: "upsert", User: "ada", Started: at, Received: 5000, Inserted: 4000, Size: 300 << 10}, Running: true},
			{ImportSummary: ImportSummary{ID: "abc123", File: "debtors.csv", Mode: "replace", User: "ada", Started: at, Finished: at.Add(83 * time.Second), Received: 200989, Inserted: 200000, Updated: 980, Unchanged: 7, Deleted: 12, Invalid: 2}},
			{ImportSummary: ImportSummary{ID: "cut", File: "big.csv", Mode: "upsert", User: "bob", Started: at, Received: 10}}}}})
	pages["rowsdelete"] = user(&view{Title: "Delete rows of Debtors", Crumbs: crumbs, Data: DeleteRowsData{DB: db, Search: ivr.RowSearch{Column: "colF", Match: "contains", Value: "jones"},
		What: `rows whose Customer Name contains "jones"`, Count: 1204, Typed: "1200", Error: "You typed 1,200, but the search finds 1,204 rows now."}})
	cust := customer.Customer{ID: "c-1", Number: "C001", Seq: 1000, Created: at,
		Billing: customer.Address{FirstName: "Ada", LastName: "Lovelace", Line1: "12 High Street", City: "Cardiff", Zip: "CF10 1AA", Email: "ada@example.com"}}
	pages["customers"] = user(&view{Title: "Customers of Demo Merchant", Data: CustomersData{Client: client, Q: "ada", Customers: []customer.Customer{cust}, Total: 51, Page: 1, Pages: 2,
		Next: "/admin/clients/1000/customers?page=2&q=ada"}})
	pv := customer.PlanView{Plan: customer.Plan{ID: "p-1", Created: at, Terms: customer.Terms{Kind: customer.PlanRecurring, Frequency: schedule.Monthly,
		Start: at, Count: 12, Recurring: 123450, Fee: 150}}, State: customer.PlanState{Status: customer.StatusActive, Remaining: 12, Next: at},
		Method: customer.PaymentMethod{Kind: customer.KindCard, Masked: "XXXXXXXXXXXX1111"}}
	pages["customer"] = user(&view{Title: "Ada Lovelace", Data: CustomerData{Client: client, Customer: cust,
		Methods: []customer.PaymentMethod{{ID: "m-1", Kind: customer.KindCard, Masked: "XXXXXXXXXXXX1111", HolderName: "Ada Lovelace", Primary: true, Created: at, Card: customer.CardDetails{Expiry: "1230"}},
			{ID: "m-2", Kind: customer.KindBank, Masked: "XXXXX4321", HolderName: "Ada Lovelace", Created: at, Bank: customer.BankDetails{BankName: "Cardiff Savings"}}},
		Plans: []PlanRow{{PlanView: pv, Next: []customer.ScheduledPayment{{Number: 1, Date: at, Payment: 123450, Fee: 150}}, More: 11}}}})
	pages["due"] = user(&view{Title: "Due on Friday 14 March 2025", Data: DueData{Client: client, Day: at, Total: 123600,
		Due:  []customer.Due{{Plan: pv.Plan, Customer: cust, Payment: customer.ScheduledPayment{Number: 1, Date: at, Payment: 123450, Fee: 150}}},
		Prev: "/admin/clients/1000/due?day=2025-03-13", Next: "/admin/clients/1000/due?day=2025-03-15"}})
	pages["ledger"] = user(&view{Title: "Payments to Debtors", Nav: "clients", Crumbs: crumbs, Data: goldenLedger(db, at)})
	running := job
	running.Done, running.Percent, running.Records = false, 40, 1
	running.Result = ivr.ImportResult{Received: 1, Inserted: 1}
	running.Expected, running.ExpectedIn = at.Add(3*time.Minute), 180
	pages["importjob-running"] = user(&view{Title: "Import of debtors.csv", Crumbs: crumbs, Data: running})
	cut := ImportSummary{ID: "def456", CID: 1000, DBID: 1, Database: "Debtors", File: "big.csv", Mode: "replace", Format: "csv",
		Size: 25 << 20, User: "ada", Started: at, Received: 120000, Inserted: 119998, Invalid: 2}
	pages["importjob-interrupted"] = user(&view{Title: "Import of big.csv", Crumbs: crumbs, Data: cut.view()})
	for name := range p.byName {
		if _, ok := pages[name]; !ok {
			t.Errorf("page %s has no golden test", name)
		}
	}
	for name, v := range pages {
		tmpl := name
		if strings.HasPrefix(name, "importjob-") {
			tmpl = "importjob"
		}
		var buf bytes.Buffer
		if err := p.write(&buf, tmpl, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join("testdata", "golden", name+".html")
		if bytes.Contains(buf.Bytes(), []byte(withTwilio.SealedTwilioToken)) {
			t.Errorf("%s shows the sealed Twilio token", name)
		}
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -run TestGolden -update)", name, err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from %s; if the change is intended, run go test -run TestGolden -update", name, path)
		}
	}
}
