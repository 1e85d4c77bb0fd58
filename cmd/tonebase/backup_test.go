package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/testkit"
)

// debtorRows is an upload body of n guide rows from invoice first on.
func debtorRows(first, n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"colA":"%06d","colB":"%s","colC":"£%d.50"}`, first+i, dobOf(i), 10+i%90)
	}
	b.WriteByte(']')
	return b.String()
}

// dobOf is the date of birth of the i-th row of a debtorRows body.
func dobOf(i int) string { return fmt.Sprintf("%02d0%d1990", 1+i%28, 1+i%9) }

// byRef is a lookup of the i-th row of a debtorRows body from 0.
func byRef(i int) string { return fmt.Sprintf("ref1=%06d&ref2=%s", i, dobOf(i)) }

func writeMasterKey(t *testing.T, key byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(bytes.Repeat([]byte{key}, 32))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// customerWithCard stores a customer and a card through the customer
// API and returns the card's id.
func (s *testServer) customerWithCard(c client) string {
	s.t.Helper()
	auth := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+c.APISecret))}
	var res struct {
		StatusCode int
		StatusText string
	}
	r := s.do("POST", "/apis/api/Customers", `{"CustomerNumber":"C-77","BillingFirstName":"Grace","BillingLastName":"Hopper"}`, auth)
	r.json(s.t, &res)
	if res.StatusCode != 200 {
		s.t.Fatalf("customer: %s", r.body)
	}
	r = s.do("POST", "/apis/api/PaymentDetails", `{"CustomerId":"`+res.StatusText+`","PaymentType":"2","CardNumber":"4003000123456781","ExpDate":"1239","FullName":"Grace Hopper"}`, auth)
	r.json(s.t, &res)
	if res.StatusCode != 200 {
		s.t.Fatalf("card: %s", r.body)
	}
	return res.StatusText
}

// TestBackupDuringUploadRestores takes a backup with the backup command
// while an upload runs, restores it with the restore command and serves
// the restored folder: every row acknowledged before the backup began is
// there, the lookups answer the same, the clients' credentials work and
// the vault opens under the master key.
func TestBackupDuringUploadRestores(t *testing.T) {
	keyFile := writeMasterKey(t, 0x5a)
	a := startServer(t, func(c *serveConfig) { c.MasterKeyFile = keyFile; c.AdminToken = "" })
	tok, err := os.ReadFile(filepath.Join(a.a.cfg.Data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	a.token = strings.TrimSpace(string(tok))
	c := a.newClient("Acme Collections")
	dbid := a.newDatabase(c.CID)
	if r := a.upload("POST", c, dbid, debtorRows(0, 500)); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	card := a.customerWithCard(c)

	// An upload runs, 200 rows a request, before, during and after the backup.
	var acked atomic.Int64
	acked.Store(500)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for next := 500; ; next += 200 {
			select {
			case <-stop:
				return
			default:
			}
			if status, err := tryUpload(a, c, dbid, debtorRows(next, 200)); err != nil || status != 200 {
				t.Errorf("upload during the backup: %d %v", status, err)
				return
			}
			acked.Store(int64(next + 200))
		}
	})
	for acked.Load() < 1500 {
		time.Sleep(time.Millisecond)
	}
	before := acked.Load()
	file := filepath.Join(t.TempDir(), "tonebase.backup")
	var stderr bytes.Buffer
	err = backupCmd([]string{"--url", a.base, "--admin-token", a.token, "--out", file}, &bytes.Buffer{}, &stderr)
	during := acked.Load()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "encrypted under the server's master key") {
		t.Errorf("backup's report: %s", stderr.String())
	}
	t.Logf("backup began after %d rows were acknowledged, %d by its end", before, during)

	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := os.ReadFile(filepath.Join(a.a.cfg.Data, "secrets.key"))
	for _, s := range []string{"Acme Collections", "Grace", "Hopper", "4003000123456781", "6781", "000123", "01011990", "10.50", "1050",
		c.UploadPassword, c.APIKey, a.token, "v1.k1.", string(secret)} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%q is readable in the backup file", s)
		}
	}

	restored := filepath.Join(t.TempDir(), "restored")
	stderr.Reset()
	if err := restoreCmd([]string{"--data", restored, "--file", file, "--master-key-file", keyFile}, nil, &stderr); err != nil {
		t.Fatalf("restore: %v", err)
	}
	t.Log(strings.TrimSpace(stderr.String()))
	b := startServer(t, func(cfg *serveConfig) { cfg.Data = restored; cfg.MasterKeyFile = keyFile; cfg.AdminToken = "" })
	b.token = a.token // the admin token came back with the folder
	if r := b.admin("GET", "/admin/api/clients", ""); r.status != 200 {
		t.Fatalf("the restored server does not take the old admin token: %d %s", r.status, r.body)
	}

	// Every row acknowledged before the backup began.
	have := map[string]bool{}
	for after := ""; ; {
		r := b.admin("GET", fmt.Sprintf("/admin/api/clients/%d/databases/%d/rows?limit=1000&after=%s", c.CID, dbid, after), "")
		var page struct {
			Rows []map[string]string `json:"rows"`
			Next string              `json:"next"`
		}
		r.json(t, &page)
		for _, row := range page.Rows {
			have[row["colA"]] = true
		}
		if after = page.Next; after == "" {
			break
		}
	}
	for i := range before {
		if !have[fmt.Sprintf("%06d", i)] {
			t.Fatalf("row %06d was acknowledged before the backup began and is not restored (%d rows restored)", i, len(have))
		}
	}
	// One upload runs at a time: the backup may hold the one whose answer
	// was on its way when the backup ended, whole, but never part of one.
	if int64(len(have)) > during+200 || len(have)%200 != 100 {
		t.Errorf("restored %d rows: not whole uploads, at most one past the %d acknowledged by the backup's end", len(have), during)
	}

	// The same lookups answer the same, with the same credentials.
	for _, q := range []string{byRef(123), byRef(7) + "&format=kv", byRef(1000), byRef(1499), "ref1=000123&ref2=01011990"} {
		ra, rb := a.lookup(c, c.CID, dbid, q), b.lookup(c, c.CID, dbid, q)
		if ra.status != rb.status || !bytes.Equal(ra.body, rb.body) {
			t.Errorf("lookup %s: source %d %s, restored %d %s", q, ra.status, ra.body, rb.status, rb.body)
		}
		if ra.status == 401 {
			t.Fatalf("lookup %s: the credentials did not work: %s", q, ra.body)
		}
	}
	if r := b.lookup(c, c.CID, dbid, byRef(123)); r.status != 200 {
		t.Fatalf("restored lookup: %d %s", r.status, r.body)
	}
	// The upload password still signs (secrets.key came back).
	if r := b.upload("POST", c, dbid, debtorRows(900000, 1)); r.status != 200 {
		t.Fatalf("upload to the restored server: %d %s", r.status, r.body)
	}

	// The vault: the same card is known (its fingerprint key came back with
	// the master key), and a rotation re-seals it, which opens it first.
	auth := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+c.APISecret))}
	var cust []struct{ Id string }
	r := b.do("GET", "/apis/api/Customers/GetCustomers?CustomerNumber=C-77", "", auth)
	r.json(t, &cust)
	if len(cust) != 1 {
		t.Fatalf("customer: %s", r.body)
	}
	r = b.do("POST", "/apis/api/PaymentDetails", `{"CustomerId":"`+cust[0].Id+`","PaymentType":"2","CardNumber":"4003000123456781","ExpDate":"1239"}`, auth)
	if r.status != 409 || !strings.Contains(string(r.body), card) {
		t.Fatalf("the restored vault does not know the stored card: %d %s", r.status, r.body)
	}
	if r := b.admin("POST", "/admin/api/keys/rotate", ""); r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ks struct {
			Active  string
			Pending int
		}
		b.admin("GET", "/admin/api/keys", "").json(t, &ks)
		if ks.Pending == 0 && ks.Active == "k2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the card was not re-sealed after a rotation (it does not open): %+v", ks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRestoreRefuses: a damaged file, a wrong or missing master key and a
// folder that holds data are refused, with nothing left behind.
func TestRestoreRefuses(t *testing.T) {
	keyFile := writeMasterKey(t, 0x11)
	s := startServer(t, func(c *serveConfig) { c.MasterKeyFile = keyFile })
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	if r := s.upload("POST", c, dbid, debtorRows(0, 2000)); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var file bytes.Buffer
	if err := backupCmd([]string{"--url", s.base, "--admin-token", s.token}, &file, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	good := file.Bytes()
	write := func(b []byte) string { return writeFile(t, "f.backup", string(b)) }
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x20; return b }
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, file, key, data string
		want                  string
	}{
		{"one byte altered in the middle", write(flip(len(good) / 2)), keyFile, "", "damaged or was altered"},
		{"one byte altered in the last frame", write(flip(len(good) - 3)), keyFile, "", "damaged or was altered"},
		{"one byte altered in the header", write(flip(20)), keyFile, "", "not the one this backup was made under"},
		{"cut short", write(good[:len(good)-100]), keyFile, "", "incomplete"},
		{"cut at a frame's end", write(good[:len(good)/3]), keyFile, "", "incomplete"},
		{"a byte appended", write(append(bytes.Clone(good), 'x')), keyFile, "", "damaged"},
		{"wrong master key", write(good), writeMasterKey(t, 0x12), "", "the master key given is not the one this backup was made under"},
		{"no master key", write(good), "", "", "encrypted under its server's master key: give the same key"},
		{"not a backup", write([]byte("just some text that is long enough to be read as a header, surely")), keyFile, "", "not a tonebase backup"},
		{"a folder that holds data", write(good), keyFile, full, "already holds data (notes.txt)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if data == "" {
				data = filepath.Join(t.TempDir(), "restored")
			}
			args := []string{"--data", data, "--file", tt.file}
			if tt.key != "" {
				args = append(args, "--master-key-file", tt.key)
			}
			unsetenv(t, "TONEBASE_MASTER_KEY")
			err := restoreCmd(args, nil, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if tt.data != "" {
				entries, _ := os.ReadDir(data)
				if len(entries) != 1 {
					t.Fatalf("the folder was changed: %v", entries)
				}
			} else if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Fatalf("a refused restore left %s behind (%v)", data, err)
			}
		})
	}
}

// TestPlainBackup: a server without a master key makes a plain backup,
// which restores without one and is refused with one.
func TestPlainBackup(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	if r := s.upload("POST", c, dbid, debtorRows(0, 50)); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	file := filepath.Join(t.TempDir(), "plain.backup")
	var stderr bytes.Buffer
	if err := backupCmd([]string{"--url", s.base, "--admin-token", s.token, "--out", file}, nil, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "NOT encrypted") {
		t.Errorf("the report does not say the backup is plain: %s", stderr.String())
	}
	// What the encrypted test looks for is there to be found in a plain one.
	if raw, _ := os.ReadFile(file); !bytes.Contains(raw, []byte("Acme")) || !bytes.Contains(raw, []byte(dobOf(3))) {
		t.Error("the plain backup does not show its rows: the encrypted test's search proves nothing")
	}
	unsetenv(t, "TONEBASE_MASTER_KEY")
	err := restoreCmd([]string{"--data", filepath.Join(t.TempDir(), "r"), "--file", file, "--master-key-file", writeMasterKey(t, 1)}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not encrypted") {
		t.Fatalf("a plain backup restored under a key: %v", err)
	}
	restored := filepath.Join(t.TempDir(), "r")
	if err := restoreCmd([]string{"--data", restored, "--file", file}, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	b := startServer(t, func(cfg *serveConfig) { cfg.Data = restored })
	if r := b.lookup(c, c.CID, dbid, byRef(10)); r.status != 200 {
		t.Fatalf("restored lookup: %d %s", r.status, r.body)
	}
}

func TestBackupEndpoint(t *testing.T) {
	s := startServer(t)
	if r := s.do("GET", "/admin/api/backup", "", nil); r.status != 401 {
		t.Fatalf("no token: %d", r.status)
	}
	if r := s.do("GET", "/admin/api/backup", "", map[string]string{"Authorization": "Bearer wrong-token-0123456789"}); r.status != 401 {
		t.Fatalf("wrong token: %d", r.status)
	}
	err := backupCmd([]string{"--url", s.base, "--admin-token", "wrong-token-0123456789"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "admin token required") {
		t.Fatalf("backup with a wrong token: %v", err)
	}
	r := s.admin("GET", "/admin/api/backup", "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/octet-stream" || r.header.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(string(r.body), "TBBACKUP") {
		t.Fatalf("backup: %d %v %.20q", r.status, r.header, r.body)
	}
	var e struct{ Error string }
	if json.Unmarshal(r.body, &e) == nil {
		t.Fatal("the backup is JSON")
	}
}

// TestBackupLogsNoSecrets: the backup's log line says what it did and
// carries nothing of the request (its token) or of the data.
func TestBackupLogsNoSecrets(t *testing.T) {
	logs := &testkit.SyncBuffer{}
	s := startLogging(t, logs, func(c *serveConfig) { c.LogLevel = "trace"; c.AccessLog = true })
	c := s.newClient("Acme")
	dbid := s.newDatabase(c.CID)
	if r := s.upload("POST", c, dbid, debtorRows(0, 20)); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if err := backupCmd([]string{"--url", s.base, "--admin-token", s.token}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	s.stop()
	got := logs.String()
	if !strings.Contains(got, `"message":"backup"`) || !strings.Contains(got, `"keys":`) {
		t.Fatalf("no backup line in the log:\n%s", got)
	}
	for _, secret := range []string{s.token, c.UploadPassword, c.APISecret, dobOf(3)} {
		if strings.Contains(got, secret) {
			t.Errorf("the log carries %q:\n%s", secret, got)
		}
	}
}
