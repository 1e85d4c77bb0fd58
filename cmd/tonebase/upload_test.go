package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rowsOf lists the invoices a database holds.
func rowsOf(t *testing.T, s *testServer, cid, dbid int64) []string {
	t.Helper()
	r := s.admin("GET", fmt.Sprintf("/admin/api/clients/%d/databases/%d/rows?limit=1000", cid, dbid), "")
	var page struct {
		Rows []map[string]string `json:"rows"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &page) != nil {
		t.Fatalf("rows: %d %s", r.status, r.body)
	}
	var out []string
	for _, row := range page.Rows {
		out = append(out, row["colA"])
	}
	return out
}

// runUpload runs "tonebase upload" against s and returns what it printed.
func runUpload(t *testing.T, s *testServer, c client, dbid int64, file string, extra ...string) (stdout, stderr string, err error) {
	t.Helper()
	args := append([]string{"--url", s.base, "--cid", fmt.Sprint(c.CID), "--dbid", fmt.Sprint(dbid),
		"--password", c.UploadPassword, "--file", file}, extra...)
	var out, errOut bytes.Buffer
	err = uploadCmd(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUploadCommand drives "tonebase upload" against a real listener: it
// signs with the request-bound scheme by default and says so, the Hash on
// request, CSV files in both modes, and a client that requires HMAC
// refuses the Hash with an error that says what to send instead.
func TestUploadCommand(t *testing.T) {
	s := startServer(t)
	c := s.newClient("Strict Collections")
	dbid := s.newDatabase(c.CID)

	r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d", c.CID), `{"require_hmac":true}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"require_hmac":true`) {
		t.Fatalf("require_hmac: %d %s", r.status, r.body)
	}
	if r := s.admin("GET", fmt.Sprintf("/admin/api/clients/%d", c.CID), ""); !strings.Contains(string(r.body), `"require_hmac":true`) {
		t.Fatalf("the client does not show require_hmac: %s", r.body)
	}

	body, _ := batch(100001, 3)
	rows := writeFile(t, "rows.json", body)
	out, errOut, err := runUpload(t, s, c, dbid, rows, "--batch", "2")
	if err != nil {
		t.Fatalf("hmac upload: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "X-Tonebase-Signature") || !strings.Contains(out, `"inserted": 3`) {
		t.Fatalf("hmac upload printed:\n%s\n%s", out, errOut)
	}

	// The Hash is refused for this client, from the command and on the wire.
	other, _ := batch(100011, 2)
	out, errOut, err = runUpload(t, s, c, dbid, writeFile(t, "other.json", other), "--scheme", "activepay")
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "X-Tonebase-Signature") {
		t.Fatalf("a Hash upload for a client requiring HMAC: %v", err)
	}
	if out != "" || !strings.Contains(errOut, "ActivePay's Hash") {
		t.Fatalf("a failed upload printed a summary, or did not say its scheme:\n%q\n%q", out, errOut)
	}
	if r := s.upload("POST", c, dbid, other); r.status != 403 || !strings.Contains(string(r.body), "a Hash alone is refused") {
		t.Fatalf("a Hash POST for a client requiring HMAC: %d %s", r.status, r.body)
	}

	// CSV files, signed with their mode, in each scheme once the Hash is
	// allowed again.
	if r := s.admin("PUT", fmt.Sprintf("/admin/api/clients/%d", c.CID), `{"require_hmac":false}`); r.status != 200 {
		t.Fatalf("require_hmac off: %d %s", r.status, r.body)
	}
	csv := writeFile(t, "debtors.csv", "200001,01021990,1.00,,\n200002,01021990,2.00,,\n")
	if out, errOut, err = runUpload(t, s, c, dbid, csv, "--mode", "upsert", "--scheme", "activepay"); err != nil || !strings.Contains(out, `"inserted": 2`) {
		t.Fatalf("csv upsert with the Hash: %v\n%s\n%s", err, out, errOut)
	}
	if got := rowsOf(t, s, c.CID, dbid); len(got) != 5 {
		t.Fatalf("after the upserts: %v", got)
	}
	replace := writeFile(t, "replace.csv", "200002,01021990,3.00,,\n300001,01021990,4.00,,\n")
	if out, errOut, err = runUpload(t, s, c, dbid, replace, "--mode", "replace"); err != nil || !strings.Contains(out, `"deleted": 4`) {
		t.Fatalf("csv replace: %v\n%s\n%s", err, out, errOut)
	}
	if got := strings.Join(rowsOf(t, s, c.CID, dbid), ","); got != "200002,300001" {
		t.Fatalf("after replace the database holds %s", got)
	}
	// Sent again, the same file is answered as already applied.
	if _, _, err = runUpload(t, s, c, dbid, replace, "--mode", "replace", "--scheme", "activepay"); err != nil {
		t.Fatalf("the same file under the other scheme is a new signature: %v", err)
	}
	_, _, err = runUpload(t, s, c, dbid, replace, "--mode", "replace", "--scheme", "activepay")
	if err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("a Hash sent twice: %v", err)
	}

	for name, args := range map[string][]string{
		"unknown scheme":  {"--scheme", "md5"},
		"unknown mode":    {"--mode", "append"},
		"delete and mode": {"--mode", "replace", "--delete"},
	} {
		if _, _, err := runUpload(t, s, c, dbid, csv, args...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
