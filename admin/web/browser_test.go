package web

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/schedule"
	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr"
)

var screenshots = flag.String("screenshots", "", "folder for the browser test's screenshots (default: a temporary folder)")

// docs, if set, is where the walk writes the README's screenshots, under
// the names docShots gives: go test ./admin/web -run TestBrowser -docs ../../docs/admin
var docs = flag.String("docs", "", "folder to write the README's screenshots of the pages into (docs/admin)")

// docShots names the walk's screenshots the README shows.
var docShots = map[string]string{
	"desktop-dashboard": "dashboard", "rows-found": "rows-search", "row-history-change": "row-history",
	"tester-hears": "lookup-tester", "import-eta": "import-running", "desktop-import-history": "import-history",
	"lockouts": "lockouts", "desktop-users": "users", "audit-filtered": "audit", "desktop-customer": "customer",
	"desktop-due": "due", "rows-delete": "rows-delete", "phone-rows": "rows-phone", "phone-customer": "customer-phone",
}

// chromium finds Debian's chromium; CI installs it with apt-get.
func chromium() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// TestBrowser drives the pages in a real headless chromium over a real
// listener, the way an admin follows the ActivePay guide.
func TestBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		testkit.Needed(t, "chromium is not installed (apt-get install -y chromium; .ci/run installs it); the browser test needs it")
	}
	// Imports read their file slowly, so the walk sees one running.
	var locking *ivr.Service
	var cs *customer.Service
	s, svc := newTestServer(t, withLockout(&locking), withCustomers(&cs), func(c *Config) { c.Rows = slowImports{c.Rows} })
	if err := s.users.add("ada", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	base := listen(t, s)
	out := *screenshots
	if out == "" {
		out = t.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "debtors.csv")
	lines := "012345,01021990,£12.50,£5.00,£12.50\n012399,31021990,£1.00,,\n234567,15081985,250,100,250\n"
	for i := range 9000 {
		lines += fmt.Sprintf("%06d,01011980,£%d.00,,\n", 300000+i, 1000+i)
	}
	if err := os.WriteFile(csv, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}

	parent, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	shot := 0
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, st := range steps {
			sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			_, err := chromedp.Run(sctx, st)
			cancel()
			if err != nil {
				t.Fatalf("%s, step %d: %v", what, i+1, err)
			}
		}
	}
	// waitText waits for the page's element to hold the text, then saves
	// a screenshot of the whole page.
	waitText := func(name, sel, want string) {
		t.Helper()
		var got string
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			var err error
			tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			got, err = chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
			cancel()
			if err == nil && strings.Contains(got, want) {
				// A capture can hang when headless chromium skips a frame
				// on a starved machine; a fresh request gets the next one.
				var png []byte
				for try := 0; try < 3; try++ {
					sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					png, err = chromedp.Run(sctx, chromedp.FullScreenshot(100))
					cancel()
					if err == nil {
						break
					}
					time.Sleep(250 * time.Millisecond) // a navigation may still be under way
				}
				if err != nil {
					t.Fatalf("%s: screenshot: %v", name, err)
				}
				shot++
				if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%02d-%s.png", shot, name)), png, 0o644); err != nil {
					t.Fatal(err)
				}
				if doc, ok := docShots[name]; ok && *docs != "" {
					if err := os.WriteFile(filepath.Join(*docs, doc+".png"), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
		}
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(tctx, chromedp.Location())
		body, _ := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %s never held %q (last %q) at %s\n%s", name, sel, want, got, loc, body)
	}
	field := func(id, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.ID(id), v) }
	radio := func(name, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, name, v)))
	}
	submit := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(form + ` button[type=submit]`))
	}

	// The first run starts the browser, so its context must not time out.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/")); err != nil {
		t.Fatalf("open: %v", err)
	}
	waitText("sign-in", "h1", "Sign in")
	do("sign in", chromedp.SendKeys(chromedp.ID("name"), "ada"), chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"), submit("main form"))
	waitText("dashboard", "h1", "Dashboard")

	do("clients", chromedp.Navigate(base+"/admin/clients"))
	waitText("clients", "h1", "Clients")
	do("create client", chromedp.SendKeys(chromedp.ID("name"), "Acme Collections"), submit(`form[action="/admin/clients"]`))
	waitText("credentials", "main", "Copy these now")
	do("to client", chromedp.Click(chromedp.CSS("main a.button")))
	waitText("client", "h1", "Acme Collections")
	do("create database", chromedp.SendKeys(chromedp.ID("description"), "Debtors"), submit("main form.inline"))
	waitText("database", ".flash", "Database created")

	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	db, _, _ := strings.Cut(loc, "?")
	var cid, dbid int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(db, base), "/admin/clients/%d/databases/%d", &cid, &dbid); err != nil {
		t.Fatalf("database address %s: %v", db, err)
	}
	type col struct{ path, name, typ, visible, required, pk, ivr, min, max string }
	for _, c := range []col{
		{"colA", "Invoice Number", "numeric", "show", "required", "identifier", "ref1", "6", "6"},
		{"new", "Date of Birth", "date", "hide", "required", "non-identifier", "ref2", "8", "8"},
		{"new", "Balance", "currency", "show", "required", "non-identifier", "balance", "", ""},
		{"new", "Minimum Payment", "currency", "show", "optional", "non-identifier", "min_payment", "", ""},
		{"new", "Maximum Payment", "currency", "show", "optional", "non-identifier", "max_payment", "", ""},
	} {
		do("open "+c.name, chromedp.Navigate(db+"/fields/"+c.path))
		waitText("field-"+c.path, "form.dtmf-form", "Display Name")
		do("field "+c.name, field("name", c.name), field("type", c.typ),
			radio("visible", c.visible), radio("required", c.required), radio("primary_key", c.pk),
			field("ivr_field", c.ivr))
		if c.min != "" {
			do("dtmf "+c.name, field("min_dtmf", c.min), field("max_dtmf", c.max))
		}
		do("save "+c.name, submit("form.dtmf-form"))
		waitText("fields-"+strings.ToLower(strings.ReplaceAll(c.name, " ", "-")), "table.fields", c.name)
	}

	do("import", chromedp.Navigate(db+"/import"))
	waitText("import", "h1", "Import a debtor file")
	do("upload", chromedp.SetUploadFiles(chromedp.ID("file"), []string{csv}), submit("#import-form"))
	// The line above the bar counts the lines read as the bar moves: it
	// must show more than one count, thousands grouped.
	waitText("import-running", "#import-lines", "read so far")
	waitText("import-eta", "#import-eta", "Expected to finish at about")
	seen := map[string]bool{}
	for end := time.Now().Add(20 * time.Second); len(seen) < 2 && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err := chromedp.Run(tctx, chromedp.Text(chromedp.ID("import-lines")))
		cancel()
		if err != nil {
			break // the page reloaded: the import finished
		}
		if strings.Contains(got, ",") && strings.Contains(got, "lines read so far") {
			seen[got] = true
		}
	}
	if len(seen) < 2 {
		t.Fatalf("the import's line never moved with the bar: %v", seen)
	}
	// The counts and the expected finish are live too (read while the
	// import may still run; once done, the page shows the same counts).
	waitText("import-live-counts", "main .stats", "added")
	waitText("import-finished", "main", "Finished")
	jobURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	waitText("import-refused", "#refused", "Refused lines")
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main table"))); err != nil || !strings.Contains(got, "not a real date") {
		t.Fatalf("refused line not listed: %q %v", got, err)
	}

	// The dashboard links each recent import to its page.
	do("dashboard", chromedp.Navigate(base+"/admin/"))
	waitText("dashboard-imports", "section[aria-labelledby=imports]", "debtors.csv")
	do("dashboard import", chromedp.Click(chromedp.CSS("section[aria-labelledby=imports] table a")))
	waitText("dashboard-import-page", "h1", "Import of debtors.csv")
	waitText("dashboard-import-counts", ".stats", "9,002")
	do("history", chromedp.Navigate(db+"/imports"))
	waitText("import-history", "main table", "debtors.csv")
	waitText("import-history-counts", "main table", "9,003")
	do("database page", chromedp.Navigate(db))
	waitText("database-with-rows", "main dl", "9,002")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("button[aria-label^=Remove]").length`)); err != nil || n != 0 {
		t.Fatalf("a database with rows offers %d Remove buttons (%v)", n, err)
	}
	do("favicon", chromedp.Navigate(base+"/favicon.ico"))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.images.length ? document.images[0].naturalWidth : 0`)); err != nil || w != 32 {
		t.Fatalf("/favicon.ico is no 32px image in the browser: %d %v", w, err)
	}

	do("rows", chromedp.Navigate(db+"/rows"))
	waitText("rows", "h1", "Rows of")
	do("search", chromedp.SendKeys(chromedp.ID("q"), "0123"), submit(`form[role=search]`))
	// The unsearched page lists 012345 too: wait for the search's page.
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.Contains(loc, "q=0123") {
			break
		} else if time.Now().After(end) {
			t.Fatalf("search: the page never moved to the search's results (at %s, %v)", loc, err)
		}
	}
	waitText("search", "main table", "012345")
	waitText("search-values", "main table", "01/02/1990")
	waitText("search-amounts", "main table td.num", "£12.50")
	do("edit", chromedp.Click(chromedp.CSS("main table tbody a")))
	waitText("row-edit", "h1", "Edit row")
	rowURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	do("save row", field("v_colC", "£20.00"), submit(`form[action$="/row"]`))
	waitText("row-saved", ".flash", "Row saved")
	if r, _ := svc.GetRow(cid, dbid, []string{"012345"}); r["colC"] != "2000" {
		t.Fatalf("row not saved: %v", r)
	}

	// The row's page shows what the edit changed.
	do("row history", chromedp.Navigate(rowURL))
	waitText("row-history", "#history + ol", "saved row")
	waitText("row-history-change", "#history + ol table", "£20.00")

	// The audit log, filtered to the database: the edit with its before
	// and after, and a CSV of just those entries.
	do("audit filter", chromedp.Navigate(base+"/admin/audit"), chromedp.SetValue(chromedp.ID("cid"), fmt.Sprint(cid)),
		chromedp.SetValue(chromedp.ID("dbid"), fmt.Sprint(dbid)), submit("form.filters"))
	waitText("audit-filtered", "main table", "Balance: £12.50 → £20.00")
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("a[href^='/admin/audit.csv']").getAttribute("href")`)); err != nil || !strings.Contains(href, fmt.Sprintf("dbid=%d", dbid)) {
		t.Fatalf("the audit export does not carry the filter: %q %v", href, err)
	}

	// Every row, counted and paged; sorted by a column; found by any column.
	do("all rows", chromedp.Navigate(db+"/rows"))
	waitText("rows-count", "#match-count", "9,002 rows · page 1 of 181")
	do("next page", chromedp.Click(chromedp.CSS(`nav.paging a[rel=next]`)))
	waitText("rows-page-2", "#match-count", "page 2 of 181")
	do("sort", chromedp.Click(chromedp.CSS(`main table thead th:nth-child(3) a`)))
	waitText("rows-sorted", `main table thead th[aria-sort=ascending]`, "Balance")
	do("find by amount", chromedp.SetValue(chromedp.ID("col"), "colC"), chromedp.SetValue(chromedp.ID("match"), "exact"),
		chromedp.SetValue(chromedp.ID("q"), "£1,000.00"), submit(`form[role=search]`))
	waitText("rows-found", "#match-count", "1 row matches")
	waitText("rows-found-row", "main table tbody", "300000")
	// The export link carries the search; deleting what it found takes the
	// count typed.
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("a[href*='/export.csv']").getAttribute("href")`)); err != nil || !strings.Contains(strings.ToLower(href), "q=%c2%a31%2c000.00") {
		t.Fatalf("the export link does not carry the search: %q %v", href, err)
	}
	do("delete found", chromedp.Click(chromedp.CSS(`a[href*="/rows/delete"]`)))
	waitText("rows-delete", "main .warning", "This deletes 1 row")
	do("confirm delete", chromedp.SendKeys(chromedp.ID("count"), "1"), submit(`form[action$="/rows/delete"]`))
	waitText("rows-deleted", ".flash", "The rows the search found were deleted.")

	do("tester", chromedp.Navigate(db+"/test"))
	waitText("tester-form", "h1", "Lookup tester")
	do("keys", chromedp.SendKeys(chromedp.ID("ref1"), "012345#"),
		chromedp.SendKeys(chromedp.ID("ref2"), "01021990"))
	waitText("tester-live", "#ref1-live", "the right length")
	do("look up", submit("main form"))
	waitText("tester", "#result-json", `"status":"found"`)
	waitText("tester-hears", "#result-hears", "Your balance is twenty pounds.")
	waitText("tester-pretty", "#result-pretty", "\"status\": \"found\"")
	waitText("tester-kv", "#result-kv", "balance=20.00")

	// A caller who missed too often, found by part of their number and let
	// back in.
	miss(t, locking, ivr.Database{CID: cid, DBID: dbid}, "012345", "+447700900123")
	do("lockouts", chromedp.Navigate(db+"/locks"))
	waitText("lockouts", "main table", "+447700900123")
	do("find lock", chromedp.SendKeys(chromedp.ID("q"), "7700"), submit(`form[role=search]`))
	waitText("lockouts-found", "main", "1 lock of 2.")
	do("lift", chromedp.Click(chromedp.CSS(`button[aria-label="Lift the lock on +447700900123"]`)))
	waitText("lock-lifted", ".flash", "Lock lifted")
	miss(t, locking, ivr.Database{CID: cid, DBID: dbid}, "234567", "")

	// The client's customers, read-only: a card shows masked, a plan its
	// next payments, the day's due list what to charge.
	cust, err := cs.CreateCustomer(cid, customer.CustomerInput{Number: customer.Some("C001"),
		Billing: customer.AddressInput{FirstName: customer.Some("Ada"), LastName: customer.Some("Lovelace")}}, customer.Idem{})
	if err != nil {
		t.Fatal(err)
	}
	card, err := cs.CreatePayment(cid, customer.PaymentInput{CustomerID: customer.Some(cust.ID), Kind: customer.Some(customer.KindCard),
		CardNumber: customer.Some("4111111111111111"), CardExpiry: customer.Some("1230"), HolderName: customer.Some("Ada Lovelace")}, customer.Idem{})
	if err != nil {
		t.Fatal(err)
	}
	startDay := time.Now().UTC().AddDate(0, 0, 1).Truncate(24 * time.Hour)
	if _, err := cs.CreatePlan(cid, customer.Opt[string]{}, customer.PlanInput{CustomerID: customer.Some(cust.ID), MethodID: customer.Some(card.ID),
		MethodKind: customer.Some(customer.KindCard), Kind: customer.Some(customer.PlanRecurring), Frequency: customer.Some(schedule.Monthly),
		Start: customer.Some(startDay), Count: customer.Some(12), Recurring: customer.Some(int64(123450))}, customer.Idem{}); err != nil {
		t.Fatal(err)
	}
	do("customers", chromedp.Navigate(fmt.Sprintf("%s/admin/clients/%d", base, cid)), chromedp.Click(chromedp.CSS(`a[href$="/customers"]`)))
	waitText("customers", "main table", "Ada Lovelace")
	do("customer", chromedp.Click(chromedp.CSS("main table tbody a")))
	waitText("customer", "#methods + div table", "1111")
	waitText("customer-plan", "article.plan", "1,234.50 monthly")
	if page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); err != nil || strings.Contains(page, "4111111111111111") {
		t.Fatalf("the customer page shows the card number (%v)", err)
	}
	customerURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	dueURL := fmt.Sprintf("%s/admin/clients/%d/due?day=%s", base, cid, startDay.Format(time.DateOnly))
	do("due", chromedp.Navigate(dueURL))
	waitText("due", "#due-count", "1 payment due, 1,234.50 in all")

	// Admin users: add one, disable and remove it; change one's own password.
	do("users", chromedp.Navigate(base+"/admin/users"))
	waitText("users", "h1", "Admin users")
	do("add user", chromedp.SendKeys(chromedp.ID("name"), "bob"), chromedp.SendKeys(chromedp.ID("password"), "bobs first password"),
		chromedp.SendKeys(chromedp.ID("confirm"), "bobs first password"), submit(`form[action="/admin/users"]`))
	waitText("user-added", ".flash", "Admin user added")
	do("disable user", chromedp.Click(chromedp.CSS(`button[aria-label="Disable bob"]`)))
	waitText("user-disabled", ".flash", "Admin user disabled")
	do("remove user", chromedp.Click(chromedp.CSS(`button[aria-label="Remove bob"]`)))
	waitText("user-removed", ".flash", "Admin user removed")
	do("account", chromedp.Click(chromedp.CSS(".signout a.who")))
	waitText("account", "h1", "Your account")
	do("change password", chromedp.SendKeys(chromedp.ID("current"), "correct horse battery"),
		chromedp.SendKeys(chromedp.ID("password"), "a new long password"), chromedp.SendKeys(chromedp.ID("confirm"), "a new long password"),
		submit(`form[action="/admin/account/password"]`))
	waitText("password-changed", ".flash", "Password changed")

	// The same pages on a phone: each must fit the screen without sideways
	// scrolling, and keep its fields wide enough to type in.
	onPhone := func(what string) {
		t.Helper()
		do(what, chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile,
			chromedp.EmulateTouch, chromedp.EmulatePortrait))
	}
	walk := []struct{ name, url, h1 string }{
		{"dashboard", base + "/admin/", "Dashboard"},
		{"clients", base + "/admin/clients", "Clients"},
		{"client", fmt.Sprintf("%s/admin/clients/%d", base, cid), "Acme Collections"},
		{"database-fields", db, "Debtors"},
		{"field", db + "/fields/colA", "Edit colA"},
		{"rows", db + "/rows?col=colA&q=0", "Rows of"},
		{"row", rowURL, "Edit row"},
		{"import", db + "/import", "Import a debtor file"},
		{"import-job", jobURL, "Import of"},
		{"tester", db + "/test?run=1&ref1=012345%23&ref2=01021990", "Lookup tester"},
		{"delete", db + "/delete", "Delete Debtors"},
		{"audit", base + "/admin/audit", "Audit log"},
		{"users", base + "/admin/users", "Admin users"},
		{"lockouts", db + "/locks", "Lockouts of Debtors"},
		{"import-history", db + "/imports", "Imports into Debtors"},
		{"customers", fmt.Sprintf("%s/admin/clients/%d/customers", base, cid), "Customers of Acme Collections"},
		{"customer", customerURL, "Ada Lovelace"},
		{"due", dueURL, "Due on"},
		{"account", base + "/admin/account", "Your account"},
	}
	for _, p := range walk {
		do("desktop "+p.name, chromedp.Navigate(p.url))
		waitText("desktop-"+p.name, "h1", p.h1)
		fitsWidth(t, ctx, p.name, 1280)
	}
	onPhone("phone")
	for _, p := range walk {
		do("phone "+p.name, chromedp.Navigate(p.url))
		waitText("phone-"+p.name, "h1", p.h1)
		fitsPhone(t, ctx, p.name)
	}
	do("laptop", chromedp.ResetViewport())

	do("sign out", chromedp.Click(chromedp.CSS(".signout button")))
	waitText("signed-out", ".flash", "You have signed out")
	onPhone("phone sign-in")
	do("phone sign-in", chromedp.Navigate(base+"/admin/sign-in"))
	waitText("phone-sign-in", "h1", "Sign in")
	fitsPhone(t, ctx, "sign-in")
	t.Logf("%d screenshots in %s", shot, out)
}

