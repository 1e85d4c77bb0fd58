package admin

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the demo debtor files under testdata/debtors")

// The demo's debtors are kept as a file beside the other shared fixtures,
// so a change to what a newcomer's first start loads shows in review, and
// tests elsewhere can upload the very rows the demo holds.
func TestDemoRowsGolden(t *testing.T) {
	const path = "../testdata/debtors/demo.json"
	var buf bytes.Buffer
	buf.WriteString("[\n")
	rows := DemoRows(1000)
	for i, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		if i < len(rows)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./admin/ -update writes it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("DemoRows(1000) differs from %s; if the change is meant, run go test ./admin/ -update", path)
	}
	if rows[0]["colA"] != "123456" || rows[0]["colB"] != "01021990" {
		t.Fatalf("the README's example debtor is not first: %v", rows[0])
	}
}
