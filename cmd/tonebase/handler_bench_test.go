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

// BenchmarkLookupHandler measures one lookup through the whole handler
// chain (routing, auth, DTMF rules, index, rendering) without the network,
// so a profile of it shows where a lookup's time goes: without the access
// log, and with it as serve writes it (JSON through the asynchronous
// writer, here into io.Discard).
func BenchmarkLookupHandler(b *testing.B) {
	b.Run("access-log=off", func(b *testing.B) { benchmarkLookupHandler(b, false) })
	b.Run("access-log=on", func(b *testing.B) { benchmarkLookupHandler(b, true) })
}

// benchApp is the service as serve wires it, over a fresh data folder, with
// a client whose benchmark database holds rows rows; it closes when b ends.
// It returns the handler, the client's Authorization header and its cid
// and dbid.
func benchApp(b *testing.B, accessLog bool, rows int) (fasthttp.RequestHandler, string, int64, int64) {
	b.Helper()
	cfg := serveConfig{Data: b.TempDir(), LogFormat: "json", LogLevel: "info", AdminToken: "bench-admin-token-0123456789",
		MaxUploadMB: 64, LockoutLimit: 5, LockoutWindow: 15 * time.Minute, TxnRows: 256, AccessLog: accessLog, RowCacheMB: 512}
	a, err := newApp(cfg, zerolog.New(io.Discard), withAccessLog(io.Discard, accessLines))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.close() })
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
	for _, batch := range bench.Batches(c.CID, db.DBID, creds.UploadPassword, 0, rows, 5000) {
		if _, err := a.svc.Upload(ivr.Signed{CID: c.CID, DBID: db.DBID, Hash: batch.Hash}, batch.Body); err != nil {
			b.Fatal(err)
		}
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.APIKey+":"+creds.APISecret))
	return a.server.Handler, auth, c.CID, db.DBID
}

func benchmarkLookupHandler(b *testing.B, accessLog bool) {
	const rows = 200_000
	h, auth, cid, dbid := benchApp(b, accessLog, rows)
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		j := (i * 104729) % rows
		i++
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI(fmt.Sprintf("/ivr/v1/%d/%d/lookup?ref1=%s&ref2=%s", cid, dbid, bench.Invoice(j), bench.DOB(j)))
		ctx.Request.Header.Set("Authorization", auth)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("lookup: %d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}