// fitsWidth checks the page in ctx does not scroll sideways in a window
// of width CSS pixels.
func fitsWidth(t *testing.T, ctx context.Context, page string, width int) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l, err := chromedp.Run(tctx, chromedp.Evaluate[phoneLayout](measurePhone))
	if err != nil {
		t.Fatalf("%s: measure: %v", page, err)
	}
	if l.Width > l.Viewport {
		t.Errorf("%s at %dpx: the page is %dpx wide: %v", page, width, l.Width, l.Wide)
	}
}

// slowImports hands imports their file a little at a time, so a walk sees
// an import running.
type slowImports struct{ Rows }

func (s slowImports) Import(cid, dbid int64, f ivr.ImportFormat, r io.Reader, opt ivr.ImportOptions) (ivr.ImportResult, error) {
	opt.Batch = 500
	return s.Rows.Import(cid, dbid, f, &slowReader{r}, opt)
}

type slowReader struct{ r io.Reader }

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(25 * time.Millisecond)
	return s.r.Read(p[:min(len(p), 4096)])
}

// phoneWidth is the emulated phone's width in CSS pixels (an iPhone 12 to 15).
const phoneWidth = 390

// phoneLayout is what fitsPhone measures in the page.
type phoneLayout struct {
	Width    int      `json:"width"`    // the document's scroll width
	Viewport int      `json:"viewport"` // window.innerWidth
	Wide     []string `json:"wide"`     // elements reaching past the screen's right edge
	Narrow   []string `json:"narrow"`   // form fields too narrow to type in
	Scrolls  []string `json:"scrolls"`  // tables that hide columns behind a sideways scroll
}

