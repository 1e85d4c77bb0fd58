package web

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "folder for the browser test's screenshots (default: a temporary folder)")

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
		t.Skip("chromium is not installed (apt-get install -y chromium); the browser test needs it")
	}
	s, svc := newTestServer(t)
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
	if err := os.WriteFile(csv, []byte("012345,01021990,£12.50,£5.00,£12.50\n012399,31021990,£1.00,,\n234567,15081985,250,100,250\n"), 0o644); err != nil {
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
				}
				if err != nil {
					t.Fatalf("%s: screenshot: %v", name, err)
				}
				shot++
				if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%02d-%s.png", shot, name)), png, 0o644); err != nil {
					t.Fatal(err)
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
	waitText("import-finished", "main", "Finished")
	waitText("import-refused", "#refused", "Refused lines")
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main table"))); err != nil || !strings.Contains(got, "not a real date") {
		t.Fatalf("refused line not listed: %q %v", got, err)
	}

	do("rows", chromedp.Navigate(db+"/rows"))
	waitText("rows", "h1", "Rows of")
	do("search", chromedp.SendKeys(chromedp.ID("q"), "0123"), submit(`form[role=search]`))
	waitText("search", "main table", "012345")
	do("edit", chromedp.Click(chromedp.CSS("main table a")))
	waitText("row-edit", "h1", "Edit row")
	do("save row", field("v_colC", "£20.00"), submit(`form[action$="/row"]`))
	waitText("row-saved", ".flash", "Row saved")
	if r, _ := svc.GetRow(cid, dbid, []string{"012345"}); r["colC"] != "2000" {
		t.Fatalf("row not saved: %v", r)
	}

	do("tester", chromedp.Navigate(db+"/test"))
	waitText("tester-form", "h1", "Lookup tester")
	do("keys", chromedp.SendKeys(chromedp.ID("ref1"), "012345#"),
		chromedp.SendKeys(chromedp.ID("ref2"), "01021990"))
	waitText("tester-live", "#ref1-live", "the right length")
	do("look up", submit("main form"))
	waitText("tester", "#result-json", `"status":"found"`)
	waitText("tester-kv", "#result-kv", "balance=20.00")

	do("sign out", chromedp.Click(chromedp.CSS(".signout button")))
	waitText("signed-out", ".flash", "You have signed out")
	t.Logf("%d screenshots in %s", shot, out)
}
