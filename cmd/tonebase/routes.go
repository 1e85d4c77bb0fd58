package main

import (
	"bytes"
	"strings"

	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/customer/hipfinity"
	"github.com/tonebase/tonebase/customer/onepay"
	"github.com/tonebase/tonebase/customer/receivepay"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/ivr"
)

// route is one line of the route table.
type route struct {
	method, path string
	handler      fasthttp.RequestHandler
}

// bodyOf is how a route takes its request body: uploads and files stream
// theirs as they arrive, other writes read a small one whole, and reads
// take none, so a body sent to them is never buffered.
func bodyOf(rt route) httpx.Body {
	switch rt.method + " " + rt.path {
	case "POST /cppdb/api/database", "DELETE /cppdb/api/database", "POST /cppdb/api/file",
		"POST /admin/clients/{cid}/databases/{dbid}/import":
		return httpx.StreamBody
	}
	switch rt.method {
	case "GET", "HEAD", "DELETE":
		return httpx.NoBody
	}
	return httpx.SmallBody
}

// routes is every route the service answers, in one place.
func routes(a *app, ivrH *ivr.Handlers, api *admin.API, cust *hipfinity.Handlers, op *onepay.Handlers, rp *receivepay.Handlers) []route {
	g := api.Guard
	return append([]route{
		{"GET", "/healthz", a.healthz},
		{"GET", "/metrics", a.metrics},

		{"GET", "/ivr/v1/{cid}/{dbid}/lookup", ivrH.Lookup},
		{"POST", "/ivr/v1/{cid}/{dbid}/payments", a.pay.Post},
		{"GET", "/ivr/v1/{cid}/{dbid}/payments", a.pay.List},
		{"POST", "/cppdb/api/database", ivrH.Upload},
		{"DELETE", "/cppdb/api/database", ivrH.Delete},
		{"POST", "/cppdb/api/file", ivrH.File},

		{"POST", "/admin/api/clients", g(api.CreateClient)},
		{"GET", "/admin/api/clients", g(api.ListClients)},
		{"GET", "/admin/api/clients/{cid}", g(api.GetClient)},
		{"PUT", "/admin/api/clients/{cid}", g(api.UpdateClient)},
		{"POST", "/admin/api/clients/{cid}/api-secret", g(api.RotateSecret)},
		{"POST", "/admin/api/clients/{cid}/upload-password", g(api.RotatePassword)},
		{"PUT", "/admin/api/clients/{cid}/twilio", g(api.SetTwilio)},
		{"PUT", "/admin/api/clients/{cid}/pay-connector", g(api.SetPayConnector)},
		{"POST", "/admin/api/clients/{cid}/databases", g(api.CreateDatabase)},
		{"GET", "/admin/api/clients/{cid}/databases", g(api.ListDatabases)},
		{"GET", "/admin/api/clients/{cid}/databases/{dbid}", g(api.GetDatabase)},
		{"PUT", "/admin/api/clients/{cid}/databases/{dbid}", g(api.UpdateDatabase)},
		{"DELETE", "/admin/api/clients/{cid}/databases/{dbid}", g(api.DeleteDatabase)},
		{"GET", "/admin/api/clients/{cid}/databases/{dbid}/rows", g(api.Rows)},
		{"GET", "/admin/api/clients/{cid}/databases/{dbid}/digest", g(api.Digest(a.svc.Catalog(), a.store))},
		{"POST", "/admin/api/keys/rotate", g(cust.RotateKeys)},
		{"GET", "/admin/api/keys", g(cust.Keys)},
		{"GET", "/admin/api/backup", g(a.backups.Download)},

		{"POST", "/apis/api/Customers", cust.CreateCustomer},
		{"PUT", "/apis/api/Customers/{id}", cust.UpdateCustomer},
		{"DELETE", "/apis/api/Customers/{id}", cust.DeleteCustomer},
		{"GET", "/apis/api/Customers/GetCustomerInfo/{id}", cust.GetCustomerInfo},
		{"GET", "/apis/api/Customers/GetCustomers", cust.GetCustomers},
		{"GET", "/apis/api/Customers/GetCustomersBySearchCriteria", cust.SearchCustomers},
		{"POST", "/apis/api/PaymentDetails", cust.CreatePayment},
		{"PUT", "/apis/api/PaymentDetails/{id}", cust.UpdatePayment},
		{"DELETE", "/apis/api/PaymentDetails/{id}", cust.DeletePayment},
		{"GET", "/apis/api/PaymentDetails/GetPayments", cust.GetPayments},
		{"GET", "/apis/api/PaymentDetails/GetPaymentInfo/{id}", cust.GetPaymentInfo},
		{"GET", "/apis/api/PaymentDetails/GetPrimary", cust.GetPrimary},
		{"POST", "/apis/api/RecurringTrans", cust.CreatePlan},
		{"PUT", "/apis/api/RecurringTrans/Suspend", cust.SuspendPlan},
		{"PUT", "/apis/api/RecurringTrans/Resume", cust.ResumePlan},
		{"PUT", "/apis/api/RecurringTrans/{id}", cust.UpdatePlan},
		{"DELETE", "/apis/api/RecurringTrans/{id}", cust.DeletePlan},
		{"GET", "/apis/api/RecurringTrans/GetRecurringInfo/{id}", cust.GetPlan},
		{"GET", "/apis/api/RecurringTrans/GetRecurringTrans", cust.GetPlans},
		{"GET", "/apis/api/RecurringTrans/GetSchedule/{id}", cust.GetSchedule},
		{"GET", "/apis/api/RecurringTrans/GetDue", cust.GetDue},

		{"POST", onepay.Path, op.Customer},
		// ReceivePay's XML API: one endpoint, at every path its clients post to.
		{"POST", "/api", rp.API},
		{"POST", "/api/", rp.API},
		{"POST", "/index.php/api", rp.API},
		{"POST", "/index.php/api/", rp.API},
	}, append(callRoutes(a.calls), webRoutes(a.web)...)...)
}

