package main

import (
	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/admin/observe"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/ivr"
)

// route is one line of the route table.
type route struct {
	method, path string
	handler      fasthttp.RequestHandler
}

// routes is every route the service answers, in one place.
func routes(a *app, ivrH *ivr.Handlers, api *admin.API, cust *customer.Handlers) []route {
	g := api.Guard
	return []route{
		{"GET", "/healthz", a.healthz},
		{"GET", "/metrics", a.metrics},

		{"GET", "/ivr/v1/{cid}/{dbid}/lookup", ivrH.Lookup},
		{"POST", "/cppdb/api/database", ivrH.Upload},
		{"DELETE", "/cppdb/api/database", ivrH.Delete},

		{"POST", "/admin/api/clients", g(api.CreateClient)},
		{"GET", "/admin/api/clients", g(api.ListClients)},
		{"GET", "/admin/api/clients/{cid}", g(api.GetClient)},
		{"PUT", "/admin/api/clients/{cid}", g(api.UpdateClient)},
		{"POST", "/admin/api/clients/{cid}/api-secret", g(api.RotateSecret)},
		{"POST", "/admin/api/clients/{cid}/upload-password", g(api.RotatePassword)},
		{"POST", "/admin/api/clients/{cid}/databases", g(api.CreateDatabase)},
		{"GET", "/admin/api/clients/{cid}/databases", g(api.ListDatabases)},
		{"GET", "/admin/api/clients/{cid}/databases/{dbid}", g(api.GetDatabase)},
		{"PUT", "/admin/api/clients/{cid}/databases/{dbid}", g(api.UpdateDatabase)},
		{"DELETE", "/admin/api/clients/{cid}/databases/{dbid}", g(api.DeleteDatabase)},
		{"GET", "/admin/api/clients/{cid}/databases/{dbid}/rows", g(api.Rows)},
		{"POST", "/admin/api/keys/rotate", g(cust.RotateKeys)},
		{"GET", "/admin/api/keys", g(cust.Keys)},

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
	}
}

// handler builds the router, wrapping each route with ids, logs and metrics.
func handler(a *app, table []route) fasthttp.RequestHandler {
	r := router.New()
	r.RedirectTrailingSlash = false
	for _, rt := range table {
		r.Handle(rt.method, rt.path, observe.Wrap(a.accessLog, a.reg, rt.path, rt.handler))
	}
	r.NotFound = observe.Wrap(a.accessLog, a.reg, "not_found", func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(404)
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"error":"no such endpoint; the README lists them"}`)
	})
	r.MethodNotAllowed = observe.Wrap(a.accessLog, a.reg, "method_not_allowed", func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(405)
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"error":"method not allowed on this endpoint"}`)
	})
	return r.Handler
}