// measurePhone finds what makes a page scroll sideways (anything past the
// right edge that is not inside a .scroll container, which scrolls on its
// own), the text fields and drop-downs under 200 CSS pixels wide, and the
// .scroll containers that do scroll: a row's Edit link out of sight is as
// bad as a page that scrolls.
const measurePhone = `(() => {
  const vw = window.innerWidth;
  const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\s+/).join(".") : "");
  const wide = [], narrow = [], scrolls = [];
  for (const e of document.body.querySelectorAll("*")) {
    const r = e.getBoundingClientRect();
    if (r.right > vw + 0.5 && !e.parentElement.closest(".scroll")) wide.push(name(e) + " ends at " + Math.round(r.right) + "px");
  }
  for (const e of document.querySelectorAll("form input, form select, form textarea")) {
    if (["hidden", "radio", "checkbox"].includes(e.type)) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue; // not shown
    if (r.width < 200) narrow.push(name(e) + " is " + Math.round(r.width) + "px");
  }
  for (const e of document.querySelectorAll(".scroll")) {
    if (e.scrollWidth > e.clientWidth + 1) scrolls.push(name(e.querySelector("table") || e) + " is " + e.scrollWidth + "px in " + e.clientWidth + "px");
  }
  return {width: document.documentElement.scrollWidth, viewport: vw, wide: wide.slice(0, 8), narrow: narrow, scrolls: scrolls};
})()`

// fitsPhone checks the page in ctx reads on a phone: no sideways scrolling
// of the whole page, and no field too narrow to type in.
func fitsPhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l, err := chromedp.Run(tctx, chromedp.Evaluate[phoneLayout](measurePhone))
	if err != nil {
		t.Fatalf("phone %s: measure: %v", page, err)
	}
	if l.Width > l.Viewport || l.Viewport > phoneWidth {
		t.Errorf("phone %s: the page is %dpx wide on a %dpx screen (viewport %dpx): %v", page, l.Width, phoneWidth, l.Viewport, l.Wide)
	}
	if len(l.Narrow) > 0 {
		t.Errorf("phone %s: fields narrower than 200px: %v", page, l.Narrow)
	}
	if len(l.Scrolls) > 0 {
		t.Errorf("phone %s: tables wider than the screen: %v", page, l.Scrolls)
	}
}
