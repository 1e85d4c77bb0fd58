package admin

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// Uploader applies a signed upload, as the merchant endpoint does.
type Uploader interface {
	Upload(u ivr.Signed, body []byte) (ivr.UploadResult, error)
}

// Demo is what SeedDemo made, with credentials valid right now.
type Demo struct {
	CID, DBID      int64
	APIKey         string
	APISecret      string
	UploadPassword string
	Rows           int
}

const demoName = "Demo Merchant"

// DemoColumns is the database the ActivePay guide walks through.
func DemoColumns() []ivr.Column {
	return []ivr.Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: ivr.RoleRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: columndb.TypeDate, Format: columndb.DDMMYYYY, Required: true, IVRField: ivr.RoleRef2, MinDTMF: 8, MaxDTMF: 8},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, Required: true, IVRField: ivr.RoleBalance},
		{ID: "colD", Name: "Minimum Payment", Type: columndb.TypeCurrency, Visible: true, IVRField: ivr.RoleMinPayment},
		{ID: "colE", Name: "Maximum Payment", Type: columndb.TypeCurrency, Visible: true, IVRField: ivr.RoleMaxPayment},
		{ID: "colF", Name: "Customer Name", Type: columndb.TypeText, Visible: true, IVRField: ivr.RoleNone},
	}
}

// DemoRows returns n deterministic debtor rows; the first is the one the
// README's examples use (invoice 123456, born 1 February 1990, owing £12.50).
func DemoRows(n int) []map[string]string {
	first := []string{"Alice", "Bryn", "Cerys", "Dafydd", "Eleri", "Fiona", "Gareth", "Hywel"}
	last := []string{"Jones", "Evans", "Price", "Morgan", "Hughes", "Lloyd", "Rees", "Owen"}
	rows := make([]map[string]string, n)
	for i := range rows {
		if i == 0 {
			rows[i] = map[string]string{"colA": "123456", "colB": "01021990", "colC": "£12.50", "colD": "£5.00", "colE": "£12.50", "colF": "Alice Jones"}
			continue
		}
		balance := 500 + (i*7919)%150000 // pence
		rows[i] = map[string]string{
			"colA": fmt.Sprintf("%06d", (200000+i*37)%1000000),
			"colB": fmt.Sprintf("%02d%02d%04d", 1+i%28, 1+i%12, 1940+i%60),
			"colC": money.FormatMinor(int64(balance)),
			"colD": money.FormatMinor(int64(min(balance, 500))),
			"colE": money.FormatMinor(int64(balance)),
			"colF": first[i%len(first)] + " " + last[(i/len(first))%len(last)],
		}
	}
	return rows
}

// SeedDemo makes sure the demo client and its database exist with demo rows,
// and issues fresh credentials so they can be printed: the stored secret is
// only a hash, and a demo must be usable on every start.
func SeedDemo(clients Clients, dbs Databases, up Uploader) (Demo, error) {
	var d Demo
	for _, c := range clients.List() {
		if c.Name == demoName {
			d.CID, d.APIKey = c.CID, c.APIKey
		}
	}
	if d.CID == 0 {
		c, creds, err := clients.Create(demoName, 0)
		if err != nil {
			return d, err
		}
		d.CID, d.APIKey = c.CID, c.APIKey
		d.APISecret, d.UploadPassword = creds.APISecret, creds.UploadPassword
	} else {
		s, err := clients.RotateSecret(d.CID)
		if err != nil {
			return d, err
		}
		p, err := clients.RotatePassword(d.CID)
		if err != nil {
			return d, err
		}
		d.APISecret, d.UploadPassword = s.APISecret, p.UploadPassword
	}
	list, err := dbs.List(d.CID)
	if err != nil {
		return d, err
	}
	if len(list) > 0 {
		d.DBID, d.Rows = list[0].DBID, int(list[0].Rows)
		return d, nil
	}
	db, err := dbs.Create(d.CID, ivr.DatabaseSpec{Description: "Debtors (demo)", Columns: DemoColumns()})
	if err != nil {
		return d, err
	}
	d.DBID = db.DBID
	body, err := json.Marshal(DemoRows(1000))
	if err != nil {
		return d, err
	}
	res, err := up.Upload(ivr.Signed{CID: d.CID, DBID: d.DBID, Hash: hash.Sign(d.CID, d.DBID, d.UploadPassword, body)}, body)
	if err != nil {
		return d, err
	}
	d.Rows = res.Inserted
	return d, nil
}