// callRoutes are the telephony platforms' endpoints, where tonebase runs
// the caller's side of the call itself.
func callRoutes(p platforms) []route {
	return []route{
		{"POST", "/twilio/v1/{cid}/{dbid}/voice", p.twilio.Voice},
		{"GET", "/vxml/v1/{cid}/{dbid}/start", p.vxml.Start},
		{"POST", "/vxml/v1/{cid}/{dbid}/lookup", p.vxml.Lookup},
		{"POST", "/connect/v1/{cid}/{dbid}/lookup", p.connect.Lookup},
		{"POST", "/pay/v1/{cid}/twilio-connector", p.payConnector.Connector},
	}
}

// caseless are the paths of the table matched ignoring case, as the
// ASP.NET service whose clients they serve matches them.
func caseless() []string { return []string{onepay.Path} }

// matchCase gives a request for a caseless path that path's case, so the
// router finds it. It compares lengths before bytes and allocates nothing:
// every request passes through it.
func matchCase(paths []string, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		p := ctx.Path()
		for _, c := range paths {
			if len(p) == len(c) && string(p) != c && bytes.EqualFold(p, []byte(c)) {
				ctx.URI().SetPath(c)
				break
			}
		}
		next(ctx)
	}
}

// webRoutes are the admin pages. Page needs a signed-in admin; Form also
// needs the form's anti-forgery token.
func webRoutes(w *web.Server) []route {
	p, f := w.Page, w.Form
	const db = "/admin/clients/{cid}/databases/{dbid}"
	return []route{
		{"GET", "/admin/static/{file}", w.Static},
		{"GET", "/favicon.ico", w.Favicon},
		{"GET", "/admin/sign-in", w.SignIn},
		{"POST", "/admin/sign-in", w.SignInPost},
		{"POST", "/admin/sign-out", f(w.SignOut)},
		{"GET", "/admin/setup", w.Setup},
		{"POST", "/admin/setup", w.SetupPost},
		{"GET", "/admin/", p(w.Dashboard)},
		{"GET", "/admin/audit", p(w.Audit)},
		{"GET", "/admin/audit.csv", p(w.AuditCSV)},
		{"GET", "/admin/users", p(w.Users)},
		{"POST", "/admin/users", f(w.UserAdd)},
		{"POST", "/admin/users/{name}/status", f(w.UserStatus)},
		{"POST", "/admin/users/{name}/remove", f(w.UserRemove)},
		{"GET", "/admin/account", p(w.Account)},
		{"POST", "/admin/account/password", f(w.PasswordPost)},
		{"GET", "/admin/clients", p(w.Clients)},
		{"POST", "/admin/clients", f(w.CreateClient)},
		{"GET", "/admin/clients/{cid}", p(w.Client)},
		{"POST", "/admin/clients/{cid}/rotate", f(w.Rotate)},
		{"POST", "/admin/clients/{cid}/status", f(w.Status)},
		{"POST", "/admin/clients/{cid}/signing", f(w.Signing)},
		{"POST", "/admin/clients/{cid}/twilio", f(w.Twilio)},
		{"POST", "/admin/clients/{cid}/pay-connector", f(w.PayConnector)},
		{"POST", "/admin/clients/{cid}/databases", f(w.CreateDatabase)},
		{"GET", "/admin/clients/{cid}/customers", p(w.CustomerList)},
		{"GET", "/admin/clients/{cid}/customers/{id}", p(w.CustomerPage)},
		{"GET", "/admin/clients/{cid}/due", p(w.DueList)},
		{"GET", db, p(w.Fields)},
		{"POST", db + "/description", f(w.Describe)},
		{"POST", db + "/calls", f(w.Calls)},
		{"GET", db + "/delete", p(w.DeleteForm)},
		{"POST", db + "/delete", f(w.DeletePost)},
		{"GET", db + "/fields/{col}", p(w.FieldEdit)},
		{"POST", db + "/fields/{col}", f(w.FieldPost)},
		{"POST", db + "/fields/{col}/move", f(w.FieldMove)},
		{"POST", db + "/fields/{col}/remove", f(w.FieldRemove)},
		{"GET", db + "/rows", p(w.Rows)},
		{"GET", db + "/export.csv", p(w.Export)},
		{"GET", db + "/rows/delete", p(w.DeleteRowsForm)},
		{"POST", db + "/rows/delete", f(w.DeleteRowsPost)},
		{"GET", db + "/row", p(w.RowEdit)},
		{"POST", db + "/row", f(w.RowPost)},
		{"POST", db + "/row/delete", f(w.RowDelete)},
		{"GET", db + "/import", p(w.ImportForm)},
		{"POST", db + "/import", f(w.ImportPost)},
		{"GET", db + "/test", p(w.Tester)},
		{"GET", db + "/imports", p(w.ImportHistory)},
		{"GET", db + "/locks", p(w.Locks)},
		{"POST", db + "/locks/lift", f(w.LockLift)},
		{"GET", db + "/payments", p(w.LedgerPage)},
		{"GET", db + "/payments.csv", p(w.LedgerCSV)},
		{"GET", "/admin/imports/{id}", p(w.ImportStatus)},
		{"GET", "/admin/imports/{id}/progress", p(w.ImportProgress)},
		{"GET", "/admin/imports/{id}/rejected.csv", p(w.Rejected)},
	}
}

