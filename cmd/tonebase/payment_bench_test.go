package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/bench"
	"github.com/tonebase/tonebase/ivr"
)

// BenchmarkPaymentHandler measures one payment through the whole handler
// chain as serve wires it (routing, auth, the body, the refs, the durable
// commit of the row and its ledger entry, the answer), without the
// network: a profile of it shows where a payment's time goes. Each pays
// the minimum (£10.00) of a row not paid before.
func BenchmarkPaymentHandler(b *testing.B) {
	cfg := serveConfig{Data: b.TempDir(), LogFormat: "json", LogLevel: "info", AdminToken: "bench-admin-token-0123456789",
		MaxUploadMB: 64, LockoutLimit: 5, LockoutWindow: 15 * time.Minute, TxnRows: 256, AccessLog: true, RowCacheMB: 512}
	a, err := newApp(cfg, zerolog.New(io.Discard), withAccessLog(io.Discard, accessLines))
	if err != nil {
		b.Fatal(err)
	}
	defer a.close()
	c, creds, err := a.clients.Create("Bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	var spec ivr.DatabaseSpec
	spec.Description = "Bench"
	if err := jsonUnmarshal(bench.Columns, &spec.Columns); err != nil {
		b.Fatal(err)
	}
	db, err := a.svc.Catalog().Create(c.CID, spec)
	if err != nil {
		b.Fatal(err)
	}
	const rows = 20_000
	for _, batch := range bench.Batches(c.CID, db.DBID, creds.UploadPassword, 0, rows, 5000) {
		if _, err := a.svc.Upload(ivr.Signed{CID: c.CID, DBID: db.DBID, Hash: batch.Hash}, batch.Body); err != nil {
			b.Fatal(err)
		}
	}
	h := a.server.Handler
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+creds.APISecret))
	path := fmt.Sprintf("/ivr/v1/%d/%d/payments", c.CID, db.DBID)
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		j := (i * 104729) % rows
		i++
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI(path)
		ctx.Request.Header.Set("Authorization", auth)
		ctx.Request.SetBodyString(fmt.Sprintf(`{"ref1":"%s","ref2":"%s","amount":"10.00","reference":"b-%d","card_last4":"1111"}`,
			bench.Invoice(j), bench.DOB(j), i))
		h(&ctx)
		if ctx.Response.StatusCode() != 201 {
			b.Fatalf("payment: %d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}