// OnePayExample is the OnePay request the demo and the README show.
const OnePayExample = `{"customer":{"customer_id":"AUTO","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","action_code":"1"},` +
	`"card":{"number":"4111111111111111","expiration_date":"1230","code":"123","action_code":"1"}}`

// Instructions is what serve --demo prints: credentials and commands that
// work when pasted into a shell.
func (d Demo) Instructions(base, adminToken string) string {
	body := `[{"colA":"654321","colB":"15081985","colC":"£250.00","colD":"£10.00","colE":"£250.00","colF":"New Caller"}]`
	sig := hash.Sign(d.CID, d.DBID, d.UploadPassword, []byte(body))
	var b strings.Builder
	fmt.Fprintf(&b, "\ntonebase demo: client %d (%s), database %d with %d debtors\n\n", d.CID, demoName, d.DBID, d.Rows)
	fmt.Fprintf(&b, "  api key          %s\n  api secret       %s\n  upload password  %s\n  admin token      %s\n\n", d.APIKey, d.APISecret, d.UploadPassword, adminToken)
	fmt.Fprintf(&b, "Look a caller up (invoice 123456, born 01/02/1990):\n  curl -s -u '%s:%s' '%s/ivr/v1/%d/%d/lookup?ref1=123456&ref2=01021990'\n\n", d.APIKey, d.APISecret, base, d.CID, d.DBID)
	fmt.Fprintf(&b, "The same for Asterisk CURL()+HASH():\n  curl -s -u '%s:%s' '%s/ivr/v1/%d/%d/lookup?ref1=123456%%23&ref2=01021990&format=kv'\n\n", d.APIKey, d.APISecret, base, d.CID, d.DBID)
	fmt.Fprintf(&b, "Post a payment back (£5.00 from 123456; the same reference again debits nothing), then read the ledger:\n  curl -s -u '%s:%s' -X POST -H 'Content-Type: application/json' '%s/ivr/v1/%d/%d/payments' -d '{\"ref1\":\"123456\",\"ref2\":\"01021990\",\"amount\":\"5.00\",\"reference\":\"PSP-0001\",\"method\":\"card\",\"card_last4\":\"1111\"}'\n  curl -s -u '%s:%s' '%s/ivr/v1/%d/%d/payments'\n\n",
		d.APIKey, d.APISecret, base, d.CID, d.DBID, d.APIKey, d.APISecret, base, d.CID, d.DBID)
	fmt.Fprintf(&b, "Upload a signed row:\n  curl -s -X POST -H 'Content-Type: application/json' '%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s' --data-binary '%s'\n\n", base, d.CID, d.DBID, sig, body)
	fmt.Fprintf(&b, "Sign your own body (with the binary the README's quick start builds):\n  ./tonebase hash --cid %d --dbid %d --password '%s' --body '%s'\n\n", d.CID, d.DBID, d.UploadPassword, body)
	fmt.Fprintf(&b, "Customer API (cards need a master key; --demo made a throwaway one):\n  curl -s -u '%s:%s' -X POST -H 'Content-Type: application/json' %s/apis/api/Customers -d '{\"CustomerNumber\":\"0001000\",\"BillingFirstName\":\"Alice\"}'\n\n", d.APIKey, d.APISecret, base)
	fmt.Fprintf(&b, "OnePay Customer API (a customer with a card; the answer carries its token):\n  curl -s -X POST %s/Customer -H 'x-authorization: %s:%s' -H 'Content-Type: application/json' -d '%s'\n\n", base, d.APIKey, d.APISecret, OnePayExample)
	fmt.Fprintf(&b, "ReceivePay XML API (credentials in the body):\n  curl -s %s/api --data-binary '<request><authentication><api_id>%s</api_id><secret_key>%s</secret_key></authentication><type>NewCustomer</type><first_name>Joe</first_name><last_name>Customer</last_name><country>CA</country><state>Ontario</state></request>'\n\n", base, d.APIKey, d.APISecret)
	fmt.Fprintf(&b, "Admin pages: %s/admin/ (the first visit sets up an admin user with the admin token)\n", base)
	fmt.Fprintf(&b, "Admin API:\n  curl -s -H 'Authorization: Bearer %s' %s/admin/api/clients\n", adminToken, base)
	return b.String()
}