// handler builds the router, wrapping each route with ids, logs and metrics.
func handler(a *app, table []route) fasthttp.RequestHandler {
	r := router.New()
	r.RedirectTrailingSlash = false
	// The router's fixed-path redirect builds its Location from the
	// request's Host, which a request may set to any site.
	r.RedirectFixedPath = false
	small := min(httpx.SmallBodyLimit, a.cfg.MaxUploadMB<<20)
	// The router holds one of "/x" and "/x/"; a route listed both ways (a
	// wire whose clients post to either) answers the slashed one from here.
	listed := map[string]bool{}
	for _, rt := range table {
		listed[rt.method+" "+rt.path] = true
	}
	slashed := map[string]fasthttp.RequestHandler{}
	for _, rt := range table {
		h := observe.Wrap(a.accessLog, a.reg, rt.path, httpx.TakeBody(bodyOf(rt), small, a.serverError, rt.handler))
		if twin, ok := strings.CutSuffix(rt.path, "/"); ok && twin != "" && listed[rt.method+" "+twin] {
			slashed[rt.method+" "+rt.path] = h
			continue
		}
		r.Handle(rt.method, rt.path, h)
	}
	r.NotFound = observe.Wrap(a.accessLog, a.reg, "not_found", func(ctx *fasthttp.RequestCtx) {
		if web.IsPage(ctx.Path()) {
			a.web.NotFound(ctx)
			return
		}
		ctx.SetStatusCode(404)
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"error":"no such endpoint; the README lists them"}`)
	})
	r.MethodNotAllowed = observe.Wrap(a.accessLog, a.reg, "method_not_allowed", func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(405)
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"error":"method not allowed on this endpoint"}`)
	})
	next := r.Handler
	if len(slashed) > 0 {
		next = func(ctx *fasthttp.RequestCtx) {
			// Only a path ending in a slash can be a twin: every other
			// request (a lookup) builds no key.
			if p := ctx.Path(); len(p) > 1 && p[len(p)-1] == '/' {
				if h, ok := slashed[string(ctx.Method())+" "+string(p)]; ok {
					h(ctx)
					return
				}
			}
			r.Handler(ctx)
		}
	}
	return matchCase(caseless(), next)
}
