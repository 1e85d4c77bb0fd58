package main

import (
	"fmt"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/bench"
)

// BenchmarkPaymentHandler measures one payment through the whole handler
// chain as serve wires it (routing, auth, the body, the refs, the durable
// commit of the row and its ledger entry, the answer), without the
// network: a profile of it shows where a payment's time goes. Each pays
// the minimum (£10.00) of a row not paid before.
func BenchmarkPaymentHandler(b *testing.B) {
	const rows = 20_000
	h, auth, cid, dbid := benchApp(b, true, rows)
	path := fmt.Sprintf("/ivr/v1/%d/%d/payments", cid, dbid)
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
